// The packed MirrorMaker integrator under the local model (lib/localmodel), against the real stack:
// kafka-a (source) and kafka-b (target) with SASL/SCRAM-SHA-512, one Kafka Connect worker with REST
// basic auth. Real records are produced with @platformatic/kafka and counted on the target.
// The scenarios share one deployment; each starts from `world.ready()` (deploy-time config, all
// relations, Active) and uses its own topics, so any of them runs alone or in any order.
import {
  consumeAndCommit,
  countMessages,
  createTopic,
  produceMessages,
  retainedRecords,
  waitForMessageCount,
  type KafkaEndpoint,
} from '../../tools/stack/kafka-traffic';
import type { ActionOutcome } from '../../lib/localmodel/driver';
import { producedValues, topicValues } from '../../tools/stack/kafka-values';
import { killConnect, restartConnect, type StackInfo } from '../../tools/stack/real-stack';
import { FAST_INTERVALS, MirrorWorld, SOURCE_APP, pollUntil, sleep, stackProfile } from '../../tools/stack/mirror-world';
import { describeWithStack } from './e2e-state';
import { realStackEnv } from './real-stack-env';

jest.setTimeout(180_000);

const RUN = Date.now().toString(36);

/** An action outcome that completed; otherwise fail with what the charm said. */
function expectCompleted(outcome: ActionOutcome): void {
  if (outcome.status !== 'completed') {
    throw new Error(
      `action ${outcome.action} ${outcome.status}: ${outcome.message ?? ''}\nlogs: ${outcome.logs.join('\n')}\nstderr: ${outcome.stderr.slice(-2000)}`,
    );
  }
}
const topicName = (what: string) => `e2e-${what}-${RUN}`;

describeWithStack()('MirrorMaker integrator on the real stack', () => {
  let stack: StackInfo;
  let world: MirrorWorld;
  let src: KafkaEndpoint;
  let tgt: KafkaEndpoint;

  beforeAll(async () => {
    const env = await realStackEnv();
    ({ stack, src, tgt } = env);
    world = await MirrorWorld.create({
      charmFile: env.charmFile,
      stack,
      // only this run's e2e topics, so other traffic on the clusters is never mirrored
      config: { ...FAST_INTERVALS, topics: `e2e-.*-${RUN}` },
    });
    await createTopic(src, identity, { partitions: 2 });
  }, 300_000);

  beforeEach(async () => {
    await world.ready();
  }, 180_000);

  afterAll(async () => {
    await world?.close();
  });

  const identity = topicName('identity');
  /** Records retained in `topic`, 0 while the topic does not exist yet. */
  function retainedOrZero(ep: KafkaEndpoint, topic: string): Promise<number> {
    return retainedRecords(ep, topic).catch((e: Error) => (/not found/.test(e.message) ? 0 : Promise.reject(e)));
  }
  /** The target topic's record count stays at `expected` for `ms` (polled, not one sleep). */
  async function staysAt(ep: KafkaEndpoint, topic: string, expected: number, ms: number): Promise<void> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const n = await retainedOrZero(ep, topic);
      expect(n).toBe(expected);
      await sleep(500);
    }
  }
  async function absentFromTarget(topic: string): Promise<void> {
    await expect(countMessages(tgt, topic)).rejects.toThrow(/not found/);
  }

  test('integrated (source, target, connect-client) → Active; N records cross under the same name', async () => {
    const active = world.status();
    // connector-level until the first health check, then lag and heartbeat age
    expect(active.message).toMatch(/^mirroring kafka-a → kafka-b: (3 connectors RUNNING|lag \d+ records?, heartbeat \d+ s ago)/);
    expect(world.lm.history.filter((h) => !h.ok)).toEqual([]);
    const ours = await world.ourConnectors();
    expect(ours).toHaveLength(3);

    const N = 500;
    // other scenarios write into the identity topic too: count from what is there now
    const before = await retainedOrZero(tgt, identity);
    expect(await produceMessages(src, identity, N, { prefix: 'id' })).toBe(N);
    const seen = await waitForMessageCount(tgt, identity, before + N, { timeoutMs: 60_000 });
    expect(seen.count).toBe(before + N);
    expect((await topicValues(tgt, identity, producedValues('id', N))).missingCount).toBe(0);
    // nothing more trickles in
    await sleep(2_000);
    expect(await retainedRecords(tgt, identity)).toBe(before + N);
  });

  test('topics / topics_exclude: a new non-matching topic is not mirrored, a matching one is', async () => {
    const keep = topicName('keep1');
    const other = topicName('other');
    const keepOut = topicName('keepout');
    await world.config({ topics: `${identity},e2e-keep.*-${RUN}`, topics_exclude: `e2e-keepout-.*` });
    await world.waitForActive();
    const [srcCfg] = await Promise.all([world.connectorConfig((await world.ourConnectors()).find((n) => n.startsWith('mirror_source_'))!)]);
    expect(srcCfg!['topics']).toBe(`${identity},e2e-keep.*-${RUN}`);
    expect(srcCfg!['topics.exclude']).toContain('e2e-keepout-.*');
    for (const t of [keep, other, keepOut]) {
      await createTopic(src, t);
      expect(await produceMessages(src, t, 50, { prefix: t })).toBe(50);
    }
    expect((await waitForMessageCount(tgt, keep, 50, { timeoutMs: 60_000 })).count).toBe(50);
    // the same topic refresh that found `keep` saw the other two; give it two more refresh rounds
    await sleep(2 * 2_000 + 1_000);
    await absentFromTarget(other);
    await absentFromTarget(keepOut);
    // back to every e2e topic of this run (the excluded one stays excluded)
    await world.config({ topics: `e2e-.*-${RUN}` });
    await world.waitForActive();
    expect((await waitForMessageCount(tgt, other, 50, { timeoutMs: 60_000 })).count).toBe(50);
    await absentFromTarget(keepOut);
  });

  test('consumer-group offsets: a group that consumed k of N on the source resumes on the target at k', async () => {
    const topic = topicName('group');
    const group = `e2e-app-${RUN}`;
    const k = 40;
    const N = 100;
    await createTopic(src, topic);
    await produceMessages(src, topic, k, { prefix: 'g' });
    await waitForMessageCount(tgt, topic, k, { timeoutMs: 60_000 });
    const consumed = await consumeAndCommit(src, topic, group, k);
    expect(consumed.consumed).toBe(k);
    expect(consumed.committed).toEqual([{ partition: 0, offset: k }]);
    // the rest is produced after the group stopped: it has to read those (and only those) on the target
    expect(await produceMessages(src, topic, N - k, { prefix: 'g-rest' })).toBe(N - k);
    expect((await waitForMessageCount(tgt, topic, N, { timeoutMs: 60_000 })).count).toBe(N);
    // checkpoint + group-offset sync (emit 1 s, sync 1 s, groups refresh 2 s): poll the group's
    // committed offset on the target without joining it (MM2 only writes to EMPTY groups)
    const translated = await pollUntil(
      async () => {
        const c = await consumeAndCommit(tgt, topic, group, 0);
        const off = c.committed[0]?.offset ?? -1;
        return off >= 0 ? off : undefined;
      },
      `group ${group} offsets on the target`,
      90_000,
      1_000,
    );
    // MM2 ≥ 3.5 translates to the closest offset sync at or before the group's position; with a
    // sync for the last record before the group's position (emitted on every offset flush since 3.7)
    // that is exactly k: no record the group had already read is read again.
    expect(translated).toBe(k);
    const resumed = await consumeAndCommit(tgt, topic, group, N - k);
    expect(resumed.consumed).toBe(N - k);
    // the first record read is the first one the group had not consumed on the source
    expect(resumed.firstValues[0]).toBe('g-rest-0');
    expect(resumed.committed).toEqual([{ partition: 0, offset: N }]);
  });

  test('pause → nothing arrives; resume → all of it arrives; status lists RUNNING connectors/tasks and the topics', async () => {
    const topic = topicName('pause');
    await createTopic(src, topic);
    await produceMessages(src, topic, 20, { prefix: 'before' });
    await waitForMessageCount(tgt, topic, 20, { timeoutMs: 60_000 });

    const paused = await world.action('pause');
    expectCompleted(paused);
    await world.waitForStatus((s) => s.status === 'active' && /paused by operator/.test(s.message), 'paused');
    const ours = await world.ourConnectors();
    await pollUntil(
      async () => {
        const st = await world.connectorStates();
        return ours.every((n) => st[n]?.state === 'PAUSED' && st[n]!.tasks.every((t) => t === 'PAUSED')) ? true : undefined;
      },
      'every connector and task PAUSED',
      30_000,
    );

    await produceMessages(src, topic, 100, { prefix: 'during' });
    await staysAt(tgt, topic, 20, 6_000);
    // a hook while paused must not undo the pause
    await world.lm.updateStatus();
    await staysAt(tgt, topic, 20, 2_000);

    const resumed = await world.action('resume');
    expectCompleted(resumed);
    await world.waitForActive();
    expect((await waitForMessageCount(tgt, topic, 120, { timeoutMs: 60_000 })).count).toBe(120);

    const status = await world.action('status');
    expectCompleted(status);
    const text = JSON.stringify(status.results);
    for (const secret of [stack.kafkaA.mm2.password, stack.kafkaB.mm2.password, stack.connect.password]) expect(text).not.toContain(secret);
    const states = await world.connectorStates();
    for (const n of ours) {
      expect(states[n]!.state).toBe('RUNNING');
      expect(states[n]!.tasks.every((t) => t === 'RUNNING')).toBe(true);
    }
    statusReport = status.results;
    // every connector of the charm is in the result, RUNNING, with each of its tasks RUNNING
    const connectors = status.results['connectors'] as Record<
      string,
      { name: string; state: string; 'task-count': string; tasks?: Record<string, { state: string }> }
    >;
    expect(Object.keys(connectors).sort()).toEqual(['checkpoint', 'heartbeat', 'source']);
    expect(
      Object.values(connectors)
        .map((c) => c.name)
        .sort(),
    ).toEqual([...ours].sort());
    for (const c of Object.values(connectors)) {
      expect(c.state).toBe('RUNNING');
      const tasks = Object.values(c.tasks ?? {});
      expect(tasks).toHaveLength(Number(c['task-count']));
      for (const t of tasks) expect(t.state).toBe('RUNNING');
    }
    expect(Number(connectors['source']!['task-count'])).toBeGreaterThan(0);
    const mirrored = JSON.stringify(status.results['mirrored-topics']);
    expect(mirrored).toContain(topic);
  });

  let statusReport: Record<string, unknown> | undefined;

  test('an invalid config → Blocked, connectors untouched, mirroring continues; fixed → Active', async () => {
    const ours = await world.ourConnectors();
    const before = await Promise.all(ours.map((n) => world.connectorConfig(n)));
    const countBefore = await retainedRecords(tgt, identity);

    await world.config({ topics: `e2e-(unclosed-${RUN}` });
    const blocked = world.status();
    expect(blocked.status).toBe('blocked');
    expect(blocked.message).toMatch(/topics/);
    expect(await Promise.all(ours.map((n) => world.connectorConfig(n)))).toEqual(before);

    await produceMessages(src, identity, 30, { prefix: 'while-blocked' });
    expect((await waitForMessageCount(tgt, identity, countBefore + 30, { timeoutMs: 60_000 })).count).toBe(countBefore + 30);
    await world.lm.updateStatus();
    expect(world.status().status).toBe('blocked');

    await world.config({ topics: `e2e-.*-${RUN}` });
    await world.waitForActive();
    expect(await Promise.all(ours.map((n) => world.connectorConfig(n)))).toEqual(before);
  });

  test('Connect worker killed mid-stream → unit reports it; restarted → Active, and nothing is lost', async () => {
    const topic = topicName('kill');
    await createTopic(src, topic, { partitions: 2 });
    const batches = 8;
    const perBatch = 250;
    const expected: string[] = [];
    const produceBatch = async (b: number) => {
      await produceMessages(src, topic, perBatch, { prefix: `k${b}` });
      expected.push(...producedValues(`k${b}`, perBatch));
    };
    await produceBatch(0);
    await produceBatch(1);
    await pollUntil(async () => ((await retainedRecords(tgt, topic).catch(() => 0)) > 0 ? true : undefined), 'mirroring under way', 60_000);
    // kill while more records keep coming
    const producing = (async () => {
      for (let b = 2; b < batches; b++) {
        await produceBatch(b);
        await sleep(300);
      }
    })();
    await killConnect(stackProfile('e2e'));
    await world.lm.updateStatus();
    const down = await world.waitForStatus(
      (s) => s.status === 'waiting' || s.status === 'blocked',
      'waiting/blocked with Connect down',
      60_000,
    );
    expect(down.message).toMatch(/Kafka Connect/);
    await producing;
    await restartConnect(stackProfile('e2e'));
    await world.waitForActive(120_000);
    const total = batches * perBatch;
    await waitForMessageCount(tgt, topic, total, { timeoutMs: 120_000 });
    const values = await topicValues(tgt, topic, expected);
    expect(values.missing).toEqual([]);
    expect(values.missingCount).toBe(0);
    expect(values.distinct).toBe(total);
    // at-least-once: a SIGKILLed worker may replay up to one offset-flush interval
    if (values.duplicates > 0) console.log(`Connect kill: ${values.duplicates} duplicate(s) of ${total} replayed (at-least-once)`);
  });

  test('prefix_topics=true → records arrive as <source alias>.replica.<topic>; the identity topic stops receiving', async () => {
    await world.config({ prefix_topics: true });
    await world.waitForActive();
    const fresh = topicName('prefix');
    await createTopic(src, fresh);
    await produceMessages(src, fresh, 50, { prefix: 'p' });
    expect((await waitForMessageCount(tgt, `${SOURCE_APP}.replica.${fresh}`, 50, { timeoutMs: 60_000 })).count).toBe(50);
    await absentFromTarget(fresh);

    const identityBefore = await retainedRecords(tgt, identity);
    await produceMessages(src, identity, 40, { prefix: 'after-prefix' });
    const prefixed = `${SOURCE_APP}.replica.${identity}`;
    await waitForMessageCount(tgt, prefixed, 40, { timeoutMs: 60_000 });
    const v = await topicValues(tgt, prefixed, producedValues('after-prefix', 40));
    expect(v.missingCount).toBe(0);
    await staysAt(tgt, identity, identityBefore, 3_000);
  });

  test("remove-relation connect-client, then source (and the rest) → this charm's connectors are deleted, others untouched", async () => {
    const foreign = `foreign-heartbeat-${RUN}`;
    const put = await world.rest.put(`/connectors/${foreign}/config`, {
      'connector.class': 'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector',
      'source.cluster.alias': 'x',
      'target.cluster.alias': 'y',
      'target.cluster.bootstrap.servers': stack.kafkaB.bootstrapServers,
      'target.cluster.security.protocol': 'SASL_PLAINTEXT',
      'target.cluster.sasl.mechanism': 'SCRAM-SHA-512',
      'target.cluster.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${stack.kafkaB.admin.password}";`,
      'emit.heartbeats.enabled': 'false',
      'heartbeats.topic.replication.factor': '-1',
    });
    expect([200, 201]).toContain(put.status);
    try {
      await pollUntil(
        async () => ((await world.connectorStates())[foreign]?.state === 'RUNNING' ? true : undefined),
        'foreign connector RUNNING',
        30_000,
      );
      expect(await world.ourConnectors()).toHaveLength(3);

      await world.removeRelation('connect-client');
      expect(await world.ourConnectors()).toEqual([]);
      expect((await world.connectorStates())[foreign]?.state).toBe('RUNNING');
      expect(world.status()).toMatchObject({ status: 'blocked' });

      await world.integrate('connect-client');
      await world.waitForActive();
      expect(await world.ourConnectors()).toHaveLength(3);

      await world.removeRelation('source');
      expect(await world.ourConnectors()).toEqual([]);
      expect((await world.connectorStates())[foreign]?.state).toBe('RUNNING');
      expect(world.status()).toMatchObject({ status: 'blocked', message: expect.stringMatching(/source/) });
      await world.removeRelation('target');
      await world.removeRelation('connect-client');
      expect(world.status()).toEqual({ status: 'blocked', message: 'missing relations: source, target, connect-client' });
      expect(world.lm.history.filter((h) => !h.ok)).toEqual([]);
    } finally {
      await world.rest.delete(`/connectors/${foreign}`);
    }
  });

  afterAll(() => {
    if (statusReport) console.log(`status action result:\n${JSON.stringify(statusReport, null, 2)}`);
  });
});
