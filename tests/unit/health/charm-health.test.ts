// The health check and the offsets carry-over through the charm (in-process, fake Connect and
// fake Kafka admin clients): status action figures, an auth failure seen by the charm's own
// client, the periodic check on update-status, and a re-created source connector started from
// the kept offsets (create STOPPED → PATCH offsets → resume).
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import { healthRuntime } from '../../../charm/events/health-check';
import { relation } from '../../../lib/testing';
import {
  authedFake,
  connectData,
  connectorName,
  deployed,
  events,
  fastClient,
  IDS,
  NAMES,
  REST_PASSWORD,
  REST_USER,
  SOURCE_PASSWORD,
  writesOf,
} from '../charm/world';
import { fakeAdminFactory, fakeCluster, type FakeCluster } from './fake-kafka';

jest.setTimeout(30_000);

let fake: FakeConnect;
let a: FakeCluster;
let b: FakeCluster;

beforeAll(fastClient);
beforeEach(async () => {
  fake = await authedFake();
  a = fakeCluster();
  b = fakeCluster();
  a.topics.set('orders', [120, 80]);
  a.groups.set('app', new Map([['orders:0', 60]]));
  b.topics.set('orders', [0, 0]);
  b.topics.set('kafka-a.replica.heartbeats', [5]);
  b.groups.set('app', new Map([['orders:0', 60]]));
  healthRuntime.adminFactory = fakeAdminFactory({ 'kafka-a': a, 'kafka-b': b });
});
afterEach(async () => {
  healthRuntime.periodic = false;
  await fake.stop();
});

function mirrorState(): void {
  b.newest.set('kafka-a.replica.heartbeats', Date.now() - 2_000);
  const src = fake.connector(NAMES.source)!;
  src.assignedPartitions = 'orders-0,orders-1,heartbeats-0';
  src.offsets = [
    { partition: { cluster: 'kafka-a', topic: 'orders', partition: 0 }, offset: { offset: 119 } },
    { partition: { cluster: 'kafka-a', topic: 'orders', partition: 1 }, offset: { offset: 69 } },
    { partition: { cluster: 'kafka-a', topic: 'heartbeats', partition: 0 }, offset: { offset: 3 } },
  ];
}

test('status action: per-partition source end, replicated offset and lag; translated group offsets; heartbeat age', async () => {
  const w = await deployed(fake);
  mirrorState();
  const r = await w.run(events.action('status'));
  const res = r.actionResults as Record<string, any>;
  expect(res['summary']).toMatch(/^active: mirroring kafka-a → kafka-b: lag 10 records, heartbeat [0-9] s ago$/);
  const rep = res['replication'];
  expect(rep['total-lag']).toBe('10');
  expect(rep['topics']['topic-0']).toEqual({
    name: 'orders',
    'target-name': 'orders',
    partitions: {
      'partition-0': { 'source-end-offset': '120', 'replicated-offset': '120', lag: '0' },
      'partition-1': { 'source-end-offset': '80', 'replicated-offset': '70', lag: '10' },
    },
  });
  expect(rep['consumer-groups']['group-0']).toMatchObject({
    name: 'app',
    offsets: { 'offset-0': { 'source-committed': '60', 'target-translated': '60' } },
  });
  expect(JSON.stringify(res)).not.toContain(SOURCE_PASSWORD);
  // the charm's clients got the relation's credentials
  expect(a.seen[0]).toMatchObject({ alias: 'kafka-a', username: 'relation-10', tlsEnabled: false });
});

test('periodic check on update-status: wrong source credentials → Blocked, then the verdict is kept for other hooks', async () => {
  const w = await deployed(fake);
  mirrorState();
  healthRuntime.periodic = true;
  a.fail = 'auth';
  const r = await w.run(events.updateStatus());
  expect(r.state.unitStatus.name).toBe('blocked');
  expect(r.state.unitStatus.message).toMatch(/kafka-a rejects the source relation's credentials/);
  expect(w.peerAppData()['health']).toContain('blocked');
  // a hook that does not measure shows the last verdict, not a connector-level Active
  const c = await w.run(events.configChanged());
  expect(c.state.unitStatus.name).toBe('blocked');
  a.fail = undefined;
  const ok = await w.run(events.updateStatus());
  expect(ok.state.unitStatus.name).toBe('active');
  expect(ok.state.unitStatus.message).toMatch(/^mirroring kafka-a → kafka-b: lag 10 records, heartbeat \d s ago$/);
});

test('tasks being reassigned hide no refused credentials: Blocked naming the relation, then Waiting once they are accepted', async () => {
  // A wrong password makes MirrorMaker's tasks restart over and over; between restarts Connect
  // shows them UNASSIGNED, which alone would read as a harmless rebalance.
  const w = await deployed(fake);
  mirrorState();
  healthRuntime.periodic = true;
  fake.setTaskState(NAMES.heartbeat, 0, 'UNASSIGNED');
  a.fail = 'auth';
  const r = await w.run(events.updateStatus());
  expect(r.state.unitStatus.name).toBe('blocked');
  expect(r.state.unitStatus.message).toMatch(/kafka-a rejects the source relation's credentials/);
  const action = await w.run(events.action('status'));
  expect((action.actionResults as Record<string, string>)['summary']).toMatch(/^blocked: replication stalled: kafka-a rejects/);
  a.fail = undefined;
  const ok = await w.run(events.updateStatus());
  expect(ok.state.unitStatus).toEqual({
    name: 'waiting',
    message: 'waiting for Kafka Connect to assign work: heartbeat task 0 UNASSIGNED',
  });
  // a rebalance with nothing wrong does not leave a verdict behind for later hooks
  fake.setTaskState(NAMES.heartbeat, 0, null);
  const later = await w.run(events.updateStatus());
  expect(later.state.unitStatus.name).toBe('active');
});

test('a hung cluster is cut at the budget: Waiting "not verified", never a hook error', async () => {
  const w = await deployed(fake);
  mirrorState();
  healthRuntime.periodic = true;
  b.hang = true;
  w.set({ config: { health_check_budget_seconds: 1 } });
  await w.run(events.configChanged());
  const t0 = Date.now();
  const r = await w.run(events.updateStatus());
  // the 1 s budget, plus the hook's own work
  expect(Date.now() - t0).toBeLessThan(8_000);
  expect(r.state.unitStatus.name).toBe('waiting');
  expect(r.state.unitStatus.message).toMatch(/^replication not verified: .*kafka-b did not answer within \d+ ms \(health budget\)/);
});

test('a re-created source connector starts from the kept offsets: POST STOPPED, PATCH offsets, resume', async () => {
  const w = await deployed(fake);
  mirrorState();
  await w.run(events.action('status')); // keeps the committed offsets in peer app data
  expect(w.peerAppData()['source-offsets']).toContain('"topic":"orders"');
  // Connect lost the connector (or a new relation id names a new one): no offsets under its name
  fake.state.connectors.delete(NAMES.source);
  const { requests } = await w.runCounting(events.updateStatus());
  const writes = writesOf(requests).map((r) => `${r.method} ${decodeURIComponent(r.path)}`);
  expect(writes).toEqual([`POST /connectors`, `PATCH /connectors/${NAMES.source}/offsets`, `PUT /connectors/${NAMES.source}/resume`]);
  const post = writesOf(requests)[0]!.body as { initial_state: string; name: string };
  expect(post).toMatchObject({ name: NAMES.source, initial_state: 'STOPPED' });
  const offsets = fake.connector(NAMES.source)!.offsets!;
  expect(offsets).toContainEqual({ partition: { cluster: 'kafka-a', topic: 'orders', partition: 1 }, offset: { offset: 69 } });
  expect(fake.connector(NAMES.source)!.targetState).toBe('RUNNING');
  void IDS;
});

test('a predecessor deleted by the Kafka Connect side: its successor starts where it last committed, not at the older kept offsets', async () => {
  const w = await deployed(fake);
  mirrorState();
  await w.run(events.action('status')); // the periodic snapshot: orders-1 at 69
  expect(w.peerAppData()['source-offsets']).toContain(`"connector":"${NAMES.source}"`);
  // more records crossed, then Charmed Kafka Connect's departed hook deleted the relation's
  // connectors before any hook of ours ran (Connect keeps their offsets)
  fake.connector(NAMES.source)!.offsets = [
    { partition: { cluster: 'kafka-a', topic: 'orders', partition: 0 }, offset: { offset: 119 } },
    { partition: { cluster: 'kafka-a', topic: 'orders', partition: 1 }, offset: { offset: 79 } },
  ];
  const auth = `Basic ${Buffer.from(`${REST_USER}:${REST_PASSWORD}`).toString('base64')}`;
  for (const name of Object.values(NAMES)) {
    const res = await fetch(`${fake.url}/connectors/${name}`, { method: 'DELETE', headers: { authorization: auth } });
    expect(res.status).toBe(204);
  }
  await w.run(events.relationBroken(w.relation(IDS.connect)));
  w.drop(IDS.connect);
  // the relation integrated again: a new relation id, so new connector names
  const NEW_ID = 13;
  const rel = relation({
    endpoint: 'connect-client',
    remoteApp: 'kafka-connect',
    id: NEW_ID,
    remoteEndpoint: 'connect-client',
    remoteUnitsData: { 'kafka-connect/0': {} },
    remoteAppData: connectData(fake),
  });
  w.put(rel);
  fake.clearRequests();
  const { requests } = await w.runCounting(events.relationChanged(rel, { remoteUnit: 'kafka-connect/0' }));
  const successor = connectorName('source', NEW_ID);
  const calls = requests.map((r) => `${r.method} ${decodeURIComponent(r.path)}`);
  const readOld = calls.indexOf(`GET /connectors/${NAMES.source}/offsets`);
  expect(calls.slice(readOld - 1, readOld + 2)).toEqual([
    'POST /connectors',
    `GET /connectors/${NAMES.source}/offsets`,
    `DELETE /connectors/${NAMES.source}`,
  ]);
  expect(writesOf(requests)[0]!.body).toMatchObject({ name: NAMES.source, initial_state: 'STOPPED' });
  expect(fake.connector(NAMES.source)).toBeUndefined();
  expect(fake.connector(successor)!.offsets).toContainEqual({
    partition: { cluster: 'kafka-a', topic: 'orders', partition: 1 },
    offset: { offset: 79 },
  });
  expect(fake.connector(successor)!.targetState).toBe('RUNNING');
  // the successor is now the connector a later re-creation reads from
  expect(w.peerAppData()['source-offsets']).toContain(`"connector":"${successor}"`);
});

test('deleting the source connector (last Kafka Connect unit gone) keeps its newest committed offsets first', async () => {
  const w = await deployed(fake);
  mirrorState();
  await w.run(events.action('status')); // the periodic snapshot: orders-1 at 69
  expect(w.peerAppData()['source-offsets']).toContain('"offset":69');
  // more records crossed after that snapshot
  fake.connector(NAMES.source)!.offsets = [
    { partition: { cluster: 'kafka-a', topic: 'orders', partition: 0 }, offset: { offset: 119 } },
    { partition: { cluster: 'kafka-a', topic: 'orders', partition: 1 }, offset: { offset: 79 } },
  ];
  const { requests } = await w.runCounting(events.relationDeparted(w.relation(IDS.connect), { remoteUnit: 'kafka-connect/0' }));
  const reads = requests.map((r) => `${r.method} ${decodeURIComponent(r.path)}`);
  const offsetsRead = reads.indexOf(`GET /connectors/${NAMES.source}/offsets`);
  const deleted = reads.indexOf(`DELETE /connectors/${NAMES.source}`);
  expect(deleted).toBeGreaterThan(-1);
  expect(offsetsRead).toBeGreaterThan(-1);
  expect(offsetsRead).toBeLessThan(deleted);
  expect(w.peerAppData()['source-offsets']).toContain('"offset":79');
});
