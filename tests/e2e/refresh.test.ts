// `juju refresh` from Canonical's Python mirrormaker-connect-integrator to this charm, on the real
// stack. The Python charm's Juju-side state is played by tests/fixtures/reference-standin (its
// name, endpoints, config options, data_interfaces requests and peer `started` flag); its two
// connectors are created here as it creates them: POST /connectors with its name scheme, keys and
// 5 s intervals. Records are counted across the refresh: the first hooks of this charm must adopt
// both connectors (same names, offsets kept: nothing lost, nothing copied twice), add the heartbeat
// connector, and end Active.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTopic, produceMessages, retainedRecords, waitForMessageCount, type KafkaEndpoint } from '../../tools/stack/kafka-traffic';
import type { StackInfo } from '../../tools/stack/real-stack';
import { APP, MirrorWorld, REPO_ROOT, SOURCE_APP, TARGET_APP, sleep } from '../../tools/stack/mirror-world';
import { describeWithStack } from './e2e-state';
import { realStackEnv } from './real-stack-env';

jest.setTimeout(240_000);

const RUN = Date.now().toString(36);
const TOPIC = `e2e-refresh-${RUN}`;
const BEFORE = 300;
const DURING = 200;

const jaas = (u: { username: string; password: string }) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${u.username}" password="${u.password}";`;

/** The two connector configs the Python charm POSTs (formatter defaults ∪ its per-connector keys). */
function referenceConnectors(stack: StackInfo, suffix: string): { name: string; config: Record<string, unknown> }[] {
  const { kafkaA, kafkaB } = stack;
  const common: Record<string, unknown> = {
    'tasks.max': 1,
    'replication.factor': -1,
    'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'config.providers': 'file',
    'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
    clusters: `${SOURCE_APP},${TARGET_APP}`,
    'source.cluster.alias': SOURCE_APP,
    'target.cluster.alias': TARGET_APP,
    'replication.policy.separator': '.replica.',
    groups: '.*',
    'groups.exclude': 'console-consumer-.*, connect-.*, __.*',
    'consumer.auto.offset.reset': 'earliest',
    'offset-syncs.topic.location': 'target',
    'refresh.groups.enabled': true,
    'refresh.groups.interval.seconds': 5,
    'replication.policy.class': 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy',
    'source.cluster.bootstrap.servers': kafkaA.bootstrapServers,
    'target.cluster.bootstrap.servers': kafkaB.bootstrapServers,
    'source.cluster.security.protocol': 'SASL_PLAINTEXT',
    'source.cluster.sasl.mechanism': 'SCRAM-SHA-512',
    'source.cluster.sasl.jaas.config': jaas(kafkaA.mm2),
    'target.cluster.security.protocol': 'SASL_PLAINTEXT',
    'target.cluster.sasl.mechanism': 'SCRAM-SHA-512',
    'target.cluster.sasl.jaas.config': jaas(kafkaB.mm2),
    'producer.override.bootstrap.servers': kafkaB.bootstrapServers,
    'producer.override.security.protocol': 'SASL_PLAINTEXT',
    'producer.override.sasl.mechanism': 'SCRAM-SHA-512',
    'producer.override.sasl.jaas.config': jaas(kafkaB.mm2),
  };
  return [
    {
      name: `mirror_source_${suffix}`,
      config: {
        ...common,
        'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
        topics: TOPIC,
        'topics.exclude': `.*[-.]internal,.*replica.*,__.*,connect-.*,${TARGET_APP}.*`,
        'offset-syncs.topic.replication.factor': -1,
        'sync.topic.acls.enabled': true,
        'sync.topic.configs.enabled': true,
        'sync.topic.configs.interval.seconds': 5,
        'refresh.topics.enabled': true,
        'refresh.topics.interval.seconds': 5,
        'producer.enable.idempotence': 'true',
      },
    },
    {
      name: `mirror_checkpoint_${suffix}`,
      config: {
        ...common,
        'connector.class': 'org.apache.kafka.connect.mirror.MirrorCheckpointConnector',
        'checkpoints.topic.replication.factor': -1,
        'emit.checkpoints.enabled': true,
        'emit.checkpoints.interval.seconds': 5,
        'sync.group.offsets.enabled': true,
        'sync.group.offsets.interval.seconds': 5,
      },
    },
  ];
}

describeWithStack()('refresh from the Python integrator', () => {
  let stack: StackInfo;
  let world: MirrorWorld;
  let src: KafkaEndpoint;
  let tgt: KafkaEndpoint;
  let charmFile: string;

  beforeAll(async () => {
    ({ charmFile, stack, src, tgt } = await realStackEnv());
    world = await MirrorWorld.create({
      charmFile: path.join(REPO_ROOT, 'tests', 'fixtures', 'reference-standin'),
      stack,
      config: { topics: TOPIC },
    });
  }, 300_000);

  /** This world's connectors (named after its relation id and model uuid) off Connect. */
  async function deleteOurs(suffix: string): Promise<void> {
    for (const n of (await world.connectorNames()).filter((c) => c.endsWith(suffix))) await world.rest.delete(`/connectors/${n}`);
  }
  let suffix = '';

  afterAll(async () => {
    if (world && suffix) await deleteOurs(suffix).catch(() => undefined);
    await world?.close();
  });

  /** REST writes Connect logged (its access log) since byte `from` of its log, for this world's connectors. */
  function restWrites(from: number): string[] {
    const text = fs.readFileSync(stack.connect.log, 'utf8').slice(from);
    return [...text.matchAll(/"(PUT|POST|DELETE|PATCH) (\/connectors[^ ]*) HTTP\/1\.1" (\d+)/g)]
      .filter((m) => m[2]!.includes(suffix) || m[2] === '/connectors')
      .map((m) => `${m[1]} ${m[2]!.replace(suffix, '<suffix>')} ${m[3]}`);
  }

  test('adopts its connectors (no delete, no re-create, offsets kept), adds the heartbeat, ends Active; 0 lost, 0 copied twice', async () => {
    await createTopic(src, TOPIC, { partitions: 2 });
    await world.integrateAll();
    suffix = `${APP}_r${world.relations['connect-client']}_${world.lm.model.uuid.replace(/-/g, '')}`;
    await deleteOurs(suffix); // leftovers of an earlier run on the same stack
    for (const c of referenceConnectors(stack, suffix)) {
      const r = await world.rest.post('/connectors', c);
      expect([c.name, r.status]).toEqual([c.name, 201]);
    }
    await produceMessages(src, TOPIC, BEFORE);
    await waitForMessageCount(tgt, TOPIC, BEFORE, { timeoutMs: 90_000 });
    const unitSecrets = Object.values(world.lm.model.secrets).filter((x) => x.label === `peer.${APP}.unit` && x.owner.kind === 'unit');
    expect(unitSecrets.length).toBe(1);
    const before = await world.connectorNames();
    expect(before.filter((n) => n.endsWith(suffix)).sort()).toEqual([`mirror_checkpoint_${suffix}`, `mirror_source_${suffix}`]);

    const logFrom = fs.statSync(stack.connect.log).size;
    const refresh = world.lm.refresh(APP, charmFile);
    await produceMessages(src, TOPIC, DURING);
    await refresh;
    const active = await world.waitForActive(90_000);
    expect(active.message).toMatch(/^mirroring kafka-a → kafka-b: (3 connectors RUNNING|lag \d+ records)/);
    expect(world.lm.history.filter((h) => !h.ok)).toEqual([]);
    expect((await world.connectorNames()).filter((n) => n.endsWith(suffix)).sort()).toEqual([
      `mirror_checkpoint_${suffix}`,
      `mirror_heartbeat_${suffix}`,
      `mirror_source_${suffix}`,
    ]);
    // Adopted, not replaced: the source connector now carries this charm's keys.
    expect((await world.connectorConfig(`mirror_source_${suffix}`))['header.converter']).toBe(
      'org.apache.kafka.connect.converters.ByteArrayConverter',
    );
    await waitForMessageCount(tgt, TOPIC, BEFORE + DURING, { timeoutMs: 90_000 });
    // Nothing copied twice: the count stays exact over more than one offset-commit interval.
    for (let i = 0; i < 12; i++) {
      expect(await retainedRecords(tgt, TOPIC)).toBe(BEFORE + DURING);
      await sleep(1_000);
    }
    // The refresh's REST writes: the two adopted connectors updated in place (PUT …/config of an
    // existing connector keeps its offsets), the heartbeat created; no DELETE, no POST.
    const writes = restWrites(logFrom);
    expect(writes.filter((w) => !w.startsWith('PUT '))).toEqual([]);
    expect([...new Set(writes)].sort()).toEqual([
      'PUT /connectors/mirror_checkpoint_<suffix>/config 200',
      'PUT /connectors/mirror_heartbeat_<suffix>/config 201',
      'PUT /connectors/mirror_source_<suffix>/config 200',
    ]);
    process.stdout.write(
      `refresh: ${BEFORE} records before, ${DURING} during; target holds ${BEFORE + DURING}; REST writes: ${writes.join(', ')}\n`,
    );
  });
});
