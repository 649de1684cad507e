// Relation removal, Connect outages and leadership changes.
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import {
  APP,
  authedFake,
  connectorName,
  deployed,
  events,
  expectNoSecrets,
  fastClient,
  IDS,
  NAMES,
  UUID_HEX,
  World,
  teardownWrites,
} from './world';

let fake: FakeConnect;
beforeAll(fastClient);
beforeEach(async () => {
  fake = await authedFake();
});
afterEach(async () => {
  await fake.stop();
});

const FOREIGN = ['someone-elses-sink', `mirror_source_other-app_r99_${UUID_HEX}`, connectorName('source', 99)];

function seedForeign(): void {
  for (const name of FOREIGN)
    fake.addConnector(name, { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', topics: 'x' });
}

describe('relation removal', () => {
  it.each([
    ['source', IDS.source, 'missing relations: source'],
    ['target', IDS.target, 'missing relations: target'],
  ])("%s relation-broken deletes this charm's connectors only and clears their peer state", async (_name, id, blocked) => {
    const w = await deployed(fake);
    seedForeign();
    // Some back-off history that refers to our connectors.
    fake.failTask(NAMES.source, 0, 'java.lang.RuntimeException: boom');
    await w.run(events.updateStatus());
    expect(w.peerAppData()['restart-backoff']).toContain(NAMES.source);

    const { result, requests } = await w.runCounting(events.relationBroken(w.relation(id)));
    expect(
      teardownWrites(requests)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([NAMES.checkpoint, NAMES.heartbeat, NAMES.source].map((n) => `DELETE /connectors/${n}`).sort());
    expect([...fake.state.connectors.keys()].sort()).toEqual([...FOREIGN].sort());
    expect(result.state.unitStatus).toEqual({ name: 'blocked', message: blocked });
    expect(w.peerAppData()['restart-backoff']).toBeUndefined();
    // Afterwards Juju forgets the relation; nothing more to do.
    w.drop(id);
    const after = await w.runCounting(events.updateStatus());
    expect(teardownWrites(after.requests)).toEqual([]);
    expectNoSecrets(w);
  });

  it("connect-client relation-broken deletes this charm's connectors through the broken relation's credentials", async () => {
    const w = await deployed(fake);
    seedForeign();
    const { result, requests } = await w.runCounting(events.relationBroken(w.relation(IDS.connect)));
    expect(teardownWrites(requests).map((r) => r.method)).toEqual(['DELETE', 'DELETE', 'DELETE']);
    expect(requests.every((r) => r.authorized)).toBe(true);
    expect([...fake.state.connectors.keys()].sort()).toEqual([...FOREIGN].sort());
    expect(result.state.unitStatus).toEqual({ name: 'blocked', message: 'missing relations: connect-client' });
    expectNoSecrets(w);
  });

  it.each([
    ['source', IDS.source],
    ['target', IDS.target],
    ['connect-client', IDS.connect],
  ])('%s relation-broken with Connect already gone: the hook succeeds with a clear warning', async (_name, id) => {
    const w = await deployed(fake);
    await fake.goDown();
    const r = await w.run(events.relationBroken(w.relation(id)));
    expect(r.exitCode).toBe(0);
    const warnings = r.jujuLog.filter((l) => l.level === 'WARNING').map((l) => l.message);
    expect(warnings.some((m) => /cannot delete this charm's connectors now .*unreachable.*; will retry on the next hook/.test(m))).toBe(
      true,
    );
    expect(r.state.unitStatus.name).toBe('blocked');
    expectNoSecrets(w);
  });

  it('a Kafka relation removed while Connect is down: the deletes happen on a later hook once Connect is back', async () => {
    const w = await deployed(fake);
    await fake.goDown();
    await w.run(events.relationBroken(w.relation(IDS.target)));
    w.drop(IDS.target);
    await fake.goUp();
    const { requests } = await w.runCounting(events.updateStatus());
    expect(teardownWrites(requests).filter((r) => r.method === 'DELETE')).toHaveLength(3);
    expect(fake.state.connectors.size).toBe(0);
  });
});

describe('Kafka Connect outage', () => {
  it('down → Waiting (no hook error), back → Active; nothing rewritten', async () => {
    const w = await deployed(fake);
    await fake.goDown();
    const down = await w.run(events.updateStatus());
    expect(down.exitCode).toBe(0);
    expect(down.state.unitStatus.name).toBe('waiting');
    expect(down.state.unitStatus.message).toMatch(/^Kafka Connect unreachable \(.*connection refused.*\); retrying on the next hook$/);
    await fake.goUp();
    const { result, requests } = await w.runCounting(events.updateStatus());
    expect(result.state.unitStatus).toEqual({ name: 'active', message: 'mirroring kafka-a → kafka-b: 3 connectors RUNNING, 3 tasks' });
    expect(teardownWrites(requests)).toEqual([]);
    expectNoSecrets(w);
  });

  it('a connector deleted by hand is re-created on the next hook', async () => {
    const w = await deployed(fake);
    fake.state.connectors.delete(NAMES.checkpoint);
    const { requests } = await w.runCounting(events.updateStatus());
    expect(teardownWrites(requests).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /connectors/${NAMES.checkpoint}/config`]);
  });
});

describe('leadership', () => {
  /** The same deployment seen from unit 1 (which went through the same relation events). */
  function unit1(w: World, leader: boolean): World {
    const relations = w.state.relations.map((r) => (r.kind === 'peer' ? { ...r, peersData: { [`${APP}/0`]: {} } } : r));
    return w.clone({ unitId: 1, leader, relations, storedState: {}, unitStatus: { name: 'unknown', message: '' } });
  }

  it("a non-leader makes no REST call at all and shows the leader's published status", async () => {
    const w = await deployed(fake);
    await w.run(events.updateStatus());
    const published = JSON.parse(w.peerAppData()['status']!) as { name: string; message: string };
    expect(published).toEqual(w.state.unitStatus);
    const other = unit1(w, false);
    const { result, requests } = await other.runCounting(events.updateStatus());
    expect(requests).toEqual([]);
    expect(result.state.unitStatus).toEqual(published);
    const cfg = await other.runCounting(events.configChanged());
    expect(cfg.requests).toEqual([]);
    expect(cfg.result.transcript.some((t) => t.tool === 'relation-set')).toBe(false);
    expectNoSecrets(other);
  });

  it('a new leader continues with the persisted back-off and pause intent', async () => {
    const { runtime } = await import('../../../charm/events/runtime');
    const t0 = Date.parse('2025-06-01T00:00:00Z');
    runtime.now = () => t0;
    try {
      const w = await deployed(fake);
      fake.failTask(NAMES.source, 0, 'java.lang.IllegalStateException: task died\n\tat Foo.bar(Foo.java:1)');
      const first = await w.runCounting(events.updateStatus());
      expect(teardownWrites(first.requests).map((r) => r.path)).toEqual([`/connectors/${NAMES.source}/restart`]);
      fake.failTask(NAMES.source, 0, 'java.lang.IllegalStateException: task died\n\tat Foo.bar(Foo.java:1)');
      await w.run(events.action('pause'));
      expect(w.peerAppData()['paused']).toBe('true');

      // Leadership moves to unit 1, which never ran a restart itself.
      const next = unit1(w, true);
      runtime.now = () => t0 + 60_000;
      const elected = await next.runCounting(events.leaderElected());
      // Paused: no restart, no resume; the back-off history is kept.
      expect(teardownWrites(elected.requests)).toEqual([]);
      expect(JSON.parse(next.peerAppData()['restart-backoff']!).connectors[NAMES.source].restarts).toBe(1);
      await next.run(events.action('resume'));
      runtime.now = () => t0 + 60_000;
      fake.failTask(NAMES.source, 0, 'java.lang.IllegalStateException: task died\n\tat Foo.bar(Foo.java:1)');
      const early = await next.runCounting(events.updateStatus());
      expect(teardownWrites(early.requests)).toEqual([]); // 2 min back-off after the first restart
      expect(early.result.state.unitStatus.message).toContain('auto-restarted 1x, next in 1 min');
      runtime.now = () => t0 + 3 * 60_000;
      const due = await next.runCounting(events.updateStatus());
      expect(teardownWrites(due.requests).map((r) => r.path)).toEqual([`/connectors/${NAMES.source}/restart`]);
      expect(JSON.parse(next.peerAppData()['restart-backoff']!).connectors[NAMES.source].restarts).toBe(2);
      expectNoSecrets(next);
    } finally {
      runtime.now = () => Date.now();
    }
  });
});
