// Credential rotation on the real stack, with the real-library Kafka 4 provider: the operator sets
// a new SCRAM password for the replication user on the source cluster, then hands it to the
// provider (`juju config kafka-a password=…`, as Charmed Kafka does when its user is rotated). The
// provider publishes a new revision of `secret-user`; the charm must move every connector to the
// new password and keep mirroring, with nothing lost and the password in no status or log line.
import * as crypto from 'node:crypto';
import { createTopic, produceMessages } from '../../tools/stack/kafka-traffic';
import { producedValues, topicValues } from '../../tools/stack/kafka-values';
import { setScramPassword } from '../../tools/stack/real-stack';
import { FAST_INTERVALS, MirrorWorld, SOURCE_APP, pollUntil } from '../../tools/stack/mirror-world';
import { describeWithStack } from './e2e-state';
import { realStackEnv, type RealStackEnv } from './real-stack-env';

jest.setTimeout(240_000);

const RUN = Date.now().toString(36);

describeWithStack()('credential rotation on the real stack (Kafka 4 provider on dpcharmlibs-interfaces)', () => {
  let env: RealStackEnv;
  let world: MirrorWorld;

  beforeAll(async () => {
    env = await realStackEnv();
    world = await MirrorWorld.create({
      charmFile: env.charmFile,
      stack: env.stack,
      config: { ...FAST_INTERVALS, topics: `e2e-rot-.*-${RUN}` },
    });
  }, 300_000);

  afterAll(async () => {
    await world?.close();
  });

  test('source password rotated: connectors move to it, mirroring goes on, nothing lost, the password shown nowhere', async () => {
    const topic = `e2e-rot-a-${RUN}`;
    await createTopic(env.src, topic, { partitions: 2 });
    await world.integrateAll();
    await world.waitForActive();
    const before = 100;
    await produceMessages(env.src, topic, before, { prefix: 'pre' });
    await pollUntil(
      async () => ((await topicValues(env.tgt, topic, producedValues('pre', before))).missingCount === 0 ? true : undefined),
      'pre-rotation records',
      90_000,
    );

    const original = env.stack.kafkaA.mm2.password;
    const rotated = crypto.randomBytes(18).toString('base64url');
    const h0 = world.lm.history.length;
    const t0 = Date.now();
    setScramPassword(env.stack, env.stack.kafkaA, env.stack.kafkaA.mm2.username, rotated);
    try {
      // records produced while Connect still holds the old password
      const during = 100;
      await produceMessages(env.src, topic, during, { prefix: 'gap' });
      await world.lm.config(SOURCE_APP, { password: rotated });
      const source = (await world.ourConnectors()).find((n) => n.startsWith('mirror_source_'))!;
      await pollUntil(
        async () => ((await world.connectorConfig(source))['source.cluster.sasl.jaas.config']?.includes(rotated) ? true : undefined),
        'the source connector on the rotated password',
        60_000,
      );
      const active = await world.waitForActive(120_000);
      const seconds = (Date.now() - t0) / 1000;
      const after = 100;
      await produceMessages(env.src, topic, after, { prefix: 'post' });
      const expected = [...producedValues('pre', before), ...producedValues('gap', during), ...producedValues('post', after)];
      const v = await pollUntil(
        async () => {
          const r = await topicValues(env.tgt, topic, expected);
          return r.missingCount === 0 ? r : undefined;
        },
        'every record on the target',
        120_000,
        1_000,
      );
      expect(v.missingCount).toBe(0);
      // every connector that talks to the source uses the new password (the heartbeat's target is the source)
      for (const n of await world.ourConnectors()) {
        const c = await world.connectorConfig(n);
        const side = c['connector.class']?.endsWith('MirrorHeartbeatConnector') ? 'target' : 'source';
        expect([n, c[`${side}.cluster.sasl.jaas.config`]?.includes(rotated)]).toEqual([n, true]);
      }
      const hooks = world.lm.history.slice(h0);
      expect(hooks.filter((h) => !h.ok)).toEqual([]);
      expect(JSON.stringify(world.status())).not.toContain(rotated);
      expect(JSON.stringify(hooks)).not.toContain(rotated);
      process.stdout.write(
        `rotation: produced ${expected.length}, on target ${v.distinct} distinct + ${v.duplicates} duplicates; Active again ${seconds.toFixed(1)} s after the rotation: ${active.message}\n`,
      );
    } finally {
      setScramPassword(env.stack, env.stack.kafkaA, env.stack.kafkaA.mm2.username, original);
      await world.lm.config(SOURCE_APP, { password: original });
    }
  });
});
