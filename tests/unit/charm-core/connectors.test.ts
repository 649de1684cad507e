import { BYTE_ARRAY_CONVERTER } from '../../../charm/core/config';
import {
  CONNECTOR_CLASS,
  IDENTITY_REPLICATION_POLICY,
  HEARTBEAT_INTERVAL_SECONDS,
  remoteHeartbeatsTopic,
  remoteTopicName,
  buildMirrorFlow,
  connectorName,
  ownedConnectorPattern,
  scramJaasConfig,
  type DesiredConnector,
} from '../../../charm/core/connectors';
import { javaRegexProblem, splitList } from '../../../charm/core/regex';
import { APP, CA_PEM, CONNECT_REL_ID, MODEL_UUID, UUID_HEX, config, desired, sourceCluster, targetCluster } from './fixtures';

const byKind = (set: DesiredConnector[], kind: string): DesiredConnector => {
  const found = set.find((c) => c.kind === kind);
  if (!found) throw new Error(`no ${kind} connector`);
  return found;
};

// Kafka Connect charm's cleanup regex (kafka-connect-operator _managed_connector_regex).
const connectCleanupRegex = (relationId: number): RegExp => new RegExp(`.+?r${relationId}_[0-9a-f]{32}$`);

const SOURCE_JAAS =
  'org.apache.kafka.common.security.scram.ScramLoginModule required username="relation-7" password="src-S3cr3t\\"with\\\\quote";';
const TARGET_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="relation-9" password="tgt-P@ss;word=1";';

describe('connector names', () => {
  const set = desired();

  it('are mirror_<kind>_<app>_r<relation id>_<uuid hex>', () => {
    expect(set.map((c) => c.name)).toEqual([
      `mirror_source_mirrormaker_r12_${UUID_HEX}`,
      `mirror_checkpoint_mirrormaker_r12_${UUID_HEX}`,
      `mirror_heartbeat_mirrormaker_r12_${UUID_HEX}`,
    ]);
  });

  it("match the Connect charm's cleanup regex for this relation only", () => {
    for (const c of set) {
      expect(connectCleanupRegex(CONNECT_REL_ID).test(c.name)).toBe(true);
      expect(connectCleanupRegex(13).test(c.name)).toBe(false);
    }
  });

  it('accept upper-case UUIDs and reject malformed ones', () => {
    expect(connectorName('source', APP, 3, MODEL_UUID.toUpperCase())).toBe(`mirror_source_mirrormaker_r3_${UUID_HEX}`);
    expect(() => connectorName('source', APP, 3, 'not-a-uuid')).toThrow(/32 hex digits/);
    expect(() => connectorName('source', APP, -1, MODEL_UUID)).toThrow(/relation id/);
    expect(() => connectorName('source', APP, 1.5, MODEL_UUID)).toThrow(/relation id/);
  });

  it('ownedConnectorPattern recognises only this app/relation/model', () => {
    const owned = ownedConnectorPattern(APP, CONNECT_REL_ID, MODEL_UUID);
    for (const c of set) expect(owned.test(c.name)).toBe(true);
    expect(owned.test(`mirror_source_mirrormaker_r13_${UUID_HEX}`)).toBe(false);
    expect(owned.test(`mirror_source_mirrormaker-b_r12_${UUID_HEX}`)).toBe(false);
    expect(owned.test(`mirror_source_mirrormaker_r12_${'0'.repeat(32)}`)).toBe(false);
    expect(owned.test(`x_mirror_source_mirrormaker_r12_${UUID_HEX}`)).toBe(false);
    expect(owned.test(`mirror_sink_mirrormaker_r12_${UUID_HEX}`)).toBe(false);
    expect(owned.test('my-own-jdbc-sink')).toBe(false);
    // A dotted app name must not act as a wildcard.
    expect(ownedConnectorPattern('a.b', 1, MODEL_UUID).test(`mirror_source_aXb_r1_${UUID_HEX}`)).toBe(false);
  });
});

describe('sample configs kafka-a → kafka-b (target TLS with PEM CA, source plaintext)', () => {
  const set = desired();
  const source = byKind(set, 'source').config;
  const checkpoint = byKind(set, 'checkpoint').config;
  const heartbeat = byKind(set, 'heartbeat').config;

  it('all values are strings', () => {
    for (const c of set) for (const v of Object.values(c.config)) expect(typeof v).toBe('string');
  });

  it('no connector carries a name key (Connect adds it)', () => {
    for (const c of set) expect(c.config).not.toHaveProperty('name');
  });

  it('connector classes and tasks.max', () => {
    expect(source['connector.class']).toBe(CONNECTOR_CLASS.source);
    expect(checkpoint['connector.class']).toBe(CONNECTOR_CLASS.checkpoint);
    expect(heartbeat['connector.class']).toBe(CONNECTOR_CLASS.heartbeat);
    expect(source['tasks.max']).toBe('1');
    expect(checkpoint['tasks.max']).toBe('1');
    expect(heartbeat['tasks.max']).toBe('1');
    const four = desired({ tasksMax: 4 });
    expect(byKind(four, 'source').config['tasks.max']).toBe('4');
    expect(byKind(four, 'checkpoint').config['tasks.max']).toBe('4');
    expect(byKind(four, 'heartbeat').config['tasks.max']).toBe('1');
  });

  it('ByteArrayConverter for key, value and header on every connector', () => {
    for (const c of set) {
      expect(c.config['key.converter']).toBe(BYTE_ARRAY_CONVERTER);
      expect(c.config['value.converter']).toBe(BYTE_ARRAY_CONVERTER);
      expect(c.config['header.converter']).toBe(BYTE_ARRAY_CONVERTER);
    }
    const json = desired({ keyConverter: 'org.apache.kafka.connect.json.JsonConverter' });
    expect(byKind(json, 'source').config['key.converter']).toBe('org.apache.kafka.connect.json.JsonConverter');
    expect(byKind(json, 'source').config['header.converter']).toBe(BYTE_ARRAY_CONVERTER);
  });

  it('clusters and aliases are the remote app names; the heartbeat connector runs as the reverse pair', () => {
    for (const c of set) expect(c.config.clusters).toBe('kafka-a,kafka-b');
    for (const c of [source, checkpoint]) {
      expect(c['source.cluster.alias']).toBe('kafka-a');
      expect(c['target.cluster.alias']).toBe('kafka-b');
    }
    // MirrorMaker's own layout: the B→A heartbeat connector emits into A, the A→B source connector carries it over.
    expect(heartbeat['source.cluster.alias']).toBe('kafka-b');
    expect(heartbeat['target.cluster.alias']).toBe('kafka-a');
  });

  it('heartbeat connector emits into the SOURCE cluster (target.cluster.* and producer.override.* = source)', () => {
    expect(heartbeat['target.cluster.bootstrap.servers']).toBe('10.0.0.1:9092,10.0.0.2:9092');
    expect(heartbeat['target.cluster.sasl.jaas.config']).toBe(SOURCE_JAAS);
    expect(heartbeat['producer.override.bootstrap.servers']).toBe('10.0.0.1:9092,10.0.0.2:9092');
    expect(heartbeat['producer.override.security.protocol']).toBe('SASL_PLAINTEXT');
    expect(heartbeat['producer.override.sasl.jaas.config']).toBe(SOURCE_JAAS);
    expect(heartbeat).not.toHaveProperty('producer.override.ssl.truststore.certificates');
    expect(heartbeat['source.cluster.bootstrap.servers']).toBe('10.0.1.1:9093');
    expect(heartbeat['source.cluster.ssl.truststore.certificates']).toBe(CA_PEM);
    expect(heartbeat['emit.heartbeats.interval.seconds']).toBe(String(HEARTBEAT_INTERVAL_SECONDS));
    // same policy and separator as the flow, so the heartbeats topic name is the one the source connector expects
    expect(heartbeat['replication.policy.class']).toBe(source['replication.policy.class']);
    expect(heartbeat['replication.policy.separator']).toBe(source['replication.policy.separator']);
  });

  it('heartbeats arrive on the target as <source alias>.replica.heartbeats under both policies', () => {
    expect(remoteHeartbeatsTopic('kafka-a')).toBe('kafka-a.replica.heartbeats');
    expect(remoteTopicName({ sourceAlias: 'kafka-a', replicationPolicy: 'identity' }, 'heartbeats')).toBe('kafka-a.replica.heartbeats');
    expect(remoteTopicName({ sourceAlias: 'kafka-a', replicationPolicy: 'prefix' }, 'heartbeats')).toBe('kafka-a.replica.heartbeats');
    expect(remoteTopicName({ sourceAlias: 'kafka-a', replicationPolicy: 'identity' }, 'orders')).toBe('orders');
    expect(remoteTopicName({ sourceAlias: 'kafka-a', replicationPolicy: 'prefix' }, 'orders')).toBe('kafka-a.replica.orders');
  });

  it('source.cluster.* : SASL_PLAINTEXT + SCRAM-SHA-512 + escaped JAAS, no truststore', () => {
    expect(source['source.cluster.bootstrap.servers']).toBe('10.0.0.1:9092,10.0.0.2:9092');
    expect(source['source.cluster.security.protocol']).toBe('SASL_PLAINTEXT');
    expect(source['source.cluster.sasl.mechanism']).toBe('SCRAM-SHA-512');
    expect(source['source.cluster.sasl.jaas.config']).toBe(SOURCE_JAAS);
    expect(source).not.toHaveProperty('source.cluster.ssl.truststore.type');
    expect(source).not.toHaveProperty('source.cluster.ssl.truststore.certificates');
  });

  it('target.cluster.* : SASL_SSL with the inline PEM truststore', () => {
    expect(source['target.cluster.bootstrap.servers']).toBe('10.0.1.1:9093');
    expect(source['target.cluster.security.protocol']).toBe('SASL_SSL');
    expect(source['target.cluster.sasl.mechanism']).toBe('SCRAM-SHA-512');
    expect(source['target.cluster.sasl.jaas.config']).toBe(TARGET_JAAS);
    expect(source['target.cluster.ssl.truststore.type']).toBe('PEM');
    expect(source['target.cluster.ssl.truststore.certificates']).toBe(CA_PEM);
    expect(Object.keys(source).some((k) => k.includes('truststore.location') || k.includes('truststore.password'))).toBe(false);
    expect(Object.values(source).some((v) => v.includes('${file:'))).toBe(false);
  });

  it('producer.override.* points the worker producer at the target on the source and checkpoint connectors', () => {
    for (const c of set.filter((x) => x.kind !== 'heartbeat')) {
      expect(c.config['producer.override.bootstrap.servers']).toBe('10.0.1.1:9093');
      expect(c.config['producer.override.security.protocol']).toBe('SASL_SSL');
      expect(c.config['producer.override.sasl.mechanism']).toBe('SCRAM-SHA-512');
      expect(c.config['producer.override.sasl.jaas.config']).toBe(TARGET_JAAS);
      expect(c.config['producer.override.ssl.truststore.type']).toBe('PEM');
      expect(c.config['producer.override.ssl.truststore.certificates']).toBe(CA_PEM);
    }
  });

  it('TLS without a PEM CA (Kafka 3) uses SASL_SSL and the JVM truststore: no truststore keys', () => {
    const noCa = desired({}, { source: sourceCluster({ tlsEnabled: true }) });
    const cfg = byKind(noCa, 'source').config;
    expect(cfg['source.cluster.security.protocol']).toBe('SASL_SSL');
    expect(cfg).not.toHaveProperty('source.cluster.ssl.truststore.type');
    // A CA on a non-TLS cluster is not used.
    const ignored = byKind(desired({}, { source: sourceCluster({ tlsCaPem: CA_PEM }) }), 'source').config;
    expect(ignored).not.toHaveProperty('source.cluster.ssl.truststore.certificates');
  });

  it('internal-topic replication factors are -1 (broker default) and replication.factor comes from config', () => {
    expect(source['replication.factor']).toBe('-1');
    expect(source['offset-syncs.topic.replication.factor']).toBe('-1');
    expect(checkpoint['checkpoints.topic.replication.factor']).toBe('-1');
    expect(heartbeat['heartbeats.topic.replication.factor']).toBe('-1');
    expect(byKind(desired({ replicationFactor: 3 }), 'source').config['replication.factor']).toBe('3');
  });

  it('replication policy: Identity + .replica. separator, identical on all connectors', () => {
    for (const c of set) {
      expect(c.config['replication.policy.class']).toBe(IDENTITY_REPLICATION_POLICY);
      expect(c.config['replication.policy.separator']).toBe('.replica.');
    }
  });

  it('prefix_topics=true removes the replication.policy.class key (DefaultReplicationPolicy) everywhere', () => {
    for (const c of desired({ prefixTopics: true })) {
      expect(c.config).not.toHaveProperty('replication.policy.class');
      expect(c.config['replication.policy.separator']).toBe('.replica.');
    }
  });

  it('source and checkpoint share topics, topics.exclude, offset-syncs location and every common key', () => {
    const shared = [
      'topics',
      'topics.exclude',
      'offset-syncs.topic.location',
      'replication.policy.class',
      'replication.policy.separator',
      'source.cluster.alias',
      'target.cluster.alias',
    ];
    for (const key of shared) {
      expect(source[key]).toBeDefined();
      expect(checkpoint[key]).toBe(source[key]);
    }
    for (const overrides of [{ topics: ['a', 'b.*'] }, { offsetSyncsTopicLocation: 'source' as const }, { prefixTopics: true }]) {
      const s = desired(overrides);
      for (const key of ['topics', 'topics.exclude', 'offset-syncs.topic.location', 'replication.policy.class']) {
        expect(byKind(s, 'checkpoint').config[key]).toBe(byKind(s, 'source').config[key]);
      }
    }
  });

  it('topic filters: config topics; user excludes + internal + target replicas excluded', () => {
    expect(source.topics).toBe('.*');
    expect(splitList(source['topics.exclude'])).toEqual([
      'connect-configs',
      'connect-offsets',
      'connect-status',
      '.*[\\-\\.]internal',
      '__.*',
      'mm2-(offset-syncs|configs|offsets|status)\\..*',
      'kafka\\-b\\.replica\\..*',
    ]);
    expect(source['offset-syncs.topic.location']).toBe('target');
    // The effective exclude list is itself valid, portable regex.
    for (const item of splitList(source['topics.exclude'])) expect(javaRegexProblem(item)).toBeNull();
  });

  it('effective topic exclusions behave as intended on sample topic names (full match)', () => {
    const matches = (list: string, name: string): boolean => splitList(list).some((p) => new RegExp(`^(?:${p})$`).test(name));
    const excl = source['topics.exclude'];
    for (const name of [
      '__consumer_offsets',
      'kafka-a.checkpoints.internal',
      'mm2-offset-syncs.kafka-b.internal',
      'mm2-offset-syncs.replica.kafka-b.replica.internal',
      'kafka-b.replica.orders',
      'connect-offsets',
    ]) {
      expect(matches(excl, name)).toBe(true);
    }
    // The reference's over-broad '.*replica.*' / 'connect-.*' would have dropped these user topics.
    for (const name of ['orders', 'replica-audit', 'connect-events', 'kafka-a.replica.orders', 'kafka-bX.replica.x']) {
      expect(matches(excl, name)).toBe(false);
    }
  });

  it('topics_exclude="" still keeps the mandatory exclusions', () => {
    const s = byKind(desired({ topicsExclude: [] }), 'source').config;
    expect(splitList(s['topics.exclude'])).toEqual([
      '.*[\\-\\.]internal',
      '__.*',
      'mm2-(offset-syncs|configs|offsets|status)\\..*',
      'kafka\\-b\\.replica\\..*',
    ]);
  });

  it('groups filters on the checkpoint connector with __.* always excluded', () => {
    expect(checkpoint.groups).toBe('.*');
    expect(checkpoint['groups.exclude']).toBe('console-consumer-.*,__.*');
    expect(byKind(desired({ groups: ['app-.*'], groupsExclude: [] }), 'checkpoint').config['groups.exclude']).toBe('__.*');
    expect(byKind(desired({ groups: ['app-.*'] }), 'checkpoint').config.groups).toBe('app-.*');
    expect(source).not.toHaveProperty('groups');
  });

  it('intervals and toggles from config', () => {
    expect(source['refresh.topics.enabled']).toBe('true');
    expect(source['refresh.topics.interval.seconds']).toBe('60');
    expect(source['sync.topic.configs.enabled']).toBe('true');
    expect(source['sync.topic.configs.interval.seconds']).toBe('60');
    expect(source['sync.topic.acls.enabled']).toBe('false');
    expect(source).not.toHaveProperty('sync.topic.acls.interval.seconds');
    expect(checkpoint['emit.checkpoints.enabled']).toBe('true');
    expect(checkpoint['emit.checkpoints.interval.seconds']).toBe('30');
    expect(checkpoint['refresh.groups.enabled']).toBe('true');
    expect(checkpoint['refresh.groups.interval.seconds']).toBe('60');
    expect(checkpoint['sync.group.offsets.enabled']).toBe('true');
    expect(checkpoint['sync.group.offsets.interval.seconds']).toBe('30');

    const custom = desired({
      refreshTopicsIntervalSeconds: 300,
      refreshGroupsIntervalSeconds: 120,
      emitCheckpointsIntervalSeconds: 15,
      syncGroupOffsets: false,
      syncTopicConfigs: false,
      syncTopicAcls: true,
    });
    const s = byKind(custom, 'source').config;
    const c = byKind(custom, 'checkpoint').config;
    expect(s['refresh.topics.interval.seconds']).toBe('300');
    expect(s['sync.topic.configs.enabled']).toBe('false');
    expect(s).not.toHaveProperty('sync.topic.configs.interval.seconds');
    expect(s['sync.topic.acls.enabled']).toBe('true');
    expect(s['sync.topic.acls.interval.seconds']).toBe('300');
    expect(c['refresh.groups.interval.seconds']).toBe('120');
    expect(c['emit.checkpoints.interval.seconds']).toBe('15');
    expect(c['sync.group.offsets.enabled']).toBe('false');
    expect(c).not.toHaveProperty('sync.group.offsets.interval.seconds');
  });

  it('heartbeat connector only when enabled', () => {
    expect(heartbeat['emit.heartbeats.enabled']).toBe('true');
    const off = desired({ heartbeats: false });
    expect(off.map((c) => c.kind)).toEqual(['source', 'checkpoint']);
  });

  it('heartbeat connector has no topic/group filters', () => {
    for (const key of ['topics', 'topics.exclude', 'groups', 'offset-syncs.topic.location']) expect(heartbeat).not.toHaveProperty(key);
  });

  it('does not use the reference file provider or file truststore', () => {
    for (const c of set) {
      expect(c.config).not.toHaveProperty('config.providers');
      expect(Object.keys(c.config).some((k) => k.endsWith('truststore.location'))).toBe(false);
    }
  });

  it('is deterministic', () => {
    expect(desired()).toEqual(desired());
  });
});

describe('scramJaasConfig', () => {
  it('escapes quotes and backslashes so the JAAS parser reads the exact credential', () => {
    expect(scramJaasConfig('u"ser', 'p\\a"ss')).toBe(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="u\\"ser" password="p\\\\a\\"ss";',
    );
  });

  it('round-trips through a StreamTokenizer-style unquote', () => {
    const unquote = (s: string): string => s.replace(/\\(.)/g, '$1');
    for (const pw of ['plain', 'a"b', 'a\\b', '\\"', 'semi;colon', "it's"]) {
      const jaas = scramJaasConfig('u', pw);
      const m = /password="((?:[^"\\]|\\.)*)";$/.exec(jaas);
      expect(m).not.toBeNull();
      expect(unquote((m as RegExpExecArray)[1])).toBe(pw);
    }
  });
});

describe('buildMirrorFlow', () => {
  it('describes the flow for status and action output', () => {
    const flow = buildMirrorFlow(config(), sourceCluster(), targetCluster());
    expect(flow.sourceAlias).toBe('kafka-a');
    expect(flow.targetAlias).toBe('kafka-b');
    expect(flow.replicationPolicy).toBe('identity');
    expect(flow.groups).toBe('.*');
    expect(buildMirrorFlow(config({ prefixTopics: true }), sourceCluster(), targetCluster()).replicationPolicy).toBe('prefix');
  });

  it('escapes regex metacharacters of the target alias in the loop exclusion', () => {
    const flow = buildMirrorFlow(config({ topicsExclude: [] }), sourceCluster(), targetCluster({ alias: 'kafka-b2' }));
    expect(flow.topicsExclude.endsWith('kafka\\-b2\\.replica\\..*')).toBe(true);
  });
});
