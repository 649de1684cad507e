// Replication health on the real stack: heartbeats in MirrorMaker's direction (emitted into the
// source, carried over by the source connector), lag and heartbeat age in the status, and the
// status leaving Active when data stops crossing. Lean: one deployment, few records, short intervals;
// each scenario starts from `world.ready()` and uses its own topics, so it runs alone or in any order.
import {
  consumeAndCommit,
  createTopic,
  listTopics,
  produceMessages,
  retainedRecords,
  topicOffsets,
  waitForMessageCount,
  type KafkaEndpoint,
} from '../../tools/stack/kafka-traffic';
import { producedValues, topicValues } from '../../tools/stack/kafka-values';
import type { ActionOutcome } from '../../lib/localmodel/driver';
import type { StackInfo } from '../../tools/stack/real-stack';
import { FAST_INTERVALS, MirrorWorld, SOURCE_APP, TARGET_APP, pollUntil, sleep } from '../../tools/stack/mirror-world';
import { describeWithStack } from './e2e-state';
import { realStackEnv } from './real-stack-env';

jest.setTimeout(180_000);

const RUN = Date.now().toString(36);
const topicName = (what: string) => `e2e-h-${what}-${RUN}`;

function expectCompleted(outcome: ActionOutcome): void {
  if (outcome.status !== 'completed') {
    throw new Error(
      `action ${outcome.action} ${outcome.status}: ${outcome.message ?? ''}\nlogs: ${outcome.logs.join('\n')}\nstderr: ${outcome.stderr.slice(-2000)}`,
    );
  }
}

describeWithStack()('replication health on the real stack', () => {
  let stack: StackInfo;
  let world: MirrorWorld;
  let src: KafkaEndpoint;
  let tgt: KafkaEndpoint;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    const env = await realStackEnv();
    ({ stack, src, tgt } = env);
    world = await MirrorWorld.create({ charmFile: env.charmFile, stack, config: { ...FAST_INTERVALS, topics: `e2e-h-.*-${RUN}` } });
    // A reused stack (E2E_KEEP_STACK) still runs the connectors of earlier local models, whose
    // names repeat (same model UUID, same relation ids): remove them so each scenario starts clean.
    for (const name of await world.ourConnectors()) await world.rest.delete(`/connectors/${encodeURIComponent(name)}`);
  }, 300_000);

  beforeEach(async () => {
    await world.ready();
  }, 180_000);

  afterAll(async () => {
    console.log(`health e2e figures (Kafka ${stack?.kafkaVersion}): ${JSON.stringify(figures)}`);
    await world?.close();
  });

  const heartbeats = `${SOURCE_APP}.replica.heartbeats`;

  /** Heartbeats on the target so far (0 before the first one created the topic). */
  async function heartbeatEnd(): Promise<number> {
    const offs = await topicOffsets(tgt, heartbeats).catch((e: Error) => (/not found/.test(e.message) ? [] : Promise.reject(e)));
    return offs.reduce((n, p) => n + p.end, 0);
  }

  test('heartbeats are emitted into the source and arrive on the target as <source>.replica.heartbeats (identity policy)', async () => {
    const topic = topicName('flow');
    await createTopic(src, topic);
    // the heartbeat connector writes `heartbeats` on the SOURCE, none of ours on the target
    await pollUntil(
      async () => ((await listTopics(src)).includes('heartbeats') ? true : undefined),
      'heartbeats topic on the source',
      60_000,
    );
    const onTarget = await pollUntil(
      async () => {
        const names = await listTopics(tgt);
        return names.includes(heartbeats) ? names : undefined;
      },
      `${heartbeats} on the target`,
      60_000,
    );
    // The old direction wrote heartbeats into a plain `heartbeats` topic on the target: none now. The
    // topic itself may exist, created by another file's foreign MirrorHeartbeatConnector on the shared stack.
    if (onTarget.includes('heartbeats')) {
      await sleep(3 * 1_000);
      expect((await topicOffsets(tgt, 'heartbeats')).reduce((n, p) => n + p.end, 0)).toBe(0);
    }
    figures['targetHeartbeatTopics'] = onTarget.filter((n) => /heartbeats/.test(n)).sort();
    const first = await heartbeatEnd();
    await pollUntil(async () => ((await heartbeatEnd()) > first ? true : undefined), 'more heartbeats arriving on the target', 30_000);
    await produceMessages(src, topic, 20, { prefix: 'f' });
    expect((await waitForMessageCount(tgt, topic, 20, { timeoutMs: 60_000 })).count).toBe(20);
  });

  test('prefix policy: heartbeats keep arriving under the same name', async () => {
    await world.config({ prefix_topics: true });
    await world.waitForActive();
    const before = await heartbeatEnd();
    await pollUntil(async () => ((await heartbeatEnd()) > before + 2 ? true : undefined), 'heartbeats after the policy change', 60_000);
    const names = await listTopics(tgt);
    figures['targetHeartbeatTopicsPrefix'] = names.filter((n) => /heartbeats/.test(n)).sort();
    expect(names).toContain(heartbeats);
    expect(names).not.toContain(`${SOURCE_APP}.replica.${SOURCE_APP}.replica.heartbeats`);
    expect(names).not.toContain(`${TARGET_APP}.replica.heartbeats`);
    await world.config({ prefix_topics: false });
    await world.waitForActive();
  });

  type Replication = {
    verdict: string;
    'measured-at': string;
    'total-lag': string;
    heartbeat: { age?: string };
    topics: Record<
      string,
      { name: string; partitions: Record<string, { 'source-end-offset': string; 'replicated-offset': string; lag: string }> }
    >;
    'missing-on-target'?: string;
  };
  async function replication(): Promise<Replication> {
    const status = await world.action('status');
    expectCompleted(status);
    const text = JSON.stringify(status.results);
    for (const secret of [stack.kafkaA.mm2.password, stack.kafkaB.mm2.password, stack.connect.password]) expect(text).not.toContain(secret);
    return status.results['replication'] as Replication;
  }

  test('heartbeat age shown and advancing; lag reported per partition, 0 once traffic stops', async () => {
    const topic = topicName('lag');
    await createTopic(src, topic, { partitions: 2 });
    await produceMessages(src, topic, 200, { prefix: 'l' });
    await waitForMessageCount(tgt, topic, 200, { timeoutMs: 60_000 });
    const measured = await pollUntil(
      async () => {
        const rep = await replication();
        const t = Object.values(rep.topics).find((x) => x.name === topic);
        return t && rep['total-lag'] === '0' ? { rep, t } : undefined;
      },
      'lag 0 on every partition after traffic stopped',
      60_000,
      1_000,
    );
    const parts = Object.values(measured.t.partitions);
    expect(parts).toHaveLength(2);
    expect(parts.reduce((n, p) => n + Number(p['source-end-offset']), 0)).toBe(200);
    for (const p of parts) {
      expect(p.lag).toBe('0');
      expect(p['replicated-offset']).toBe(p['source-end-offset']);
    }
    const newest = (r: Replication) => Date.parse(r['measured-at']) - Number(/^(\d+) s$/.exec(r.heartbeat.age ?? '')?.[1] ?? NaN) * 1000;
    const first = measured.rep;
    expect(first.heartbeat.age).toMatch(/^\d+ s$/);
    await new Promise((r) => setTimeout(r, 3_000));
    const second = await replication();
    expect(second.heartbeat.age).toMatch(/^\d+ s$/);
    expect(newest(second)).toBeGreaterThan(newest(first));
    figures['heartbeatAges'] = [first.heartbeat.age, second.heartbeat.age];
    // the unit's status after an update-status: Active with lag and heartbeat age
    const s = await world.waitForStatus(
      (x) => x.status === 'active' && /: lag 0 records, heartbeat \d+ s ago/.test(x.message),
      'active with lag 0 and a heartbeat age',
      30_000,
    );
    figures['activeMessage'] = s.message;
  });

  test("replication factor above the target's brokers: the missing topic is named with the reason", async () => {
    await world.config({ replication_factor: 3 });
    await world.waitForActive();
    const topic = topicName('rf');
    await createTopic(src, topic);
    await produceMessages(src, topic, 10, { prefix: 'rf' });
    const s = await world.waitForStatus(
      (x) => x.status === 'blocked' && x.message.includes(topic),
      'blocked naming the missing topic',
      60_000,
    );
    expect(s.message).toMatch(/replication_factor=3 is above kafka-b's 1 broker/);
    figures['missingTopicMessage'] = s.message;
    await world.config({ replication_factor: -1 });
    await world.waitForStatus((x) => x.status === 'active', 'active again after replication_factor=-1', 90_000);
    expect((await waitForMessageCount(tgt, topic, 10, { timeoutMs: 60_000 })).count).toBe(10);
  });

  test('wrong source password: not Active within one update-status after the change; fixed → Active', async () => {
    const h0 = world.lm.history.length;
    await world.lm.config(SOURCE_APP, { password: 'not-the-password' });
    try {
      figures['wrongPasswordHooks'] = world.lm.history.slice(h0).map((h) => `${h.unit} ${h.event} ${h.ok}`);
      const t0 = Date.now();
      await world.lm.updateStatus();
      const s = world.status();
      figures['wrongPasswordStatus'] = { ...s, ms: Date.now() - t0 };
      if (s.status === 'active') figures['wrongPasswordReplication'] = await replication();
      expect(s.status).not.toBe('active');
      expect(s.message).toMatch(/kafka-a|authentication|credentials/i);
      expect(s.message).not.toContain('not-the-password');
    } finally {
      await world.lm.config(SOURCE_APP, { password: stack.kafkaA.mm2.password });
    }
    await world.waitForStatus(
      (x) => x.status === 'active' && /: lag \d+ records?/.test(x.message),
      'active again with the right password',
      120_000,
    );
  });

  // Who deletes the old connectors when the relation goes is a race between two applications'
  // hooks: this charm's leader (it stops the source connector first, so its tasks commit) or
  // Charmed Kafka Connect's relation-departed (a plain DELETE). Both orders are run; in the second
  // the test deletes them through Connect's REST API first, as that hook does.
  test.each([
    ['whichever side deletes first', 'readd', false],
    ['the Kafka Connect side deletes first', 'readdConnectFirst', true],
  ] as const)(
    'remove and re-add the Kafka Connect relation while producing (%s): no re-copy, at most one commit interval replayed',
    async (_, figure, connectSideFirst) => {
      const topic = topicName(figure.toLowerCase());
      await createTopic(src, topic);
      // an older topic, mirrored before the relation goes: it must not be copied again
      const flowTopic = topicName(`${figure.toLowerCase()}-old`);
      await createTopic(src, flowTopic);
      await produceMessages(src, flowTopic, 50, { prefix: 'old' });
      const flowBefore = (await waitForMessageCount(tgt, flowTopic, 50, { timeoutMs: 60_000 })).count;
      const expected: string[] = [];
      const batch = async (b: number, n = 100) => {
        await produceMessages(src, topic, n, { prefix: `r${b}` });
        expected.push(...producedValues(`r${b}`, n));
      };
      // mirrored after the last health check's snapshot of the offsets
      await batch(0);
      await waitForMessageCount(tgt, topic, 100, { timeoutMs: 60_000 });
      const producing = (async () => {
        for (let b = 1; b <= 4; b++) {
          await batch(b);
          await new Promise((r) => setTimeout(r, 400));
        }
      })();
      if (connectSideFirst) await world.deleteOurConnectors();
      await world.removeRelation('connect-client');
      await world.integrate('connect-client');
      await producing;
      await world.waitForActive(90_000);
      await waitForMessageCount(tgt, topic, expected.length, { timeoutMs: 90_000 });
      await new Promise((r) => setTimeout(r, 3_000));
      const v = await topicValues(tgt, topic, expected);
      figures[figure] = {
        produced: expected.length,
        onTarget: v.distinct + v.duplicates,
        duplicates: v.duplicates,
        flowTopicBefore: flowBefore,
        flowTopicAfter: await retainedRecords(tgt, flowTopic),
      };
      expect(v.missingCount).toBe(0);
      // A re-copy would write every retained record again (500 here); the kept offsets alone
      // (the last health check's) would miss at least batch 0. What a stopping task has written
      // but not yet had acknowledged when it commits is all that may come again.
      expect(v.duplicates).toBeLessThan(100);
      // an older topic is not copied again
      expect(await retainedRecords(tgt, flowTopic)).toBe(flowBefore);
    },
  );

  test('failover: a group that read 60 % on the source resumes on the target with no skip, at most one checkpoint interval re-read', async () => {
    const topic = topicName('fo');
    const group = `e2e-h-fo-${RUN}`;
    const N = 100;
    await createTopic(src, topic);
    // traffic in two parts, as a live topic has: the group reads 60 %, then more arrives
    await produceMessages(src, topic, 60, { prefix: 'fo' });
    await waitForMessageCount(tgt, topic, 60, { timeoutMs: 60_000 });
    const read = await consumeAndCommit(src, topic, group, 60);
    expect(read.committed).toEqual([{ partition: 0, offset: 60 }]);
    await produceMessages(src, topic, N - 60, { prefix: 'fo-late' });
    await waitForMessageCount(tgt, topic, N, { timeoutMs: 60_000 });
    let last: unknown;
    const dry = await pollUntil(
      async () => {
        const o = await world.action('failover');
        expectCompleted(o);
        last = o.results;
        return o.results['ready'] === 'true' ? o : undefined;
      },
      'failover dry-run ready',
      60_000,
      2_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last result: ${JSON.stringify(last)}`);
    });
    expect(dry.results['dry-run']).toBe('true');
    const real = await world.action('failover', { 'dry-run': false });
    expectCompleted(real);
    expect(real.results['ready']).toBe('true');
    expect(String(real.results['stopped'])).toMatch(/mirror_source_/);
    const groups = JSON.stringify(real.results['consumer-groups']);
    const translated = Number(/"target-translated":"(\d+)"/.exec(groups)?.[1]);
    expect(groups).toContain(group);
    const resumed = await consumeAndCommit(tgt, topic, group, N - translated);
    // no skip: the first record read on the target is at or before the first one not read on the source
    const first = resumed.firstValues[0] ?? '';
    const firstIndex = first.startsWith('fo-late-') ? 60 : Number(/^fo-(\d+)$/.exec(first)?.[1]);
    figures['failover'] = { sourceCommitted: 60, translated, reRead: 60 - firstIndex, firstOnTarget: resumed.firstValues[0] };
    expect(firstIndex).toBeLessThanOrEqual(60);
    expect(60 - firstIndex).toBeLessThanOrEqual(60 - translated);
    expect(resumed.committed).toEqual([{ partition: 0, offset: N }]);
    const back = await world.action('resume');
    expectCompleted(back);
    await world.waitForActive(90_000);
  });
});
