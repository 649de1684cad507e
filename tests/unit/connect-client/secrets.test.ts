// Credentials and connector secrets never reach error messages, serialised errors or log lines.

import { inspect } from 'node:util';
import { ConnectApiError } from '../../../charm/managers/connect-errors';
import { redactSecrets } from '../../../charm/core/redact';
import { UNAUTHORIZED_BODY, type FakeConnect } from '../../../tools/testkit/fake-connect';
import {
  PASSWORD,
  SCRAM_SOURCE_PASSWORD,
  SCRAM_TARGET_PASSWORD,
  USER,
  jaas,
  makeClient,
  mm2Config,
  startAuthedFake,
  thrown,
} from './helpers';

const SECRETS = [PASSWORD, SCRAM_SOURCE_PASSWORD, SCRAM_TARGET_PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

/** Everything an error exposes when logged, serialised or inspected. */
function surfaces(err: unknown): string[] {
  return [
    String(err),
    (err as Error).message,
    JSON.stringify(err),
    inspect(err, { depth: 10, showHidden: true }),
    (err as Error).stack ?? '',
  ];
}

function expectNoSecrets(texts: string[], secrets: string[] = SECRETS): void {
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('ConnectClient secrets', () => {
  let fake: FakeConnect;
  beforeEach(async () => {
    fake = await startAuthedFake();
  });
  afterEach(async () => {
    await fake.stop();
  });

  test('401 with a plain-text body → unauthorized with an actionable message and no credentials', async () => {
    const wrongPassword = 'Wrong-Pa55-not-this';
    const { client, logs } = makeClient([fake.url], { password: wrongPassword });
    const err = await thrown(() => client.listConnectors());
    expect(err).toBeInstanceOf(ConnectApiError);
    expect(err).toMatchObject({ kind: 'unauthorized', status: 401, endpoint: fake.url, retries: 0 });
    expect((err as Error).message).toBe(
      `Kafka Connect refused the credentials of the connect-client relation (401 from ${fake.url}, "${UNAUTHORIZED_BODY}"): wrong or rotated username/password; the Kafka Connect charm must publish the current ones`,
    );
    const wrongBasic = Buffer.from(`${USER}:${wrongPassword}`).toString('base64');
    expectNoSecrets([...surfaces(err), ...logs.map((l) => l.line)], [wrongPassword, wrongBasic]);
    client.close();
  });

  test('a 400 that echoes the whole config (no connector type) is redacted', async () => {
    const { client, logs } = makeClient([fake.url], { extraSecrets: [SCRAM_SOURCE_PASSWORD] });
    const config = mm2Config();
    delete config['connector.class'];
    config['target.cluster.sasl.password'] = SCRAM_TARGET_PASSWORD; // not in extraSecrets: caught by shape
    const err = await thrown(() => client.putConnectorConfig('mm2', config));
    expect(err).toMatchObject({ kind: 'invalid-config', status: 400 });
    // The raw response really did carry the secrets…
    expect(JSON.stringify(fake.requests[0]?.body)).toContain(SCRAM_SOURCE_PASSWORD);
    // …the error keeps what is useful and drops them.
    const message = (err as Error).message;
    expect(message).toContain('contains no connector type');
    expect(message).toContain('source.cluster.alias=src');
    expect(message).not.toMatch(/ScramLoginModule required/);
    expectNoSecrets([...surfaces(err), ...logs.map((l) => l.line)]);
    client.close();
  });

  test('validation errors that quote a JAAS value are redacted even for unknown secrets', async () => {
    fake.setValidator((_name, config) => [
      `Invalid value ${config['source.cluster.sasl.jaas.config']} for configuration source.cluster.sasl.jaas.config: bad`,
    ]);
    const { client } = makeClient([fake.url]); // no extraSecrets at all
    const err = await thrown(() => client.putConnectorConfig('mm2', mm2Config()));
    expect((err as Error).message).toContain('for configuration source.cluster.sasl.jaas.config: bad');
    expectNoSecrets(surfaces(err));
    client.close();
  });

  test('a secret with no recognisable shape is redacted once the charm registers it', async () => {
    const opaque = 'Zq8-opaque-value-77';
    fake.injectResponse({ status: 500, body: { error_code: 500, message: `failed to connect using ${opaque} as token` } });
    fake.injectResponse({ status: 500, body: `plain text dump: ${opaque} / ${PASSWORD}`, contentType: 'text/plain' });
    const { client } = makeClient([fake.url]);
    client.addSecrets([opaque]);
    const err1 = await thrown(() => client.listConnectors());
    const err2 = await thrown(() => client.listConnectors());
    expect((err1 as Error).message).toContain('<redacted>');
    expect((err2 as Error).message).toBe(
      `Kafka Connect at ${fake.url} failed to list connectors with status (500): plain text dump: <redacted> / <redacted>`,
    );
    expectNoSecrets([...surfaces(err1), ...surfaces(err2)], [...SECRETS, opaque]);
    client.close();
  });

  test('retry warnings and unreachable errors stay clean too', async () => {
    fake.setRebalancing({ requests: 2 });
    fake.injectResponse({ status: 409, body: { error_code: 409, message: `stale config; ${jaas('u', SCRAM_TARGET_PASSWORD)}` } });
    const { client, logs } = makeClient([fake.url, `http://${USER}:${PASSWORD}@127.0.0.1:1`]);
    await client.putConnectorConfig('mm2', mm2Config());
    expect(logs.some((l) => l.level === 'warning')).toBe(true);
    expectNoSecrets(logs.map((l) => l.line));
    await fake.goDown();
    const err = await thrown(() => client.listConnectors());
    expect((err as Error).message).toContain('all 2 Kafka Connect endpoints are unreachable');
    expect((err as Error).message).toContain('http://127.0.0.1:1: connection refused');
    expectNoSecrets([...surfaces(err), ...logs.map((l) => l.line)]);
    client.close();
  });

  test('ConnectApiError carries no cause, request config or body', async () => {
    const { client } = makeClient([fake.url], { password: 'nope-Pa55' });
    const err = await thrown(() => client.listConnectors());
    expect(Object.keys(err as object).sort()).toEqual(['endpoint', 'kind', 'name', 'retries', 'status']);
    expect((err as { cause?: unknown }).cause).toBeUndefined();
    client.close();
  });
});

describe('redactSecrets patterns', () => {
  test.each([
    ['JAAS string', `sasl.jaas.config=${jaas('u', 'p4ss')}`, 'p4ss'],
    ['JSON password key', '{"source.cluster.sasl.password":"p4ss","tasks.max":"1"}', 'p4ss'],
    ['properties password', 'ssl.truststore.password=p4ss, other=1', 'p4ss'],
    ['JAAS inside JSON', JSON.stringify({ message: jaas('u', 'p4ss') }), 'p4ss'],
    ['Authorization header', 'Authorization: Basic cmVsYXRpb246cDRzcw==', 'cmVsYXRpb246cDRzcw=='],
    ['bare Basic token', 'sent Basic cmVsYXRpb246cDRzcw== upstream', 'cmVsYXRpb246cDRzcw=='],
  ])('%s', (_label, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('<redacted>');
  });

  test('known secrets are redacted in raw, JSON-escaped and URL-encoded spellings', () => {
    const secret = 'a"b\\c d/e';
    for (const text of [secret, JSON.stringify(secret), encodeURIComponent(secret)]) {
      expect(redactSecrets(`x ${text} y`, [secret])).toMatch(/^x "?<redacted>"? y$/);
    }
  });

  test('ordinary text is left alone', () => {
    const text =
      'Connector configuration is invalid and contains the following 1 error(s):\nInvalid value 0 for configuration tasks.max: Value must be at least 1';
    expect(redactSecrets(text, ['', 'zzz'])).toBe(text);
  });
});
