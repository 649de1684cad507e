// Every client method against the fake Connect over real HTTP, with the status codes each maps.

import { ConnectApiError } from '../../../charm/managers/connect-errors';
import type { ConnectClient } from '../../../charm/managers/connect-client';
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

  test('root() returns version, commit and kafka_cluster_id', async () => {
    const info = await client.root();
    expect(info).toEqual({ version: '3.9.1', commit: expect.any(String), kafka_cluster_id: 'tgt-cluster-id' });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /']);
  });

  test('health(): 200 healthy, 503 starting and 500 unhealthy are data, not errors', async () => {
    expect(await client.health()).toMatchObject({ status: 'healthy', httpStatus: 200 });
    fake.setHealth('starting');
    expect(await client.health()).toMatchObject({ status: 'starting', httpStatus: 503 });
    fake.setHealth('unhealthy');
    expect(await client.health()).toMatchObject({ status: 'unhealthy', httpStatus: 500 });
  });

  test('validateConnectorConfig: Connect\'s per-key errors (ConfigInfos), nothing written', async () => {
    const ok = await client.validateConnectorConfig({ ...mm2Config(), name: NAME });
    expect((await client.validateConnectorConfig(mm2Config())).invalid).toEqual([{ key: 'name', errors: ['Missing required configuration "name" which has no default value.'] }]);
    expect(ok).toEqual({ plugin: MM2_SOURCE, errorCount: 0, invalid: [] });
    const bad = await client.validateConnectorConfig(
      { ...mm2Config({ 'key.converter': 'org.example.DoesNotExist', 'value.converter': 'java.lang.String', 'tasks.max': 'x' }), name: NAME },
    );
    expect(bad.errorCount).toBe(3);
    expect(bad.invalid).toHaveLength(3);
    expect(bad.invalid).toEqual(expect.arrayContaining([
      { key: 'key.converter', errors: ['Invalid value org.example.DoesNotExist for configuration key.converter: Class org.example.DoesNotExist could not be found.'] },
      { key: 'tasks.max', errors: ['Invalid value x for configuration tasks.max: Not a number of type INT'] },
      { key: 'value.converter', errors: ['Class class java.lang.String does not implement the Converter interface'] },
    ]));
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
    expect(created.info).toMatchObject({ name: NAME, type: 'source', tasks: [{ connector: NAME, task: 0 }, { connector: NAME, task: 1 }] });
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
    expect(fake.connector(odd)).toBeDefined();
    expect((await client.getConnectorConfig(odd))['name']).toBe(odd);
    expect(fake.requests[0]?.path).toBe('/connectors/a%20b%2Fc%25d/config');
  });

  test('getConnector / getConnectorConfig return typed data; 404 → kind not-found', async () => {
    fake.addConnector('c1', mm2Config());
    expect(await client.getConnectorConfig('c1')).toEqual({ ...mm2Config(), name: 'c1' });
    expect((await client.getConnector('c1')).tasks).toHaveLength(2);
    const err = await thrown(() => client.getConnectorConfig('nope'));
    expect(err).toBeInstanceOf(ConnectApiError);
    expect(err).toMatchObject({ kind: 'not-found', status: 404, endpoint: fake.url });
    expect((err as Error).message).toContain('Connector nope not found');
  });

  test('listConnectorNames() and listConnectors() with expand=status&expand=info', async () => {
    fake.addConnector('a', mm2Config());
    fake.addConnector('b', mm2Config({ 'tasks.max': '1' }), 'PAUSED');
    fake.failTask('a', 1, 'org.apache.kafka.connect.errors.ConnectException: boom\n\tat X.y(X.java:1)');
    expect((await client.listConnectorNames()).sort()).toEqual(['a', 'b']);

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
    expect(await thrown(() => client.connectorStatus('fresh'))).toMatchObject({ kind: 'not-found' });
  });

  test('a RUNNING connector with 0 tasks (no matching topics) is reported as such', async () => {
    fake.addConnector('empty', mm2Config());
    fake.setTaskCount('empty', 0);
    const status = await client.connectorStatus('empty');
    expect(status.connector.state).toBe('RUNNING');
    expect(status.tasks).toEqual([]);
  });

  test('createConnector: 201, then 409 "already exists" is a conflict and is not retried', async () => {
    const info = await client.createConnector('c2', mm2Config(), 'PAUSED');
    expect(info.name).toBe('c2');
    expect(fake.connector('c2')?.targetState).toBe('PAUSED');
    const err = await thrown(() => client.createConnector('c2', mm2Config()));
    expect(err).toMatchObject({ kind: 'conflict', status: 409, retries: 0 });
    expect((err as Error).message).toContain('Connector c2 already exists');
    expect(client.requestCounts().POST).toBe(2);
  });

  test('deleteConnector: 204 → deleted, 404 → already-gone', async () => {
    fake.addConnector('gone', mm2Config());
    expect(await client.deleteConnector('gone')).toEqual({ outcome: 'deleted' });
    expect(fake.connector('gone')).toBeUndefined();
    expect(await client.deleteConnector('gone')).toEqual({ outcome: 'already-gone' });
    expect(fake.requests.map((r) => r.status)).toEqual([204, 404]);
  });

  test('pause (202), resume (202) and stop (204) change the target state', async () => {
    fake.addConnector('p', mm2Config());
    await client.pauseConnector('p');
    expect((await client.connectorStatus('p')).connector.state).toBe('PAUSED');
    await client.stopConnector('p');
    const stopped = await client.connectorStatus('p');
    expect(stopped.connector.state).toBe('STOPPED');
    expect(stopped.tasks).toEqual([]);
    await client.resumeConnector('p');
    expect((await client.connectorStatus('p')).tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
    expect(fake.writes().map((r) => r.status)).toEqual([202, 204, 202]);
    expect(await thrown(() => client.pauseConnector('missing'))).toMatchObject({ kind: 'not-found', status: 404 });
  });

  test('restartConnector: legacy 204, and 202 with RESTARTING for the failed instances only', async () => {
    fake.addConnector('r', mm2Config());
    fake.failConnector('r', 'java.lang.IllegalStateException: connector failed');
    expect(await client.restartConnector('r')).toEqual({ outcome: 'restarted' });
    expect(fake.requests[0]?.query).toEqual({});
    expect((await client.connectorStatus('r')).connector.state).toBe('RUNNING');

    fake.failTask('r', 1, 'org.apache.kafka.common.errors.SaslAuthenticationException: auth failed');
    const result = await client.restartConnector('r', { includeTasks: true, onlyFailed: true });
    expect(result.outcome).toBe('scheduled');
    if (result.outcome !== 'scheduled') throw new Error('unreachable');
    expect(result.status.connector.state).toBe('RUNNING');
    expect(result.status.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RESTARTING']);
    const restartRequest = fake.requests.find((r) => r.path === '/connectors/r/restart' && r.status === 202);
    expect(restartRequest?.query).toEqual({ includeTasks: ['true'], onlyFailed: ['true'] });
    expect((await client.connectorStatus('r')).tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
  });

  test('restartTask: 204; an unknown task is not-found', async () => {
    fake.addConnector('t', mm2Config());
    fake.failTask('t', 0, 'boom');
    await client.restartTask('t', 0);
    expect((await client.connectorStatus('t')).tasks[0]?.state).toBe('RUNNING');
    const err = await thrown(() => client.restartTask('t', 7));
    expect(err).toMatchObject({ kind: 'not-found', status: 404 });
    expect((err as Error).message).toContain('Unknown task: t-7');
  });

  test('connectorTopics: topics when tracking is on, a typed result on 403 when off', async () => {
    fake.addConnector('tp', mm2Config());
    fake.setTopics('tp', ['orders', 'payments']);
    expect(await client.connectorTopics('tp')).toEqual({ tracking: 'enabled', topics: ['orders', 'payments'] });
    fake.setTopicTracking(false);
    expect(await client.connectorTopics('tp')).toEqual({ tracking: 'disabled', message: 'Topic tracking is disabled.' });
    expect(client.stats().retries).toBe(0);
  });

  test('connectorStatus and connectorTasks', async () => {
    fake.addConnector('s', mm2Config());
    fake.setTaskState('s', 0, 'UNASSIGNED');
    const status = await client.connectorStatus('s');
    expect(status.tasks.map((t) => t.state)).toEqual(['UNASSIGNED', 'RUNNING']);
    const tasks = await client.connectorTasks('s');
    expect(tasks.map((t) => t.id)).toEqual([{ connector: 's', task: 0 }, { connector: 's', task: 1 }]);
    expect(tasks[0]?.config['task.class']).toBe(MM2_SOURCE);
    expect(await thrown(() => client.connectorStatus('zzz'))).toMatchObject({ kind: 'not-found', status: 404 });
  });

  test('400 invalid config → kind invalid-config with Connect\'s message, not retried', async () => {
    const err = await thrown(() => client.putConnectorConfig('bad', mm2Config({ 'tasks.max': 'lots' })));
    expect(err).toMatchObject({ kind: 'invalid-config', status: 400, retries: 0 });
    expect((err as Error).message).toContain('Invalid value lots for configuration tasks.max');
    expect((err as Error).message).toContain('fix the charm config or relation data');
    expect(fake.connector('bad')).toBeUndefined();
    expect(client.requestCounts().PUT).toBe(1);
  });

  test('a URL/body name mismatch is a 400', async () => {
    const err = await thrown(() => client.putConnectorConfig('x', mm2Config({ name: 'y' })));
    expect(err).toMatchObject({ kind: 'invalid-config', status: 400 });
    expect((err as Error).message).toContain("Connector name configuration (y) doesn't match connector name in the URL (x)");
  });

  test('request counts by method match what the server received', async () => {
    fake.addConnector('k', mm2Config());
    await client.root();
    await client.listConnectors();
    await client.putConnectorConfig('k', mm2Config());
    await client.pauseConnector('k');
    await client.restartTask('k', 0);
    await client.deleteConnector('k');
    const received: Record<string, number> = {};
    for (const r of fake.requests) received[r.method] = (received[r.method] ?? 0) + 1;
    expect(client.requestCounts()).toEqual({ GET: 2, POST: 1, PUT: 2, PATCH: 0, DELETE: 1 });
    expect(received).toEqual({ GET: 2, POST: 1, PUT: 2, DELETE: 1 });
    expect(client.stats()).toMatchObject({ total: 6, retries: 0, failovers: 0 });
  });

  test('every request carries basic auth and JSON headers; the debug log has no bodies', async () => {
    const { client: logged, logs } = makeClient([fake.url]);
    await logged.putConnectorConfig('h', mm2Config());
    logged.close();
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
    expect(logs).toEqual([{ level: 'debug', line: expect.stringMatching(new RegExp(`^PUT /connectors/h/config → 201 in \\d+ ms via ${fake.url}$`)) }]);
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
