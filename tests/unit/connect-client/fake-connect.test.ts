// The fake Connect itself, probed with raw fetch where the client does not go (PATCH, POST
// variants, exact listing shapes, fault switches), so tests built on it rest on checked semantics.

import { startFakeConnect, REBALANCE_READ_MESSAGE, REBALANCE_WRITE_MESSAGE, type FakeConnect } from '../../../tools/testkit/fake-connect';
import { MM2_SOURCE, mm2Config } from './helpers';

interface Res {
  status: number;
  text: string;
  json: unknown;
  type: string | null;
}

describe('fake Kafka Connect', () => {
  let fake: FakeConnect;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, type: res.headers.get('content-type') };
  };

  beforeEach(async () => {
    fake = await startFakeConnect();
  });
  afterEach(async () => {
    await fake.stop();
  });

  test('POST /connectors: 201 + Location, 409 already exists, 400 for name mismatch and missing config', async () => {
    const created = await call('POST', '/connectors', { name: ' m ', config: mm2Config() });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'm', type: 'source', config: { name: 'm' } });
    expect((await call('POST', '/connectors', { name: 'm', config: mm2Config() })).json).toEqual({
      error_code: 409,
      message: 'Connector m already exists',
    });
    expect((await call('POST', '/connectors', { name: 'n', config: { ...mm2Config(), name: 'o' } })).status).toBe(400);
    expect((await call('POST', '/connectors', { name: 'n' })).status).toBe(400);
    expect((await call('POST', '/connectors', '{not json')).status).toBe(400);
  });

  test('PATCH merges, null deletes a key, and never creates (404)', async () => {
    fake.addConnector('p', mm2Config({ 'emit.heartbeats.enabled': 'true' }));
    const patched = await call('PATCH', '/connectors/p/config', { 'emit.heartbeats.enabled': null, 'tasks.max': 3 });
    expect(patched.status).toBe(200);
    expect(fake.connector('p')?.config).not.toHaveProperty('emit.heartbeats.enabled');
    expect(fake.connector('p')?.config['tasks.max']).toBe('3');
    expect(fake.connector('p')?.config['connector.class']).toBe(MM2_SOURCE);
    expect((await call('PATCH', '/connectors/q/config', { a: '1' })).json).toEqual({ error_code: 404, message: 'Connector q not found' });
  });

  test('unknown plugin class is a 400 like a worker without the plugin', async () => {
    const res = await call('PUT', '/connectors/x/config', { 'connector.class': 'com.example.Nope' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Failed to find any class that implements Connector and which name matches com.example.Nope');
  });

  test('expanded listing has exactly the requested expansions; unknown ones are ignored', async () => {
    fake.addConnector('a', mm2Config({ 'tasks.max': '1' }));
    const statusOnly = await call('GET', '/connectors?expand=status&expand=bogus');
    expect(statusOnly.json).toEqual({
      a: {
        status: {
          name: 'a',
          connector: { state: 'RUNNING', worker_id: fake.workerId },
          tasks: [{ id: 0, state: 'RUNNING', worker_id: fake.workerId }],
          type: 'source',
        },
      },
    });
    expect(await call('GET', '/connectors').then((r) => r.json)).toEqual(['a']);
  });

  test('404 shapes for status, task status and unknown routes; 405 for a wrong method', async () => {
    expect((await call('GET', '/connectors/zz/status')).json).toEqual({ error_code: 404, message: 'No status found for connector zz' });
    expect((await call('GET', '/connectors/zz/tasks/0/status')).json).toEqual({
      error_code: 404,
      message: 'No status found for task zz-0',
    });
    expect((await call('GET', '/nowhere')).status).toBe(404);
    expect((await call('DELETE', '/connectors')).status).toBe(405);
  });

  test('basic auth: 401 plain text, and the request is still recorded as unauthorized', async () => {
    const authed = await startFakeConnect({ auth: { username: 'u', password: 'p' } });
    try {
      const res = await fetch(`${authed.url}/connectors`);
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('User cannot access the resource.');
      expect(res.headers.get('content-type')).toBe('text/plain');
      const ok = await fetch(`${authed.url}/connectors`, { headers: { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
      expect(ok.status).toBe(200);
      expect(authed.requests.map((r) => r.authorized)).toEqual([false, true]);
    } finally {
      await authed.stop();
    }
  });

  test('rebalancing: writes 409, herder reads 500, status reads unaffected; counted mode ends by itself', async () => {
    fake.addConnector('r', mm2Config());
    fake.setRebalancing(true);
    expect((await call('PUT', '/connectors/r/pause')).json).toEqual({ error_code: 409, message: REBALANCE_WRITE_MESSAGE });
    expect((await call('GET', '/connectors')).json).toEqual({ error_code: 500, message: REBALANCE_READ_MESSAGE });
    expect((await call('GET', '/connectors/r/status')).status).toBe(200);
    expect((await call('GET', '/')).status).toBe(200);
    fake.setRebalancing({ requests: 1 });
    expect((await call('GET', '/connectors/r/config')).status).toBe(500);
    expect((await call('GET', '/connectors/r/config')).status).toBe(200);
  });

  test('held restarts stay RESTARTING until settled; pause leaves FAILED tasks FAILED', async () => {
    fake.addConnector('h', mm2Config());
    fake.failTask('h', 0, 'trace');
    await call('PUT', '/connectors/h/pause');
    expect(fake.connectorStatus('h')?.tasks.map((t) => t.state)).toEqual(['FAILED', 'PAUSED']);
    await call('PUT', '/connectors/h/resume');
    fake.holdRestarts(true);
    const restart = await call('POST', '/connectors/h/restart?includeTasks=true&onlyFailed=false');
    expect(restart.status).toBe(202);
    expect(fake.connectorStatus('h')?.connector.state).toBe('RESTARTING');
    expect(fake.connectorStatus('h')?.tasks.map((t) => t.state)).toEqual(['RESTARTING', 'RESTARTING']);
    fake.settleRestarts();
    expect(fake.connectorStatus('h')?.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
  });

  test('taskCount hook decides how many tasks a connector has', async () => {
    const hooked = await startFakeConnect({ taskCount: (name) => (name === 'none' ? 0 : 1) });
    try {
      hooked.addConnector('none', mm2Config({ 'tasks.max': '4' }));
      hooked.addConnector('one', mm2Config({ 'tasks.max': '4' }));
      expect(hooked.connectorStatus('none')?.tasks).toEqual([]);
      expect(hooked.connectorStatus('one')?.tasks).toHaveLength(1);
    } finally {
      await hooked.stop();
    }
  });

  test('requests are recorded with raw path, query and parsed body; writes() filters GETs', async () => {
    await call('PUT', '/connectors/a%2Bb/config', mm2Config());
    await call('GET', '/connectors?expand=info');
    expect(fake.requests).toEqual([
      { method: 'PUT', path: '/connectors/a%2Bb/config', query: {}, body: mm2Config(), status: 201, authorized: true },
      { method: 'GET', path: '/connectors', query: { expand: ['info'] }, body: undefined, status: 200, authorized: true },
    ]);
    expect(fake.connector('a+b')).toBeDefined();
    expect(fake.writes()).toHaveLength(1);
    fake.clearRequests();
    expect(fake.requests).toHaveLength(0);
  });

  test('latency delays answers', async () => {
    fake.setLatency(80);
    const started = Date.now();
    await call('GET', '/');
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });
});
