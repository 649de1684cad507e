// Config the real Kafka Connect would refuse, and Java-only regexes it accepts: the packed charm
// under the local model against the real stack (profile e2e). A refused config must be found with
// Connect's own validation before any write (Blocked naming the option and Connect's reason, every
// connector left exactly as it was); a Java-only regex that the Python charm passed on must work.
// Each scenario starts from `world.ready()` (deploy-time config, all relations, Active).
import { createTopic, produceMessages, waitForMessageCount, type KafkaEndpoint } from '../../tools/stack/kafka-traffic';
import type { StackInfo } from '../../tools/stack/real-stack';
import { FAST_INTERVALS, MirrorWorld } from '../../tools/stack/mirror-world';
import { describeWithStack } from './e2e-state';
import { realStackEnv } from './real-stack-env';

jest.setTimeout(120_000);

const RUN = Date.now().toString(36);
const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';
/** Matched by the deploy-time `topics` only as Java reads it (case-insensitive, possessive). */
const JAVA_TOPIC = `e2e-badcfg-java-${RUN}`;

describeWithStack()('configs the real Kafka Connect refuses, and Java-only regexes', () => {
  let stack: StackInfo;
  let world: MirrorWorld;
  let src: KafkaEndpoint;
  let tgt: KafkaEndpoint;

  beforeAll(async () => {
    const env = await realStackEnv();
    ({ stack, src, tgt } = env);
    // (?i) and a possessive quantifier: Java-only syntax the charm used to refuse.
    world = await MirrorWorld.create({
      charmFile: env.charmFile,
      stack,
      config: { ...FAST_INTERVALS, topics: `(?i)E2E-BADCFG-[a-z]++-${RUN}` },
    });
    await createTopic(src, JAVA_TOPIC);
  }, 300_000);

  beforeEach(async () => {
    await world.ready();
  }, 180_000);

  afterAll(async () => {
    await world?.close();
  });

  async function ourConfigs(): Promise<Record<string, Record<string, string>>> {
    const out: Record<string, Record<string, string>> = {};
    // This model's connectors only: earlier files' local models (each its own UUID) may have left theirs.
    for (const name of await world.ourConnectors()) out[name] = await world.connectorConfig(name);
    return out;
  }

  test('a Java-only regex (?i)…[a-z]++ is accepted and matches as Java reads it: records cross', async () => {
    expect(await produceMessages(src, JAVA_TOPIC, 20, { prefix: 'j' })).toBe(20);
    expect((await waitForMessageCount(tgt, JAVA_TOPIC, 20, { timeoutMs: 60_000 })).count).toBe(20);
  });

  test.each([
    [
      'key_converter',
      'org.example.DoesNotExist',
      /^key_converter: Kafka Connect refuses 'org\.example\.DoesNotExist' for key\.converter \(.*Class org\.example\.DoesNotExist could not be found.*\); no connector was changed/,
    ],
    [
      'value_converter',
      'java.lang.String',
      /^value_converter: Kafka Connect refuses 'java\.lang\.String' for value\.converter \(.*java\.lang\.String does not implement the Converter interface.*\); no connector was changed/,
    ],
  ])("%s=%s: Blocked with Connect's reason before any write; connectors untouched; fixed → Active", async (option, value, message) => {
    const before = await ourConfigs();
    expect(Object.keys(before)).toHaveLength(3);
    // topics changes as well, so every connector would be rewritten: none may be.
    await world.config({ [option]: value, topics: `(?i)E2E-BADCFG-[a-z]++-${RUN},nothing-else` });
    const blocked = world.status();
    expect(blocked.status).toBe('blocked');
    expect(blocked.message).toMatch(message);
    expect(await ourConfigs()).toEqual(before);
    const states = await world.connectorStates();
    for (const name of Object.keys(before)) expect(states[name]!.state).toBe('RUNNING');
    // update-status keeps it Blocked and still writes nothing
    await world.lm.updateStatus();
    expect(world.status().message).toMatch(message);
    expect(await ourConfigs()).toEqual(before);
    // fixed: written, Active again
    await world.config({ [option]: BYTES });
    await world.waitForActive();
    const after = await ourConfigs();
    for (const cfg of Object.values(after)) expect(cfg[option.replace('_', '.')]).toBe(BYTES);
    const source = Object.entries(after).find(([n]) => n.startsWith('mirror_source_'))![1];
    expect(source['topics']).toBe(`(?i)E2E-BADCFG-[a-z]++-${RUN},nothing-else`);
  });
});
