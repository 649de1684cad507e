// The packed MirrorMaker integrator under the local model (lib/localmodel), against the real stack:
// kafka-a (source) and kafka-b (target) with SASL/SCRAM-SHA-512, one Kafka Connect worker with REST
// basic auth. Real records are produced with @platformatic/kafka and counted on the target.
// The scenarios share one deployment and run in order; each uses its own topics.
import {
  consumeAndCommit,
  countMessages,
  createTopic,
  endpointOf,
  produceMessages,
  retainedRecords,
  waitForMessageCount,
  type KafkaEndpoint,
} from '../support/kafka-traffic';
import { readStackInfo, type StackInfo } from '../support/real-stack';
import { APP, FAST_INTERVALS, MirrorWorld, SOURCE_APP, pollUntil, sleep, stackProfile } from '../support/mirror-world';
import { describeWithStack, readE2EState } from './e2e-state';

jest.setTimeout(180_000);

const RUN = Date.now().toString(36);
const topicName = (what: string) => `e2e-${what}-${RUN}`;

describeWithStack()('MirrorMaker integrator on the real stack', () => {
  let stack: StackInfo;
  let world: MirrorWorld;
  let src: KafkaEndpoint;
  let tgt: KafkaEndpoint;

  beforeAll(async () => {
    const state = readE2EState();
    if (!state.ok) throw new Error(`real stack unavailable: ${state.reason}`);
    stack = await readStackInfo(stackProfile('e2e'));
    src = endpointOf(stack.kafkaA, 'admin');
    tgt = endpointOf(stack.kafkaB, 'admin');
    world = await MirrorWorld.create({
      charmFile: state.charmFile,
      stack,
      // only this run's e2e topics, so other traffic on the clusters is never mirrored
      config: { ...FAST_INTERVALS, topics: `e2e-.*-${RUN}` },
    });
  }, 300_000);

  afterAll(async () => {
    await world?.close();
  });

  const identity = topicName('identity');

  test('deploy + integrate (source, target, connect-client) → Active; N records cross under the same name', async () => {
    expect(world.status()).toEqual({ status: 'blocked', message: 'missing relations: source, target, connect-client' });
    await createTopic(src, identity, { partitions: 2 });
    await world.integrateAll();
    const active = await world.waitForActive();
    expect(active.message).toMatch(/^mirroring kafka-a → kafka-b: 3 connectors RUNNING/);
    expect(world.lm.history.filter((h) => !h.ok)).toEqual([]);
    const ours = await world.ourConnectors();
    expect(ours).toHaveLength(3);

    const N = 500;
    expect(await produceMessages(src, identity, N, { prefix: 'id' })).toBe(N);
    const seen = await waitForMessageCount(tgt, identity, N, { timeoutMs: 60_000 });
    expect(seen.count).toBe(N);
    // nothing more trickles in
    await sleep(2_000);
    expect(await retainedRecords(tgt, identity)).toBe(N);
  });
});
