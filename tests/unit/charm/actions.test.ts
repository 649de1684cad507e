// FAILED connectors, the actions, and secrets in everything the charm shows.
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import { runtime } from '../../../charm/events/runtime';
import {
  APP,
  authedFake,
  deployed,
  events,
  expectNoSecrets,
  fastClient,
  NAMES,
  REST_PASSWORD,
  SOURCE_PASSWORD,
  TARGET_PASSWORD,
  World,
  writesOf,
} from './world';

let fake: FakeConnect;
beforeAll(fastClient);
beforeEach(async () => {
  fake = await authedFake();
});
afterEach(async () => {
  runtime.now = () => Date.now();
  await fake.stop();
});

// A trace that echoes the JAAS config, as Kafka's clients do in some errors.
const TRACE =
  'org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed for ' +
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="relation-10" password="${SOURCE_PASSWORD}";\n` +
  '\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:600)';

describe('FAILED tasks', () => {
  it('Blocked with the redacted first trace line and the restart hint; automatic restarts follow the back-off across hooks', async () => {
    const t0 = Date.parse('2025-06-01T00:00:00Z');
    runtime.now = () => t0;
    const w = await deployed(fake);
    fake.holdRestarts(true); // restarted tasks stay RESTARTING until settled
    fake.failTask(NAMES.source, 0, TRACE);

    const first = await w.runCounting(events.updateStatus());
    expect(writesOf(first.requests).map((r) => `${r.method} ${r.path}`)).toEqual([`POST /connectors/${NAMES.source}/restart`]);
    expect(writesOf(first.requests)[0].query).toEqual({ includeTasks: ['true'], onlyFailed: ['true'] });
    expect(first.result.state.unitStatus.name).toBe('waiting'); // RESTARTING is transient

    // It fails again one minute later: not due yet (2 min after the first restart).
    fake.settleRestarts();
    fake.failTask(NAMES.source, 0, TRACE);
    runtime.now = () => t0 + 60_000;
    const blocked = await w.runCounting(events.updateStatus());
    expect(writesOf(blocked.requests)).toEqual([]);
    const msg = blocked.result.state.unitStatus;
    expect(msg.name).toBe('blocked');
    expect(msg.message).toMatch(
      /^source task 0 FAILED: org\.apache\.kafka\.common\.errors\.SaslAuthenticationException: Authentication failed for <redacted>/,
    );
    expect(msg.message).toContain('auto-restarted 1x, next in 1 min; run the restart action');
    expect(msg.message).not.toContain('NetworkClient.poll');

    runtime.now = () => t0 + 2 * 60_000;
    const due = await w.runCounting(events.updateStatus());
    expect(writesOf(due.requests)).toHaveLength(1);
    expect(JSON.parse(w.peerAppData()['restart-backoff']!).connectors[NAMES.source]).toEqual({
      restarts: 2,
      lastRestartAt: t0 + 2 * 60_000,
    });
    expectNoSecrets(w);
  });

  it('RUNNING with 0 tasks because nothing matches is Active and says so', async () => {
    const w = await deployed(fake);
    fake.setTaskCount(NAMES.source, 0);
    const r = await w.run(events.updateStatus());
    expect(r.state.unitStatus).toEqual({
      name: 'active',
      message: 'mirroring kafka-a → kafka-b: 3 connectors RUNNING, 2 tasks; no source topics match the topic filters yet',
    });
  });
});

describe('pause and resume', () => {
  it('pause holds across hooks and config changes until resume', async () => {
    const w = await deployed(fake);
    const paused = await w.runCounting(events.action('pause'));
    expect(paused.result.actionFailure).toBeUndefined();
    expect(paused.result.actionResults).toMatchObject({ paused: 'true' });
    expect(
      writesOf(paused.requests)
        .map((r) => r.path)
        .sort(),
    ).toEqual([NAMES.checkpoint, NAMES.heartbeat, NAMES.source].map((n) => `/connectors/${n}/pause`).sort());
    expect(w.peerAppData()['paused']).toBe('true');
    expect(w.state.unitStatus.message).toMatch(/^paused by operator \(run the resume action\)/);

    const idle = await w.runCounting(events.updateStatus());
    expect(writesOf(idle.requests)).toEqual([]);
    expect([...fake.state.connectors.values()].map((c) => c.targetState)).toEqual(['PAUSED', 'PAUSED', 'PAUSED']);

    // Someone resumes one by hand: reconcile pauses it again.
    fake.connector(NAMES.checkpoint)!.targetState = 'RUNNING';
    const again = await w.runCounting(events.updateStatus());
    expect(writesOf(again.requests).map((r) => r.path)).toEqual([`/connectors/${NAMES.checkpoint}/pause`]);

    // A config change rewrites configs but does not resume.
    w.set({ config: { tasks_max: 2 } });
    const cfg = await w.runCounting(events.configChanged());
    expect(writesOf(cfg.requests).every((r) => !r.path.endsWith('/resume'))).toBe(true);
    expect(fake.connector(NAMES.source)!.targetState).toBe('PAUSED');

    const resumed = await w.runCounting(events.action('resume'));
    expect(resumed.result.actionResults).toMatchObject({ paused: 'false' });
    expect(writesOf(resumed.requests).filter((r) => r.path.endsWith('/resume'))).toHaveLength(3);
    expect(w.peerAppData()['paused']).toBeUndefined();
    expect(w.state.unitStatus.name).toBe('active');
    expect(w.state.unitStatus.message).toMatch(/^mirroring kafka-a → kafka-b/);
    expectNoSecrets(w);
  });
});

describe('status and restart actions', () => {
  it('status returns a Juju-valid map with states, tasks and mirrored topics, and no secrets', async () => {
    const w = await deployed(fake);
    fake.setTopics(NAMES.source, ['orders', 'payments']);
    const { result, requests } = await w.runCounting(events.action('status'));
    expect(result.actionFailure).toBeUndefined();
    expect(requests.map((r) => `${r.method} ${r.path}`)).toContain(`GET /connectors/${NAMES.source}/topics`);
    expect(writesOf(requests)).toEqual([]);
    const res = result.actionResults as Record<string, any>;
    // the status action measures replication health: the (empty) fake clusters have no heartbeat yet
    expect(res['summary']).toBe('waiting: waiting for MirrorMaker to assign source partitions to its tasks (reconfiguring)');
    expect(res['replication']).toMatchObject({
      'total-lag': '0',
      heartbeat: { enabled: 'true', topic: 'kafka-a.replica.heartbeats', age: 'none received yet' },
    });
    expect(res['paused']).toBe('false');
    expect(res['flow']).toMatchObject({ source: 'kafka-a', target: 'kafka-b', topics: '.*' });
    expect(res['connectors']['source']).toMatchObject({ name: NAMES.source, state: 'RUNNING', 'task-count': '1' });
    expect(res['connectors']['source']['tasks']['task-0']).toMatchObject({ id: '0', state: 'RUNNING' });
    expect(res['mirrored-topics']).toEqual({ count: '2', names: 'orders,payments' });
    const keyOk = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
    const walk = (o: Record<string, unknown>): void => {
      for (const [k, v] of Object.entries(o)) {
        expect(k).toMatch(keyOk);
        if (v && typeof v === 'object') walk(v as Record<string, unknown>);
        else expect(typeof v).toBe('string');
      }
    };
    walk(res);
    expectNoSecrets(w);
  });

  it('status with a FAILED task carries the redacted first trace line only', async () => {
    const w = await deployed(fake);
    fake.failTask(NAMES.checkpoint, 0, TRACE);
    fake.holdRestarts(true);
    const r = await w.run(events.action('status'));
    const task = (r.actionResults as Record<string, any>)['connectors']['checkpoint']['tasks']['task-0'];
    expect(task.state).toBe('FAILED');
    expect(task.trace).toMatch(/^org\.apache\.kafka\.common\.errors\.SaslAuthenticationException: Authentication failed for <redacted>/);
    expectNoSecrets(w);
  });

  it('restart restarts only failed parts by default, everything with all=true, and reports what', async () => {
    const w = await deployed(fake);
    fake.holdRestarts(true);
    fake.failConnector(NAMES.checkpoint, 'java.lang.RuntimeException: no');
    const only = await w.runCounting(events.action('restart'));
    expect(only.result.actionResults).toMatchObject({ restarted: NAMES.checkpoint, count: '1' });
    const posts = writesOf(only.requests).filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.path, r.query['onlyFailed']])).toEqual([[`/connectors/${NAMES.checkpoint}/restart`, ['true']]]);

    fake.settleRestarts();
    const none = await w.run(events.action('restart'));
    expect(none.actionResults).toMatchObject({ restarted: 'none', count: '0' });

    const all = await w.runCounting(events.action('restart', { all: true }));
    expect(all.result.actionResults).toMatchObject({ count: '3' });
    expect(writesOf(all.requests).map((r) => r.query['onlyFailed']?.[0])).toEqual(['false', 'false', 'false']);
    expectNoSecrets(w);
  });

  it('actions fail on a non-leader with the command to run instead, and touch nothing', async () => {
    const w = await deployed(fake);
    const other: World = w.clone({ unitId: 1, leader: false, storedState: {} });
    const peer = other.state.relations.map((r) => (r.kind === 'peer' ? { ...r, peersData: { [`${APP}/0`]: {} } } : r));
    other.set({ relations: peer });
    for (const name of ['pause', 'resume', 'status', 'restart']) {
      const { result, requests } = await other.runCounting(events.action(name));
      expect(result.actionFailure).toBe(
        `${APP}/1 is not the leader; only the leader talks to Kafka Connect. Run: juju run ${APP}/leader ${name}`,
      );
      expect(requests).toEqual([]);
      expect(result.transcript.some((t) => t.tool === 'relation-set')).toBe(false);
    }
  });

  it('actions with Connect unreachable fail with a redacted, actionable message', async () => {
    const w = await deployed(fake);
    await fake.goDown();
    const r = await w.run(events.action('pause'));
    expect(r.actionFailure).toMatch(/^cannot read Kafka Connect: .*unreachable/);
    // The intent is kept: reconcile pauses once Connect is back.
    expect(w.peerAppData()['paused']).toBe('true');
    await fake.goUp();
    await w.run(events.updateStatus());
    expect(fake.connector(NAMES.source)!.targetState).toBe('PAUSED');
    expectNoSecrets(w);
  });
});

describe('secrets', () => {
  it('the real passwords are absent from a run through every path, including Connect errors that echo configs', async () => {
    const w = await deployed(fake);
    // Connect rejects the config and echoes it (with JAAS and passwords) in the 400.
    fake.setValidator((_n, c) => [
      `Invalid value ${c['source.cluster.sasl.jaas.config']} for configuration source.cluster.sasl.jaas.config: rejected`,
    ]);
    w.set({ config: { tasks_max: 3 } });
    const r = await w.run(events.configChanged());
    expect(r.state.unitStatus.name).toBe('blocked');
    // Connect's validation refuses it before any write; its echo of the JAAS string is redacted.
    expect(r.state.unitStatus.message).toMatch(
      /^Kafka Connect refuses source.cluster.sasl.jaas.config of the source connector config \(.*rejected\); no connector was changed/,
    );
    fake.setValidator(null);
    await w.run(events.action('status'));
    fake.failTask(NAMES.source, 0, TRACE);
    await w.run(events.updateStatus());
    await w.run(events.action('restart', { all: true }));
    const texts = w.allTexts().join('\n');
    for (const s of [SOURCE_PASSWORD, TARGET_PASSWORD, REST_PASSWORD]) expect(texts).not.toContain(s);
    // …but the connectors on Connect really carry them (so the check above is meaningful).
    expect(fake.connector(NAMES.source)!.config['source.cluster.sasl.jaas.config']).toContain(SOURCE_PASSWORD);
    expectNoSecrets(w);
  });
});
