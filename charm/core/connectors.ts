// The desired MirrorMaker 2 connector set: a pure function of charm config + relation views.
//
// Everything the source and checkpoint connectors must agree on (aliases, replication policy and
// separator, topic filters, offset-syncs location) is computed once in a MirrorFlow and copied
// into each connector, so the two cannot drift: MirrorMaker 2 translates consumer-group offsets
// only while both use the same policy, separator, offset-syncs location and filters, and a
// mismatch breaks the translation without any error.
// All values are strings, as Connect returns them, so a plan can diff with plain equality.

import type { KafkaClusterView } from './cluster';
import { BYTE_ARRAY_CONVERTER, type MirrorConfig } from './config';
import { jaasQuote } from './redact';

export type ConnectorKind = 'source' | 'checkpoint' | 'heartbeat';
export const CONNECTOR_KINDS: readonly ConnectorKind[] = ['source', 'checkpoint', 'heartbeat'];

export interface DesiredConnector {
  name: string;
  kind: ConnectorKind;
  config: Record<string, string>;
}

export const CONNECTOR_CLASS: Readonly<Record<ConnectorKind, string>> = {
  source: 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
  checkpoint: 'org.apache.kafka.connect.mirror.MirrorCheckpointConnector',
  heartbeat: 'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector',
};

export const IDENTITY_REPLICATION_POLICY = 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy';
/** The reference integrator's separator: prefixed topics are `<source alias>.replica.<topic>`. */
export const REPLICATION_SEPARATOR = '.replica.';
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';
/** -1 = the broker's default.replication.factor (KIP-464): works on a one-broker cluster. */
export const BROKER_DEFAULT_RF = '-1';

/** Always excluded from mirroring, whatever `topics_exclude` says. */
export const MANDATORY_TOPIC_EXCLUDES: readonly string[] = [
  // MirrorMaker's and Connect's internal topics (`*.checkpoints.internal`, `mm2-offset-syncs.….internal`, …).
  '.*[\\-\\.]internal',
  // Kafka's own internal topics (__consumer_offsets, __transaction_state, …).
  '__.*',
  // MirrorMaker internal topics, also under a custom separator or dedicated-mode names.
  'mm2-(offset-syncs|configs|offsets|status)\\..*',
];
/** Always excluded from group offset translation. */
export const MANDATORY_GROUP_EXCLUDES: readonly string[] = ['__.*'];

export interface DesiredConnectorsInput {
  config: MirrorConfig;
  source: KafkaClusterView;
  target: KafkaClusterView;
  appName: string;
  connectRelationId: number;
  modelUuid: string;
}

function uuidHex(modelUuid: string): string {
  const hex = modelUuid.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) {
    throw new TypeError(`model UUID '${modelUuid}' does not have 32 hex digits`);
  }
  return hex;
}

function checkRelationId(id: number): void {
  if (!Number.isInteger(id) || id < 0) throw new TypeError(`relation id ${id} is not a non-negative integer`);
}

/**
 * `mirror_<kind>_<app>_r<connect-client relation id>_<model uuid hex>`. The `r<id>_<32 hex>`
 * suffix is what the Kafka Connect charm's cleanup regex `.+?r<id>_[0-9a-f]{32}$` matches.
 */
export function connectorName(kind: ConnectorKind, appName: string, connectRelationId: number, modelUuid: string): string {
  checkRelationId(connectRelationId);
  return `mirror_${kind}_${appName}_r${connectRelationId}_${uuidHex(modelUuid)}`;
}

function escapeJavaRegex(text: string): string {
  // Backslash before every non-alphanumeric: valid and literal in java.util.regex.
  return text.replace(/[^A-Za-z0-9]/g, (ch) => `\\${ch}`);
}

/** Recognises exactly this charm's connectors for this Connect relation (never anyone else's). */
export function ownedConnectorPattern(appName: string, connectRelationId: number, modelUuid: string): RegExp {
  checkRelationId(connectRelationId);
  const app = appName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^mirror_(?:${CONNECTOR_KINDS.join('|')})_${app}_r${connectRelationId}_${uuidHex(modelUuid)}$`);
}

/** `ScramLoginModule required username="…" password="…";` with JAAS quoting of both values. */
export function scramJaasConfig(username: string, password: string): string {
  return (
    'org.apache.kafka.common.security.scram.ScramLoginModule required ' +
    `username="${jaasQuote(username)}" password="${jaasQuote(password)}";`
  );
}

/** Client security settings for one cluster, under a key prefix. */
export function clusterClientConfig(prefix: string, cluster: KafkaClusterView): Record<string, string> {
  const out: Record<string, string> = {
    [`${prefix}bootstrap.servers`]: cluster.bootstrapServers.join(','),
    [`${prefix}security.protocol`]: cluster.tlsEnabled ? 'SASL_SSL' : 'SASL_PLAINTEXT',
    [`${prefix}sasl.mechanism`]: SCRAM_MECHANISM,
    [`${prefix}sasl.jaas.config`]: scramJaasConfig(cluster.username, cluster.password),
  };
  if (cluster.tlsEnabled && cluster.tlsCaPem !== undefined) {
    // Inline PEM truststore (Kafka ≥2.7): no file on the Connect units, no shared-CA assumption.
    out[`${prefix}ssl.truststore.type`] = 'PEM';
    out[`${prefix}ssl.truststore.certificates`] = cluster.tlsCaPem;
  }
  return out;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** One replication flow: the single source of every key that must be identical across connectors. */
export interface MirrorFlow {
  sourceAlias: string;
  targetAlias: string;
  /** Effective `topics`, `topics.exclude`, `groups`, `groups.exclude` as sent (comma-joined). */
  topics: string;
  topicsExclude: string;
  groups: string;
  groupsExclude: string;
  /** `identity` keeps names; `prefix` names remote topics `<source alias>.replica.<topic>`. */
  replicationPolicy: 'identity' | 'prefix';
  /** Keys every connector of the flow carries. */
  common: Record<string, string>;
  /** Keys the source and checkpoint connectors must share for offset translation to work. */
  offsetTranslation: Record<string, string>;
}

export function buildMirrorFlow(config: MirrorConfig, source: KafkaClusterView, target: KafkaClusterView): MirrorFlow {
  const topics = config.topics.join(',');
  // Loop safety: never mirror back what was mirrored from the target (active–active with prefixes).
  const targetReplicas = `${escapeJavaRegex(target.alias)}${escapeJavaRegex(REPLICATION_SEPARATOR)}.*`;
  const topicsExclude = unique([...config.topicsExclude, ...MANDATORY_TOPIC_EXCLUDES, targetReplicas]).join(',');
  const groups = config.groups.join(',');
  const groupsExclude = unique([...config.groupsExclude, ...MANDATORY_GROUP_EXCLUDES]).join(',');

  const common = pairConfig(config, source, target, source, target);

  const offsetTranslation: Record<string, string> = {
    topics,
    'topics.exclude': topicsExclude,
    'offset-syncs.topic.location': config.offsetSyncsTopicLocation,
  };
  return {
    sourceAlias: source.alias,
    targetAlias: target.alias,
    topics,
    topicsExclude,
    groups,
    groupsExclude,
    replicationPolicy: config.prefixTopics ? 'prefix' : 'identity',
    common,
    offsetTranslation,
  };
}

/** The connectors this charm wants on Connect: source + checkpoint, plus heartbeat when enabled. */
export function desiredConnectors(input: DesiredConnectorsInput): DesiredConnector[] {
  const { config, source, target, appName, connectRelationId, modelUuid } = input;
  const flow = buildMirrorFlow(config, source, target);
  const name = (kind: ConnectorKind): string => connectorName(kind, appName, connectRelationId, modelUuid);
  const s = (n: number): string => String(n);

  const sourceConfig: Record<string, string> = {
    'connector.class': CONNECTOR_CLASS.source,
    'tasks.max': s(config.tasksMax),
    ...flow.common,
    ...flow.offsetTranslation,
    'replication.factor': s(config.replicationFactor),
    'offset-syncs.topic.replication.factor': BROKER_DEFAULT_RF,
    'refresh.topics.enabled': 'true',
    'refresh.topics.interval.seconds': s(config.refreshTopicsIntervalSeconds),
    'sync.topic.configs.enabled': String(config.syncTopicConfigs),
    'sync.topic.acls.enabled': String(config.syncTopicAcls),
  };
  // Topic configs change rarely; checking them as often as the topic list is plenty.
  if (config.syncTopicConfigs) sourceConfig['sync.topic.configs.interval.seconds'] = s(config.refreshTopicsIntervalSeconds);
  if (config.syncTopicAcls) sourceConfig['sync.topic.acls.interval.seconds'] = s(config.refreshTopicsIntervalSeconds);

  const checkpointConfig: Record<string, string> = {
    'connector.class': CONNECTOR_CLASS.checkpoint,
    'tasks.max': s(config.tasksMax),
    ...flow.common,
    ...flow.offsetTranslation,
    groups: flow.groups,
    'groups.exclude': flow.groupsExclude,
    'checkpoints.topic.replication.factor': BROKER_DEFAULT_RF,
    // MirrorCheckpointConnector refuses to start with checkpoints disabled.
    'emit.checkpoints.enabled': 'true',
    'emit.checkpoints.interval.seconds': s(config.emitCheckpointsIntervalSeconds),
    'refresh.groups.enabled': 'true',
    'refresh.groups.interval.seconds': s(config.refreshGroupsIntervalSeconds),
    'sync.group.offsets.enabled': String(config.syncGroupOffsets),
  };
  if (config.syncGroupOffsets) {
    checkpointConfig['sync.group.offsets.interval.seconds'] = s(config.syncGroupOffsetsIntervalSeconds);
  }

  const out: DesiredConnector[] = [
    { name: name('source'), kind: 'source', config: sourceConfig },
    { name: name('checkpoint'), kind: 'checkpoint', config: checkpointConfig },
  ];
  if (config.heartbeats) {
    out.push({ name: name('heartbeat'), kind: 'heartbeat', config: heartbeatConnectorConfig(config, source, target) });
  }
  return out;
}

/** MirrorMaker's `emit.heartbeats.interval.seconds` default, set explicitly: the health check derives its bounds from it. */
export const HEARTBEAT_INTERVAL_SECONDS = 1;
/** The heartbeats topic MirrorMaker's heartbeat connector writes (ReplicationPolicy.heartbeatsTopic(), both policies). */
export const HEARTBEATS_TOPIC = 'heartbeats';

/**
 * The heartbeat connector in MirrorMaker's own direction: for the flow source → target it runs
 * as the reverse pair (target → source, as `MirrorMakerConfig.clusterPairs()` does in dedicated
 * mode) and emits into the SOURCE cluster (producer override and target.cluster.* = source). The
 * flow's source connector then carries the `heartbeats` topic over, so a fresh heartbeat on the
 * target proves that records cross source → target, not merely that Connect can write somewhere.
 */
export function heartbeatConnectorConfig(config: MirrorConfig, source: KafkaClusterView, target: KafkaClusterView): Record<string, string> {
  return {
    'connector.class': CONNECTOR_CLASS.heartbeat,
    // The heartbeat connector always runs exactly one task.
    'tasks.max': '1',
    // Reverse pair: the heartbeat records say "from <target> to <source>", and the heartbeats
    // topic is created on, and written to, the source cluster.
    ...pairConfig(config, source, target, target, source),
    'emit.heartbeats.enabled': 'true',
    'emit.heartbeats.interval.seconds': String(HEARTBEAT_INTERVAL_SECONDS),
    'heartbeats.topic.replication.factor': BROKER_DEFAULT_RF,
  };
}

/**
 * The keys every connector of the flow's cluster pair carries, for one that reads `from` and
 * writes `to` (the flow's own direction, or its reverse for the heartbeat connector). `clusters`
 * always lists the flow as source,target.
 */
function pairConfig(
  config: MirrorConfig,
  source: KafkaClusterView,
  target: KafkaClusterView,
  from: KafkaClusterView,
  to: KafkaClusterView,
): Record<string, string> {
  const out: Record<string, string> = {
    'key.converter': config.keyConverter,
    'value.converter': config.valueConverter,
    // Byte headers would be mangled by Connect's default SimpleHeaderConverter.
    'header.converter': BYTE_ARRAY_CONVERTER,
    clusters: `${source.alias},${target.alias}`,
    'source.cluster.alias': from.alias,
    'target.cluster.alias': to.alias,
    'replication.policy.separator': REPLICATION_SEPARATOR,
    ...clusterClientConfig('source.cluster.', from),
    ...clusterClientConfig('target.cluster.', to),
    // All MM2 connectors are source connectors: records go through the worker's producer, which
    // would otherwise write to the Kafka cluster behind Connect. Point it at the cluster written.
    ...clusterClientConfig('producer.override.', to),
  };
  if (!config.prefixTopics) out['replication.policy.class'] = IDENTITY_REPLICATION_POLICY;
  return out;
}

/**
 * The name under which the source's heartbeats arrive on the target. MirrorSourceConnector always
 * replicates heartbeats topics, and both policies prefix them: IdentityReplicationPolicy keeps
 * every other name but formats heartbeats like DefaultReplicationPolicy (`<alias><separator>heartbeats`).
 */
export function remoteHeartbeatsTopic(sourceAlias: string): string {
  return `${sourceAlias}${REPLICATION_SEPARATOR}${HEARTBEATS_TOPIC}`;
}

/** The target topic a source topic is mirrored to, under the flow's policy. */
export function remoteTopicName(flow: Pick<MirrorFlow, 'sourceAlias' | 'replicationPolicy'>, sourceTopic: string): string {
  if (sourceTopic === HEARTBEATS_TOPIC) return remoteHeartbeatsTopic(flow.sourceAlias);
  return flow.replicationPolicy === 'identity' ? sourceTopic : `${flow.sourceAlias}${REPLICATION_SEPARATOR}${sourceTopic}`;
}
