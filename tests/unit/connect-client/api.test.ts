// Every client method against the fake Connect over real HTTP, with the status codes each maps.

import type { ConnectClient } from '../../../charm/managers/connect-client';
import { ConnectApiError } from '../../../charm/managers/connect-errors';
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import { MM2_SOURCE, makeClient, mm2Config, startAuthedFake, thrown } from './helpers';

const NAME = 'src->tgt.MirrorSourceConnector';

describe('ConnectClient API over HTTP', () => {
  let fake: FakeConnect;
  let client: ConnectClient;

  beforeEach(async () => {
    fake = await startAuthedFake({ version: '3.9.1', kafkaClusterId: 'tgt-cluster-id' });
    client = makeClient([fake.url]).client;
  });
  afterEach(async () => {
    client.close();
    await fake.stop();
  });

  test("validateConnectorConfig: Connect's per-key errors (ConfigInfos), nothing written", async () => {
    const ok = await client.validateConnectorConfig({ ...mm2Config(), name: NAME });
    expect(ok).toEqual({ plugin: MM2_SOURCE, errorCount: 0, invalid: [] });
    expect((await client.validateConnectorConfig(mm2Config())).invalid).toEqual([
      { key: 'name', errors: ['Missing required configuration "name" which has no default value.'] },
    ]);
    const bad = await client.validateConnectorConfig({
      ...mm2Config({ 'key.converter': 'org.example.DoesNotExist', 'value.converter': 'java.lang.String', 'tasks.max': 'x' }),
      name: NAME,
    });
    expect(bad.errorCount).toBe(3);
    expect(bad.invalid).toHaveLength(3);
    expect(bad.invalid).toEqual(
      expect.arrayContaining([
        {
          key: 'key.converter',
          errors: [
            'Invalid value org.example.DoesNotExist for configuration key.converter: Class org.example.DoesNotExist could not be found.',
          ],
        },
        { key: 'tasks.max', errors: ['Invalid value x for configuration tasks.max: Not a number of type INT'] },
        { key: 'value.converter', errors: ['Class class java.lang.String does not implement the Converter interface'] },
      ]),
    );
    expect(fake.state.connectors.size).toBe(0);
    expect(fake.requests.every((r) => r.path === `/connector-plugins/${MM2_SOURCE}/config/validate` && r.method === 'PUT')).toBe(true);
    // An unknown plugin is Connect's 500 BadRequestException, surfaced as an error.
    const err = await thrown(() => client.validateConnectorConfig(mm2Config({ 'connector.class': 'org.example.Nope' })));
    expect(err).toBeInstanceOf(ConnectApiError);
    expect((err as ConnectApiError).message).toMatch(/Failed to find any class that implements Connector/);
  });

  test('putConnectorConfig creates (201 → created) then replaces the whole config (200)', async () => {
    const created = await client.putConnectorConfig(NAME, mm2Config({ 'emit.checkpoints.enabled': 'true' }));
    expect(created.created).toBe(true);
    expect(created.info).toMatchObject({
      name: NAME,
      type: 'source',
      tasks: [
        { connector: NAME, task: 0 },
        { connector: NAME, task: 1 },
      ],
    });
    expect(created.info.config['name']).toBe(NAME);

    const updated = await client.putConnectorConfig(NAME, mm2Config({ 'tasks.max': '1' }));
    expect(updated.created).toBe(false);
    // PUT replaces: the key absent from the new config is gone (PATCH would have kept it).
    expect(fake.connector(NAME)?.config).not.toHaveProperty('emit.checkpoints.enabled');
    expect(updated.info.tasks).toHaveLength(1);
    // The name went URL-encoded on the wire.
    expect(fake.writes().map((r) => r.path)).toEqual([
      '/connectors/src-%3Etgt.MirrorSourceConnector/config',
      '/connectors/src-%3Etgt.MirrorSourceConnector/config',
    ]);
  });

  test('names with spaces, slashes and percent signs survive the round trip', async () => {
    const odd = 'a b/c%d';
    await client.putConnectorConfig(odd, mm2Config());
    expect(fake.connector(odd)?.config['name']).toBe(odd);
    await client.pauseConnector(odd);
    await client.deleteConnector(odd);
    expect(fake.connector(odd)).toBeUndefined();
    expect(fake.requests[0]?.path).toBe('/connectors/a%20b%2Fc%25d/config');
  });

  test('listConnectors() with expand=status&expand=info', async () => {
    fake.addConnector('a', mm2Config());
    fake.addConnector('b', mm2Config({ 'tasks.max': '1' }), 'PAUSED');
    fake.failTask('a', 1, 'org.apache.kafka.connect.errors.ConnectException: boom\n\tat X.y(X.java:1)');
    const listing = await client.listConnectors();
    expect([...listing.keys()].sort()).toEqual(['a', 'b']);
    expect(listing.get('a')?.status).toEqual({
      name: 'a',
      type: 'source',
      connector: { state: 'RUNNING', worker_id: fake.workerId },
      tasks: [
        { id: 0, state: 'RUNNING', worker_id: fake.workerId },
        { id: 1, state: 'FAILED', worker_id: fake.workerId, trace: expect.stringContaining('ConnectException: boom') },
      ],
    });
    expect(listing.get('b')?.status.connector.state).toBe('PAUSED');
    expect(listing.get('b')?.status.tasks.map((t) => t.state)).toEqual(['PAUSED']);
    expect(listing.get('b')?.info.config['connector.class']).toBe(MM2_SOURCE);
    const listed = fake.requests.find((r) => r.path === '/connectors' && r.query['expand']);
    expect(listed?.query['expand']).toEqual(['status', 'info']);
  });

  test('listConnectors() omits a connector whose status is not written yet (as Connect does)', async () => {
    fake.addConnector('fresh', mm2Config());
    fake.setStatusMissing('fresh', true);
    expect((await client.listConnectors()).has('fresh')).toBe(false);
  });

  test('a RUNNING connector with 0 tasks (no matching topics) is reported as such', async () => {
    fake.addConnector('empty', mm2Config());
    fake.setTaskCount('empty', 0);
    const status = (await client.listConnectors()).get('empty')?.status;
    expect(status?.connector.state).toBe('RUNNING');
    expect(status?.tasks).toEqual([]);
  });

  test('deleteConnector: 204 → deleted, 404 → already-gone', async () => {
    fake.addConnector('gone', mm2Config());
    expect(await client.deleteConnector('gone')).toEqual({ outcome: 'deleted' });
    expect(fake.connector('gone')).toBeUndefined();
    expect(await client.deleteConnector('gone')).toEqual({ outcome: 'already-gone' });
    expect(fake.requests.map((r) => r.status)).toEqual([204, 404]);
  });

  test('pause (202) and resume (202) change the target state', async () => {
    fake.addConnector('p', mm2Config());
    await client.pauseConnector('p');
    expect(fake.connectorStatus('p')?.connector.state).toBe('PAUSED');
    await client.resumeConnector('p');
    expect(fake.connectorStatus('p')?.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
    expect(fake.writes().map((r) => r.status)).toEqual([202, 202]);
    expect(await thrown(() => client.pauseConnector('missing'))).toMatchObject({ kind: 'not-found', status: 404 });
  });

  test('restartConnector: legacy 204, and 202 with RESTARTING for the failed instances only', async () => {
    fake.addConnector('r', mm2Config());
    fake.failConnector('r', 'java.lang.IllegalStateException: connector failed');
    expect(await client.restartConnector('r')).toEqual({ outcome: 'restarted' });
    expect(fake.requests[0]?.query).toEqual({});
    expect(fake.connectorStatus('r')?.connector.state).toBe('RUNNING');

    fake.failTask('r', 1, 'org.apache.kafka.common.errors.SaslAuthenticationException: auth failed');
    const result = await client.restartConnector('r', { includeTasks: true, onlyFailed: true });
    expect(result.outcome).toBe('scheduled');
    if (result.outcome !== 'scheduled') throw new Error('unreachable');
    expect(result.status.connector.state).toBe('RUNNING');
    expect(result.status.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RESTARTING']);
    const restartRequest = fake.requests.find((r) => r.path === '/connectors/r/restart' && r.status === 202);
    expect(restartRequest?.query).toEqual({ includeTasks: ['true'], onlyFailed: ['true'] });
    expect(fake.connectorStatus('r')?.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
  });

  test('connectorTopics: topics when tracking is on, a typed result on 403 when off', async () => {
    fake.addConnector('tp', mm2Config());
    fake.setTopics('tp', ['orders', 'payments']);
    expect(await client.connectorTopics('tp')).toEqual({ tracking: 'enabled', topics: ['orders', 'payments'] });
    fake.setTopicTracking(false);
    expect(await client.connectorTopics('tp')).toEqual({ tracking: 'disabled', message: 'Topic tracking is disabled.' });
    expect(fake.requests).toHaveLength(2);
  });

  test("400 invalid config → kind invalid-config with Connect's message, not retried", async () => {
    const err = await thrown(() => client.putConnectorConfig('bad', mm2Config({ 'tasks.max': 'lots' })));
    expect(err).toMatchObject({ kind: 'invalid-config', status: 400, retries: 0 });
    expect((err as Error).message).toContain('Invalid value lots for configuration tasks.max');
    expect((err as Error).message).toContain('fix the charm config or relation data');
    expect(fake.connector('bad')).toBeUndefined();
    expect(fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  test('a URL/body name mismatch is a 400', async () => {
    const err = await thrown(() => client.putConnectorConfig('x', mm2Config({ name: 'y' })));
    expect(err).toMatchObject({ kind: 'invalid-config', status: 400 });
    expect((err as Error).message).toContain("Connector name configuration (y) doesn't match connector name in the URL (x)");
  });

  test('every request carries basic auth and JSON headers; the debug log has no bodies', async () => {
    const { client: logged, logs } = makeClient([fake.url]);
    await logged.putConnectorConfig('h', mm2Config());
    logged.close();
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
    expect(logs).toEqual([
      { level: 'debug', line: expect.stringMatching(new RegExp(`^PUT /connectors/h/config → 201 in \\d+ ms via ${fake.url}$`)) },
    ]);
  });
});

describe('ConnectClient input checks', () => {
  test('an empty connector name is refused before any request', async () => {
    const fake = await startAuthedFake();
    const { client } = makeClient([fake.url]);
    expect(await thrown(() => client.deleteConnector(' '))).toMatchObject({ kind: 'invalid-config' });
    expect(fake.requests).toHaveLength(0);
    client.close();
    await fake.stop();
  });

  test('no endpoints or a non-http endpoint is a clear construction error', () => {
    expect(() => makeClient([])).toThrow('no Kafka Connect endpoints: the connect-client relation has not published any yet');
    expect(() => makeClient(['ftp://127.0.0.1:2121'])).toThrow('Kafka Connect endpoint ftp://127.0.0.1:2121 must use http or https');
    expect(() => makeClient(['not a url'])).toThrow('is not a URL');
  });
});
