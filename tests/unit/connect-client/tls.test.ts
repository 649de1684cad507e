// https is verified against the relation's CA (or the system store) and never switched off.
// Certificates are generated at test time with the openssl CLI (tests/support/tls-fixtures.ts).

import fs from 'node:fs';
import path from 'node:path';
import { startFakeConnect, type FakeConnect } from '../../../tools/testkit/fake-connect';
import { tlsFixtures, type TlsFixtures } from '../../support/tls-fixtures';
import { PASSWORD, USER, makeClient, mm2Config, thrown } from './helpers';

describe('ConnectClient over https', () => {
  let tls: TlsFixtures;
  let fake: FakeConnect;

  beforeAll(() => {
    tls = tlsFixtures();
  });
  beforeEach(async () => {
    fake = await startFakeConnect({
      auth: { username: USER, password: PASSWORD },
      tls: { certPem: tls.serverCertPem, keyPem: tls.serverKeyPem },
    });
  });
  afterEach(async () => {
    await fake.stop();
  });

  test('verified with the CA from the relation: calls work end to end', async () => {
    expect(fake.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { client } = makeClient([fake.url], { caPem: tls.caPem });
    expect((await client.listConnectors()).size).toBe(0);
    expect((await client.putConnectorConfig('mm2', mm2Config())).created).toBe(true);
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
    client.close();
  });

  test('no CA given → the system trust store refuses the test CA (kind tls)', async () => {
    const { client } = makeClient([fake.url]);
    const err = await thrown(() => client.listConnectors());
    expect(err).toMatchObject({ kind: 'tls' });
    expect((err as Error).message).toContain('TLS verification failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
    expect((err as Error).message).toContain('not trusted by the system trust store and the relation provided no CA');
    expect((err as Error).message).toContain('check the CA (tls-ca) on the connect-client relation');
    // Nothing reached the HTTP layer: the handshake failed first.
    expect(fake.requests).toHaveLength(0);
    client.close();
  });

  test('the wrong CA → refused, with a message that points at the relation CA', async () => {
    const { client } = makeClient([fake.url], { caPem: tls.otherCaPem });
    const err = await thrown(() => client.listConnectors());
    expect(err).toMatchObject({ kind: 'tls' });
    expect((err as Error).message).toContain('not signed by the CA from the connect-client relation');
    expect(fake.requests).toHaveLength(0);
    client.close();
  });

  test('a TLS failure on one worker fails over to a verified one', async () => {
    const rogue = await startFakeConnect({ tls: { certPem: tls.selfSignedCertPem, keyPem: tls.selfSignedKeyPem } });
    try {
      const { client, logs } = makeClient([rogue.url, fake.url], { caPem: tls.caPem });
      await client.listConnectors();
      expect(fake.requests).toHaveLength(1);
      expect(logs[0]?.line).toMatch(/TLS verification failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
      expect(rogue.requests).toHaveLength(0);
      client.close();
    } finally {
      await rogue.stop();
    }
  });

  test('https to a plain-http worker is a TLS error, not a hang', async () => {
    const plain = await startFakeConnect();
    try {
      const { client } = makeClient([plain.url.replace('http:', 'https:')], { caPem: tls.caPem });
      const err = await thrown(() => client.listConnectors());
      expect(err).toMatchObject({ kind: 'tls' });
      expect((err as Error).message).toContain('is the endpoint really https?');
      client.close();
    } finally {
      await plain.stop();
    }
  });

  test('the client source never disables certificate verification', () => {
    const dir = path.join(__dirname, '../../../charm/managers');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      expect(source).not.toMatch(/rejectUnauthorized\s*:\s*false/);
      expect(source).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED/);
    }
  });
});
