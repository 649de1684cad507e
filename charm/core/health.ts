// Replication health: does data really cross? Pure (no I/O): the measurement comes from
// charm/events/health-check.ts (the charm's own Kafka clients and Connect's offsets API).
//
// What is measured, per source partition in scope (the partitions MirrorMaker assigned to the
// source connector's tasks, `task.assigned.partitions`):
//   source end offset  – log end offset on the source cluster
//   replicated         – Connect's committed source offset for that partition + 1 (MirrorSourceTask
//                        commits the upstream offset of the last record it wrote); committed every
//                        offset.flush.interval.ms, so it trails the target by up to one interval
//   lag                – end − replicated
// and the age of the newest heartbeat on the target (`<source alias>.replica.heartbeats`, its
// record timestamp is the emission time on the source, so the age includes the replication delay).
//
// Verdict, in priority order (only when the connectors are RUNNING as intended):
//   blocked  – the charm's own client cannot authenticate to a cluster (the connectors use the same
//              credentials); topics in scope missing on the target with a replication factor above
//              the target's broker count; a stall (lag > 0 and no progress for STALL_BOUND, or the
//              newest heartbeat older than the heartbeat bound) — with the cause where one is found.
//   waiting  – a cluster unreachable or the budget spent (health not verified); missing topics
//              or the first heartbeat still within the start-up grace.
//   active   – `mirroring A → B: lag N records, heartbeat S s ago`.
import { HEARTBEAT_INTERVAL_SECONDS } from './connectors';
import { redactSecrets } from './redact';
import type { CharmStatus } from './status';

export interface PartitionHealth {
  topic: string;
  partition: number;
  /** The topic's name on the target. */
  remoteTopic: string;
  sourceEnd: number | undefined;
  replicated: number | undefined;
  lag: number | undefined;
}

export interface ProbeFailure {
  cluster: 'source' | 'target' | 'connect';
  alias: string;
  kind: 'auth' | 'tls' | 'unreachable' | 'timeout' | 'unsupported' | 'other';
  message: string;
}

export interface HealthSample {
  /** Epoch ms of the measurement. */
  at: number;
  partitions: PartitionHealth[];
  /** Source topics in scope whose remote topic does not exist on the target. */
  missingTopics: { topic: string; remoteTopic: string }[];
  targetBrokers: number | undefined;
  heartbeat: { enabled: false } | { enabled: true; topic: string; present: boolean; newestAt: number | undefined };
  failures: ProbeFailure[];
  /** Connect's GET /connectors/<name>/offsets (Kafka ≥ 3.5); false when it answered 404/405. */
  offsetsApi: boolean;
  /** First lines of FAILED task traces or worker problems seen while measuring. */
  traces: string[];
  /** The source connector's tasks have no partitions assigned (not even the heartbeats topic). */
  unassigned?: true;
}

/** Kept in peer app data between checks (leader changes included). */
export interface HealthMemory {
  version: 1;
  /** Connector set the memory belongs to (a new flow starts afresh). */
  flow: string;
  /** First check of this flow: start-up grace is counted from here. */
  since: number;
  /** Last check. */
  at: number;
  replicatedTotal: number;
  /** Last time the replicated total advanced or lag was 0. */
  progressAt: number;
  /** The verdict of the last check (shown by hooks that do not measure). */
  verdict?: CharmStatus;
}

export interface HealthIntervals {
  refreshTopicsIntervalSeconds: number;
  replicationFactor: number;
  heartbeats: boolean;
}

/** Connect's default offset.flush.interval.ms: replicated offsets advance at most this often. */
export const CONNECT_DEFAULT_OFFSET_FLUSH_MS = 60_000;

/**
 * No progress for this long while the source has unreplicated records is a stall: two offset
 * commits of a default worker plus one topic refresh (a new topic's first records).
 */
export function stallBoundMs(i: HealthIntervals): number {
  return 2 * CONNECT_DEFAULT_OFFSET_FLUSH_MS + i.refreshTopicsIntervalSeconds * 1000;
}

/**
 * A heartbeat older than this means nothing crosses: heartbeats are emitted every
 * HEARTBEAT_INTERVAL_SECONDS; allow ten missed ones plus 30 s of replication delay.
 */
export function heartbeatBoundMs(): number {
  return 10 * HEARTBEAT_INTERVAL_SECONDS * 1000 + 30_000;
}

/** Until this long after the first check, a missing remote topic or heartbeat is "not yet". */
export function startupGraceMs(i: HealthIntervals): number {
  return 2 * i.refreshTopicsIntervalSeconds * 1000 + 30_000;
}

export function totalLag(sample: HealthSample): number | undefined {
  let n = 0;
  for (const p of sample.partitions) {
    if (p.lag === undefined) return undefined;
    n += Math.max(0, p.lag);
  }
  return n;
}

function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

function list(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} (+${items.length - max} more)`;
}

export interface AssessInput {
  sample: HealthSample;
  previous: HealthMemory | undefined;
  flowKey: string;
  flowLabel: string;
  sourceAlias: string;
  targetAlias: string;
  intervals: HealthIntervals;
  knownSecrets: readonly string[];
}

export interface Assessment {
  status: CharmStatus;
  memory: HealthMemory;
}

/**
 * Blocked when a cluster refuses the charm's own client (credentials or TLS): the connectors use the
 * same credentials and CA, so this is the cause whatever state Connect shows. Undefined otherwise.
 */
export function clientRefusal(failures: readonly ProbeFailure[]): CharmStatus | undefined {
  const auth = failures.find((f) => f.kind === 'auth');
  if (auth) {
    return {
      name: 'blocked',
      message: `replication stalled: ${auth.alias} rejects the ${auth.cluster} relation's credentials (${auth.message}); the connectors use the same ones — fix the user/password on the ${auth.cluster} relation`,
    };
  }
  const tls = failures.find((f) => f.kind === 'tls');
  if (tls) {
    return {
      name: 'blocked',
      message: `cannot verify TLS to ${tls.alias} (${tls.message}): check the CA on the ${tls.cluster} relation`,
    };
  }
  return undefined;
}

export function assessHealth(input: AssessInput): Assessment {
  const { sample, flowLabel, intervals } = input;
  const r = (t: string): string => redactSecrets(t, input.knownSecrets);
  const prev = input.previous && input.previous.flow === input.flowKey ? input.previous : undefined;
  const since = prev?.since ?? sample.at;
  const inGrace = sample.at - since < startupGraceMs(intervals);
  const lag = totalLag(sample);
  const replicatedTotal = sample.partitions.reduce((n, p) => n + (p.replicated ?? 0), 0);
  const progressed = prev === undefined || replicatedTotal !== prev.replicatedTotal || lag === 0;
  const progressAt = progressed ? sample.at : prev.progressAt;
  const done = (status: CharmStatus): Assessment => {
    const s = { name: status.name, message: r(status.message) };
    return { status: s, memory: { version: 1, flow: input.flowKey, since, at: sample.at, replicatedTotal, progressAt, verdict: s } };
  };
  const traceNote = sample.traces.length > 0 ? `; Connect reports: ${sample.traces[0]}` : '';

  // 1. The charm's own clients.
  const refused = clientRefusal(sample.failures);
  if (refused) return done(refused);
  const down = sample.failures.find(
    (f) => f.cluster !== 'connect' && (f.kind === 'unreachable' || f.kind === 'timeout' || f.kind === 'other'),
  );
  if (down) {
    return done({
      name: 'waiting',
      message: `replication not verified: ${down.message}${traceNote}; check that ${down.alias} is up and reachable from this unit`,
    });
  }

  if (sample.unassigned) {
    return done({
      name: 'waiting',
      message: `waiting for MirrorMaker to assign source partitions to its tasks (reconfiguring)${traceNote}`,
    });
  }

  // 2. Topics in scope that never reached the target.
  if (sample.missingTopics.length > 0) {
    const names = list(sample.missingTopics.map((t) => t.remoteTopic));
    const brokers = sample.targetBrokers;
    if (brokers !== undefined && intervals.replicationFactor > brokers) {
      return done({
        name: 'blocked',
        message: `not on ${input.targetAlias}: ${names} — replication_factor=${intervals.replicationFactor} is above ${input.targetAlias}'s ${brokers} broker(s); set replication_factor=-1 (broker default) or at most ${brokers}`,
      });
    }
    if (!inGrace) {
      return done({
        name: 'blocked',
        message: `not on ${input.targetAlias}: ${names}; MirrorMaker could not create them${traceNote || ' (see the Connect worker log)'}; check the target user's permissions and topic limits`,
      });
    }
    return done({
      name: 'waiting',
      message: `waiting for MirrorMaker to create ${names} on ${input.targetAlias} (topics are picked up every ${intervals.refreshTopicsIntervalSeconds} s)`,
    });
  }

  // 3. Progress.
  const lagText = lag === undefined ? 'lag unknown' : `lag ${lag} record${lag === 1 ? '' : 's'}`;
  if (lag !== undefined && lag > 0 && sample.at - progressAt >= stallBoundMs(intervals)) {
    return done({
      name: 'blocked',
      message: `replication stalled: ${lagText} and nothing replicated for ${seconds(sample.at - progressAt)}${traceNote}; check the Connect worker log, then run the restart action`,
    });
  }

  // 4. Heartbeats.
  const hb = sample.heartbeat;
  let hbText: string;
  if (!hb.enabled) {
    hbText = 'heartbeats off: liveness from lag alone';
  } else if (!hb.present || hb.newestAt === undefined) {
    if (inGrace) return done({ name: 'waiting', message: `waiting for the first heartbeat on ${input.targetAlias} (${lagText})` });
    return done({
      name: 'blocked',
      message: `replication stalled: no heartbeat has reached ${input.targetAlias} (${hb.topic})${traceNote}; check the heartbeat and source connectors, then run the restart action`,
    });
  } else {
    const age = sample.at - hb.newestAt;
    if (age > heartbeatBoundMs()) {
      return done({
        name: 'blocked',
        message: `replication stalled: newest heartbeat on ${input.targetAlias} is ${seconds(age)} old (bound ${seconds(heartbeatBoundMs())}), ${lagText}${traceNote}; check the Connect worker log, then run the restart action`,
      });
    }
    hbText = `heartbeat ${seconds(age)} ago`;
  }
  const offsetsNote = sample.offsetsApi ? '' : '; Connect has no offsets API (Kafka < 3.5): lag unknown';
  return done({ name: 'active', message: `mirroring ${flowLabel}: ${lagText}, ${hbText}${offsetsNote}` });
}

/** `topic-partition` items of MirrorSourceConnector's `task.assigned.partitions` (topic names may contain '-'). */
export function parseAssignedPartitions(value: string | undefined): { topic: string; partition: number }[] {
  if (!value) return [];
  const out: { topic: string; partition: number }[] = [];
  for (const item of value.split(',')) {
    const m = /^(.+)-(\d+)$/.exec(item.trim());
    if (m) out.push({ topic: m[1]!, partition: Number(m[2]) });
  }
  return out;
}

/** Connect's source offsets of a MirrorSourceConnector → `topic:partition` → next offset to replicate. */
export function replicatedPositions(
  offsets: readonly { partition: Record<string, unknown>; offset: Record<string, unknown> | null }[],
  sourceAlias: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of offsets) {
    const { cluster, topic, partition } = o.partition;
    const off = o.offset?.['offset'];
    if (cluster !== sourceAlias || typeof topic !== 'string' || typeof partition !== 'number' || typeof off !== 'number') continue;
    out.set(`${topic}:${partition}`, off + 1);
  }
  return out;
}

export function parseHealthMemory(raw: string | undefined): HealthMemory | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<HealthMemory>;
    if (v.version !== 1 || typeof v.flow !== 'string' || typeof v.since !== 'number' || typeof v.at !== 'number') return undefined;
    if (typeof v.replicatedTotal !== 'number' || typeof v.progressAt !== 'number') return undefined;
    return v as HealthMemory;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// `status` action: the measurement, under Juju action-result keys (lowercase, digits, hyphens).
// Topic and group names are values, never keys (they may hold dots, underscores, capitals).

type ResultValue = string | { [key: string]: ResultValue };

export interface GroupOffsetsView {
  group: string;
  state: string;
  members: number;
  /** Per source partition: offset committed on the source and the translated one on the target. */
  partitions: { topic: string; partition: number; remoteTopic: string; source: number; target: number | undefined }[];
}

export function healthActionResult(
  sample: HealthSample,
  verdict: CharmStatus,
  groups: readonly GroupOffsetsView[] | undefined,
  groupsNote: string | undefined,
  knownSecrets: readonly string[],
): { [key: string]: ResultValue } {
  const r = (t: string): string => redactSecrets(t, knownSecrets);
  const lag = totalLag(sample);
  const out: { [key: string]: ResultValue } = {
    verdict: r(`${verdict.name}: ${verdict.message}`),
    'measured-at': new Date(sample.at).toISOString(),
    'total-lag': lag === undefined ? 'unknown' : String(lag),
    'offsets-api': sample.offsetsApi ? 'available' : 'not available (Kafka Connect < 3.5): lag unknown',
  };
  const hb = sample.heartbeat;
  out.heartbeat = !hb.enabled
    ? { enabled: 'false', note: 'heartbeats off: liveness from lag alone' }
    : {
        enabled: 'true',
        topic: r(hb.topic),
        age: hb.newestAt === undefined ? 'none received yet' : `${Math.max(0, Math.round((sample.at - hb.newestAt) / 1000))} s`,
        'age-bound': `${Math.round(heartbeatBoundMs() / 1000)} s`,
      };
  const byTopic = new Map<string, PartitionHealth[]>();
  for (const p of sample.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  const topics: { [key: string]: ResultValue } = {};
  [...byTopic.keys()].sort().forEach((name, i) => {
    const parts: { [key: string]: ResultValue } = {};
    for (const p of byTopic.get(name)!.sort((a, b) => a.partition - b.partition)) {
      parts[`partition-${p.partition}`] = {
        'source-end-offset': p.sourceEnd === undefined ? 'unknown' : String(p.sourceEnd),
        'replicated-offset': p.replicated === undefined ? 'unknown' : String(p.replicated),
        lag: p.lag === undefined ? 'unknown' : String(p.lag),
      };
    }
    topics[`topic-${i}`] = { name: r(name), 'target-name': r(byTopic.get(name)![0]!.remoteTopic), partitions: parts };
  });
  out.topics = Object.keys(topics).length > 0 ? topics : { note: 'no source partitions assigned to the source connector yet' };
  if (sample.missingTopics.length > 0) out['missing-on-target'] = r(sample.missingTopics.map((t) => t.remoteTopic).join(','));
  if (sample.failures.length > 0) {
    const f: { [key: string]: ResultValue } = {};
    sample.failures.forEach((x, i) => (f[`failure-${i}`] = { cluster: x.cluster, kind: x.kind, message: r(x.message) }));
    out.failures = f;
  }
  if (groups !== undefined) {
    const g: { [key: string]: ResultValue } = {};
    groups.forEach((grp, i) => {
      const parts: { [key: string]: ResultValue } = {};
      grp.partitions.forEach((p, j) => {
        parts[`offset-${j}`] = {
          topic: r(p.topic),
          'target-topic': r(p.remoteTopic),
          partition: String(p.partition),
          'source-committed': String(p.source),
          'target-translated': p.target === undefined ? 'not translated yet' : String(p.target),
        };
      });
      g[`group-${i}`] = { name: r(grp.group), 'target-state': r(grp.state), 'target-members': String(grp.members), offsets: parts };
    });
    out['consumer-groups'] = Object.keys(g).length > 0 ? g : { note: 'no consumer group has committed offsets on the partitions in scope' };
  } else if (groupsNote) {
    out['consumer-groups'] = { note: r(groupsNote) };
  }
  return out;
}
