// The replication health check (leader only): on update-status (the periodic check) and in the
// status action. It measures with the charm's own Kafka clients (charm/managers/kafka-admin.ts,
// loaded here and nowhere else) and Connect's offsets API, bounded by health_check_budget_seconds,
// and judges with charm/core/health.ts. Other hooks show the last verdict kept in peer app data.
import type { HookEvent, Logger, Model } from '../../lib/ops';
import {
  assessHealth,
  clientRefusal,
  HEARTBEATS_TOPIC,
  parseAssignedPartitions,
  remoteHeartbeatsTopic,
  remoteTopicName,
  replicatedPositions,
  totalLag,
  type Assessment,
  type CharmStatus,
  type HealthSample,
  type KafkaClusterView,
  type PartitionHealth,
  type ProbeFailure,
} from '../core';
import type { KafkaAdminPort, KafkaAdminSpec } from '../managers/kafka-admin';
import { ConnectApiError } from '../managers/connect-errors';
import type { ConnectorOffset } from '../managers/connect-types';
import type { Reconciler } from './reconciler';
import { carriedRecord } from './offsets-carry';
import { runtime } from './runtime';

export type AdminFactory = (spec: KafkaAdminSpec, deadline: () => number, secrets: readonly string[]) => KafkaAdminPort;

/** The real factory: requires the Kafka client module only when called. */
export const kafkaAdminFactory: AdminFactory = (spec, deadline, secrets) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KafkaAdmin } = require('../managers/kafka-admin') as typeof import('../managers/kafka-admin');
  return new KafkaAdmin(spec, deadline, secrets, runtime.now);
};

/**
 * Process-wide knobs (a hook is one process): tests replace the factory (jest cannot load the
 * ESM-only client) and switch the periodic check off where they count a steady state's calls.
 */
export const healthRuntime: { adminFactory: AdminFactory; periodic: boolean } = { adminFactory: kafkaAdminFactory, periodic: true };

export interface GroupReport {
  state: string;
  members: number;
  /** `topic:partition` → offset committed on the source / translated on the target. */
  source: Map<string, number>;
  target: Map<string, number>;
}

export interface HealthReport {
  sample: HealthSample;
  assessment: Assessment;
  groups?: Map<string, GroupReport>;
  groupsError?: string;
  /** The source connector's raw committed offsets (for the carry-over on re-creation). */
  sourceOffsets?: ConnectorOffset[];
}

function spec(view: KafkaClusterView): KafkaAdminSpec {
  return {
    alias: view.alias,
    bootstrapServers: view.bootstrapServers,
    username: view.username,
    password: view.password,
    tlsEnabled: view.tlsEnabled,
    ...(view.tlsCaPem !== undefined ? { tlsCaPem: view.tlsCaPem } : {}),
  };
}

function failureOf(cluster: ProbeFailure['cluster'], alias: string, e: unknown): ProbeFailure {
  const err = e as { kind?: string; message?: string };
  const kind = (['auth', 'tls', 'unreachable', 'timeout', 'other'] as const).find((k) => k === err.kind) ?? 'other';
  return { cluster, alias, kind, message: typeof err.message === 'string' ? err.message : String(e) };
}

export class HealthCheck {
  /** This dispatch's report, when it measured. */
  report: HealthReport | undefined;

  constructor(
    private readonly model: Model,
    private readonly reconciler: Reconciler,
    private readonly logger: Logger,
  ) {}

  /** observeAll handler registered after the reconcile: the periodic check on the leader's update-status. */
  readonly onHook = async (event: HookEvent): Promise<void> => {
    if (event.source.key !== 'update-status' || !healthRuntime.periodic || !this.model.unit.isLeader()) return;
    if (this.shouldProbeClients()) {
      await this.probeClients();
      return;
    }
    if (!this.shouldMeasure()) return;
    try {
      await this.measure({ groups: false });
    } catch (e) {
      // The health check must never fail the hook: the connectors keep running regardless.
      const why = this.model.redact(e instanceof Error ? e.message : String(e));
      this.logger.warning(`replication health check failed: ${why}`);
      this.report = undefined;
      this.failed = {
        name: 'waiting',
        message: `replication not verified: the health check failed (${why.slice(0, 200)}); see the unit log`,
      };
    }
  };

  private failed: CharmStatus | undefined;
  /** This dispatch's credentials/TLS refusal found behind a transient Connect state. */
  private refusal: CharmStatus | undefined;

  /** The connector-level status this dispatch, when the check is on and the flow not paused by the operator. */
  private checkedBase(): CharmStatus | undefined {
    if ((this.reconciler.inputs().config?.healthCheckBudgetSeconds ?? 0) === 0 || this.reconciler.peer.paused) return undefined;
    return this.reconciler.status();
  }

  /** Connect is reassigning work: measuring lag means nothing yet, but a refused client is the cause. */
  shouldProbeClients(): boolean {
    return this.checkedBase()?.transient === true;
  }

  /** Asks both clusters for their metadata with the relation credentials; keeps no health memory. */
  async probeClients(): Promise<void> {
    const inputs = this.reconciler.inputs();
    const s = inputs.relations.source;
    const t = inputs.relations.target;
    const config = inputs.config;
    if (s.state !== 'ready' || t.state !== 'ready' || !config) return;
    const deadlineAt = runtime.now() + config.healthCheckBudgetSeconds * 1000;
    const factory = healthRuntime.adminFactory;
    const failures: ProbeFailure[] = [];
    const clients = [
      { cluster: 'source' as const, view: s.view },
      { cluster: 'target' as const, view: t.view },
    ].map((c) => ({ ...c, admin: factory(spec(c.view), () => deadlineAt, inputs.knownSecrets) }));
    try {
      await Promise.all(clients.map((c) => c.admin.brokerCount().catch((e) => void failures.push(failureOf(c.cluster, c.view.alias, e)))));
    } finally {
      await Promise.all(clients.map((c) => c.admin.close()));
    }
    const refused = clientRefusal(failures);
    this.refusal = refused && { name: refused.name, message: this.model.redact(refused.message) };
  }

  /** Only when the connectors are RUNNING as intended: other states already have their status. */
  shouldMeasure(): boolean {
    return this.checkedBase()?.name === 'active';
  }

  /** The flow's identity for the health memory: the connector set. */
  private flowKey(): string {
    return (this.reconciler.inputs().desired ?? [])
      .map((d) => d.name)
      .sort()
      .join(',');
  }

  /** Combines the connector-level status with the health verdict (this dispatch's, else the last kept one). */
  combine(base: CharmStatus): CharmStatus {
    if (base.transient) return this.refusal ?? base;
    if (base.name !== 'active' || this.reconciler.peer.paused) return base;
    if (this.reconciler.inputs().config?.healthCheckBudgetSeconds === 0) return base;
    if (this.report) return this.report.assessment.status;
    if (this.failed) return this.failed;
    const memory = this.reconciler.peer.healthMemory;
    if (memory?.verdict && memory.flow === this.flowKey()) return memory.verdict;
    // Not measured yet for this connector set: the connector-level summary until the next update-status.
    return base;
  }

  async measure(opts: { groups: boolean }): Promise<HealthReport | undefined> {
    const inputs = this.reconciler.inputs();
    const s = inputs.relations.source;
    const t = inputs.relations.target;
    const flow = inputs.flow;
    const config = inputs.config;
    const view = this.reconciler.connectView();
    const sourceConnector = (inputs.desired ?? []).find((d) => d.kind === 'source');
    if (s.state !== 'ready' || t.state !== 'ready' || !flow || !config || !view || !sourceConnector) return undefined;
    const started = runtime.now();
    const deadlineAt = started + config.healthCheckBudgetSeconds * 1000;
    const deadline = () => deadlineAt;
    const secrets = inputs.knownSecrets;
    const failures: ProbeFailure[] = [];
    const traces: string[] = [];

    // Connect: what MirrorMaker assigned and what it committed.
    let assigned: { topic: string; partition: number }[] = [];
    let replicated = new Map<string, number>();
    let offsetsApi = true;
    let sourceOffsets: ConnectorOffset[] | undefined;
    const session = this.reconciler.openSession(view);
    try {
      const bounded = <T>(p: Promise<T>): Promise<T> =>
        Promise.race([
          p,
          new Promise<never>((_, rej) =>
            setTimeout(
              () => rej(new Error('Kafka Connect did not answer within the health budget')),
              Math.max(1, deadlineAt - runtime.now()),
            ).unref(),
          ),
        ]);
      const tasks = await bounded(session.client.connectorTasks(sourceConnector.name));
      assigned = tasks.flatMap((task) => parseAssignedPartitions(task.config['task.assigned.partitions']));
      const offsets = await bounded(session.client.connectorOffsets(sourceConnector.name));
      if (offsets.supported) {
        sourceOffsets = offsets.offsets;
        replicated = replicatedPositions(offsets.offsets, flow.sourceAlias);
      } else {
        offsetsApi = false;
        traces.push(offsets.message);
      }
    } catch (e) {
      failures.push(failureOf('connect', 'Kafka Connect', e instanceof ConnectApiError ? { kind: 'other', message: e.message } : e));
    } finally {
      session.close();
    }

    const factory = healthRuntime.adminFactory;
    const source = factory(spec(s.view), deadline, secrets);
    const target = factory(spec(t.view), deadline, secrets);
    const heartbeatTopic = remoteHeartbeatsTopic(flow.sourceAlias);
    // The heartbeats topic is produced to every second and committed every offset flush: it always
    // "lags" a little and proves liveness through its age instead; lag counts the data topics.
    const partitions: PartitionHealth[] = assigned
      .filter((p) => p.topic !== HEARTBEATS_TOPIC)
      .map((p) => ({
        topic: p.topic,
        partition: p.partition,
        remoteTopic: remoteTopicName(flow, p.topic),
        sourceEnd: undefined,
        replicated: replicated.get(`${p.topic}:${p.partition}`) ?? (offsetsApi ? 0 : undefined),
        lag: undefined,
      }));
    let missingTopics: HealthSample['missingTopics'] = [];
    let targetBrokers: number | undefined;
    let heartbeat: HealthSample['heartbeat'] = config.heartbeats
      ? { enabled: true, topic: heartbeatTopic, present: false, newestAt: undefined }
      : { enabled: false };
    let groups: Map<string, GroupReport> | undefined;
    let groupsError: string | undefined;
    try {
      const sourceSide = (async () => {
        // Always talk to the source: its answer (or refusal) is the check of the credentials the
        // connectors use, even while their tasks are being reassigned.
        const ends = assigned.length > 0 ? await source.endOffsets(assigned) : (await source.brokerCount(), new Map<string, number>());
        for (const p of partitions) {
          p.sourceEnd = ends.get(`${p.topic}:${p.partition}`);
          if (p.sourceEnd !== undefined && p.replicated !== undefined) p.lag = Math.max(0, p.sourceEnd - p.replicated);
        }
      })().catch((e) => void failures.push(failureOf('source', s.view.alias, e)));
      const targetSide = (async () => {
        const topics = await target.topicPartitions();
        const wanted = new Map<string, string>();
        for (const p of partitions) wanted.set(p.topic, p.remoteTopic);
        missingTopics = [...wanted]
          .filter(([, remote]) => !topics.has(remote))
          .map(([topic, remoteTopic]) => ({ topic, remoteTopic }))
          .sort((a, b) => a.remoteTopic.localeCompare(b.remoteTopic));
        if (missingTopics.length > 0) targetBrokers = await target.brokerCount();
        if (config.heartbeats) {
          const n = topics.get(heartbeatTopic);
          heartbeat = {
            enabled: true,
            topic: heartbeatTopic,
            present: n !== undefined,
            newestAt: n !== undefined ? await target.newestTimestamp(heartbeatTopic, n) : undefined,
          };
        }
      })().catch((e) => void failures.push(failureOf('target', t.view.alias, e)));
      await Promise.all([sourceSide, targetSide]);
      if (opts.groups && failures.length === 0) {
        try {
          groups = await this.groupOffsets(source, target, partitions);
        } catch (e) {
          groupsError = failureOf('target', t.view.alias, e).message;
        }
      }
    } finally {
      await Promise.all([source.close(), target.close()]);
    }

    const sample: HealthSample = {
      at: runtime.now(),
      partitions,
      missingTopics,
      targetBrokers,
      heartbeat,
      failures,
      offsetsApi,
      traces,
      ...(assigned.length === 0 && !failures.some((f) => f.cluster === 'connect') ? { unassigned: true } : {}),
    };
    const assessment = assessHealth({
      sample,
      previous: this.reconciler.peer.healthMemory,
      flowKey: this.flowKey(),
      flowLabel: `${flow.sourceAlias} → ${flow.targetAlias}`,
      sourceAlias: flow.sourceAlias,
      targetAlias: flow.targetAlias,
      intervals: {
        refreshTopicsIntervalSeconds: config.refreshTopicsIntervalSeconds,
        replicationFactor: config.replicationFactor,
        heartbeats: config.heartbeats,
      },
      knownSecrets: secrets,
    });
    this.reconciler.peer.healthMemory = assessment.memory;
    if (sourceOffsets && sourceOffsets.length > 0)
      this.reconciler.peer.sourceOffsetsRaw = carriedRecord(flow.sourceAlias, sourceConnector.name, sourceOffsets);
    const lag = totalLag(sample);
    this.logger.debug(
      `health check in ${runtime.now() - started} ms: ${partitions.length} partition(s), lag ${lag ?? 'unknown'}, ` +
        `${failures.length} failure(s), verdict ${assessment.status.name}`,
    );
    this.report = {
      sample,
      assessment,
      ...(groups ? { groups } : {}),
      ...(groupsError ? { groupsError } : {}),
      ...(sourceOffsets ? { sourceOffsets } : {}),
    };
    return this.report;
  }

  /** Per consumer group on the source (in the partitions in scope): committed there vs translated on the target. */
  private async groupOffsets(
    source: KafkaAdminPort,
    target: KafkaAdminPort,
    partitions: readonly PartitionHealth[],
  ): Promise<Map<string, GroupReport>> {
    const inScope = new Map(partitions.map((p) => [`${p.topic}:${p.partition}`, `${p.remoteTopic}:${p.partition}`]));
    const names = (await source.listGroups()).filter((g) => !g.startsWith('__'));
    const out = new Map<string, GroupReport>();
    if (names.length === 0) return out;
    const [src, tgt, states] = await Promise.all([
      source.groupOffsets(names),
      target.groupOffsets(names),
      target.groupStates(names).catch(() => new Map<string, { state: string; members: number }>()),
    ]);
    for (const g of names) {
      const s = new Map<string, number>();
      const t = new Map<string, number>();
      for (const [key, off] of src.get(g) ?? []) {
        if (!inScope.has(key)) continue;
        s.set(key, off);
        const remote = tgt.get(g)?.get(inScope.get(key)!);
        if (remote !== undefined) t.set(key, remote);
      }
      if (s.size === 0) continue;
      const st = states.get(g);
      out.set(g, { state: st?.state ?? 'unknown', members: st?.members ?? 0, source: s, target: t });
    }
    return out;
  }
}
