// The reconcile plan: desired connectors vs what Connect reports → the REST writes to make, and
// nothing else. Pure (no I/O, no clock: `now` is passed in).
//
// Rules:
// - Only connectors matching `ownedPattern` are ever touched; a shared Connect cluster's other
//   connectors are invisible to the plan.
// - `put` (PUT /connectors/<name>/config, create-or-replace, so removed keys really go away) only
//   when the string maps differ, ignoring the `name` key Connect adds. Writes trigger rebalances,
//   so a steady state yields zero actions.
// - `delete` for owned connectors that are no longer desired (heartbeat switched off, …).
// - `pause` / `resume` to match the operator's intent. A config change never resumes a paused
//   connector (Connect keeps the target state across PUT). Transient states (UNASSIGNED,
//   RESTARTING) are left alone, like Strimzi; a FAILED connector is not paused (pointless, and
//   Strimzi rejects it) — it shows as Blocked until restarted.
// - `restart` (POST /restart?includeTasks=true&onlyFailed=true) for FAILED connectors or tasks,
//   with a capped back-off, see restartDelayMs().
//
// Order of actions: deletes, puts, pause/resume, restarts — each group in desired order.

import type { DesiredConnector } from './connectors';

/** The connector and task states Kafka Connect reports (AbstractStatus.State); the one list. */
export const CONNECTOR_STATES = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED'] as const;
export type ConnectorState = (typeof CONNECTOR_STATES)[number];
/**
 * A connector or task state. Newer workers may report states this code does not know yet; they are
 * kept verbatim (the reference charm crashed on RESTARTING), so callers must handle other strings.
 */
export type ConnectorStateName = ConnectorState | (string & Record<never, never>);

export interface ObservedState {
  state: ConnectorStateName;
  worker_id: string;
  trace?: string;
}

export interface ObservedTaskState extends ObservedState {
  id: number;
}

export interface ObservedConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: { connector: string; task: number }[];
  type: string;
}

export interface ObservedConnectorStatus {
  name: string;
  connector: ObservedState;
  tasks: ObservedTaskState[];
  type: string;
}

/** The shape of `GET /connectors?expand=status&expand=info`. */
export type ObservedConnectors = Record<string, { info?: ObservedConnectorInfo; status?: ObservedConnectorStatus }>;

export type ReconcileAction =
  | { kind: 'put'; name: string; config: Record<string, string> }
  | { kind: 'delete'; name: string }
  | { kind: 'pause'; name: string }
  | { kind: 'resume'; name: string }
  | { kind: 'restart'; name: string; onlyFailed: boolean };

export interface RestartRecord {
  /** Automatic restarts issued since the connector was last stable. */
  restarts: number;
  /** Epoch ms of the last automatic restart. */
  lastRestartAt: number;
  /** Epoch ms of the first healthy observation after the last restart, if any. */
  healthySince?: number;
}

/** Plain JSON the caller persists between hooks (e.g. in the peer relation). */
export interface RestartBackoffState {
  version: 1;
  connectors: Record<string, RestartRecord>;
}

export interface PlanInput {
  desired: readonly DesiredConnector[];
  actual: ObservedConnectors;
  ownedPattern: RegExp;
  intent: { paused: boolean };
  restartBackoff: RestartBackoffState;
  now: number;
}

export interface PlanResult {
  actions: ReconcileAction[];
  nextBackoff: RestartBackoffState;
}

const MINUTE_MS = 60_000;
/**
 * Cap of the back-off. Strimzi caps min(n²+n, 60) minutes. A charm only acts when a hook runs
 * (update-status every 5 min by default), so its effective schedule is already coarser; a 30 min
 * cap keeps recovery after a long outage (broker maintenance, credential rotation) within half an
 * hour while still limiting a crash-looping connector to two restarts an hour.
 */
const RESTART_BACKOFF_CAP_MINUTES = 30;
/** A connector counts as stable (counter reset) after being healthy this long, at least. */
export const MIN_STABLE_MS = 5 * MINUTE_MS;

/**
 * Delay before automatic restart number n+1, given n restarts so far: min(n²+n, 30) minutes,
 * i.e. 0, 2, 6, 12, 20, 30, 30, … — the first restart is immediate.
 */
export function restartDelayMs(restartsSoFar: number): number {
  const n = Math.max(0, Math.floor(restartsSoFar));
  return Math.min(n * n + n, RESTART_BACKOFF_CAP_MINUTES) * MINUTE_MS;
}

/** How long a connector must stay healthy after `restarts` restarts before the counter resets. */
function stableAfterMs(restarts: number): number {
  return Math.max(restartDelayMs(restarts), MIN_STABLE_MS);
}

export function emptyRestartBackoff(): RestartBackoffState {
  return { version: 1, connectors: {} };
}

/** Accepts whatever was persisted (possibly corrupt or from another version); never throws. */
export function parseRestartBackoff(value: unknown): RestartBackoffState {
  const out = emptyRestartBackoff();
  if (value === null || typeof value !== 'object') return out;
  const v = value as { version?: unknown; connectors?: unknown };
  if (v.version !== 1 || v.connectors === null || typeof v.connectors !== 'object') return out;
  for (const [name, rec] of Object.entries(v.connectors as Record<string, unknown>)) {
    if (rec === null || typeof rec !== 'object') continue;
    const r = rec as Record<string, unknown>;
    if (typeof r.restarts !== 'number' || !Number.isFinite(r.restarts) || r.restarts < 0) continue;
    if (typeof r.lastRestartAt !== 'number' || !Number.isFinite(r.lastRestartAt)) continue;
    const record: RestartRecord = { restarts: Math.floor(r.restarts), lastRestartAt: r.lastRestartAt };
    if (typeof r.healthySince === 'number' && Number.isFinite(r.healthySince)) record.healthySince = r.healthySince;
    out.connectors[name] = record;
  }
  return out;
}

/** When the next automatic restart of `name` is allowed (epoch ms), or undefined if no record. */
export function nextRestartAllowedAt(state: RestartBackoffState, name: string): number | undefined {
  const rec = state.connectors[name];
  return rec === undefined ? undefined : rec.lastRestartAt + restartDelayMs(rec.restarts);
}

/** Connect's config as a comparable string map: `name` dropped, values stringified. */
export function normaliseConfig(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'name' || v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : String(v);
  }
  return out;
}

export function configsEqual(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const na = normaliseConfig(a);
  const nb = normaliseConfig(b);
  const ka = Object.keys(na);
  if (ka.length !== Object.keys(nb).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(nb, k) && nb[k] === na[k]);
}

/** True when the connector or any of its tasks is FAILED. */
export function hasFailure(status: ObservedConnectorStatus | undefined): boolean {
  if (!status) return false;
  return status.connector.state === 'FAILED' || status.tasks.some((t) => t.state === 'FAILED');
}

/** A copy without the stateful `g`/`y` flags, so `test()` is a pure check. */
function statelessPattern(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

export function planReconcile(input: PlanInput): PlanResult {
  const { desired, actual, intent, now } = input;
  const ownedPattern = statelessPattern(input.ownedPattern);
  const deletes: ReconcileAction[] = [];
  const puts: ReconcileAction[] = [];
  const transitions: ReconcileAction[] = [];
  const restarts: ReconcileAction[] = [];
  const nextConnectors: Record<string, RestartRecord> = {};
  const desiredNames = new Set(desired.map((d) => d.name));

  // Deletes: owned, present, not desired. Sorted for a deterministic plan.
  for (const name of Object.keys(actual).sort()) {
    if (!desiredNames.has(name) && ownedPattern.test(name)) deletes.push({ kind: 'delete', name });
  }

  for (const d of desired) {
    // A desired name outside the owned pattern is a caller bug; refusing beats touching a stranger.
    if (!ownedPattern.test(d.name)) continue;
    const observed = actual[d.name];
    const exists = observed !== undefined;
    if (!exists || observed.info === undefined || !configsEqual(d.config, observed.info.config)) {
      puts.push({ kind: 'put', name: d.name, config: { ...d.config } });
    }

    const status = exists ? observed.status : undefined;
    const state = status?.connector.state;
    if (intent.paused) {
      // New connectors are paused right after creation; known-running ones are paused.
      if (!exists || status === undefined || state === 'RUNNING' || state === 'STOPPED') {
        transitions.push({ kind: 'pause', name: d.name });
      }
    } else if (state === 'PAUSED' || state === 'STOPPED') {
      transitions.push({ kind: 'resume', name: d.name });
    }

    // Restart back-off bookkeeping.
    const record = input.restartBackoff.connectors[d.name];
    if (!exists || status === undefined) {
      if (record) nextConnectors[d.name] = { ...record };
      continue;
    }
    if (hasFailure(status)) {
      if (intent.paused) {
        // No automatic restarts while the operator holds the flow; keep the history.
        if (record) nextConnectors[d.name] = { restarts: record.restarts, lastRestartAt: record.lastRestartAt };
        continue;
      }
      const dueAt = record ? record.lastRestartAt + restartDelayMs(record.restarts) : now;
      if (now >= dueAt) {
        restarts.push({ kind: 'restart', name: d.name, onlyFailed: true });
        nextConnectors[d.name] = { restarts: (record?.restarts ?? 0) + 1, lastRestartAt: now };
      } else if (record) {
        nextConnectors[d.name] = { restarts: record.restarts, lastRestartAt: record.lastRestartAt };
      }
    } else if (record) {
      const healthySince = record.healthySince ?? now;
      if (now - healthySince >= stableAfterMs(record.restarts)) continue; // stable: reset (drop record)
      nextConnectors[d.name] = { restarts: record.restarts, lastRestartAt: record.lastRestartAt, healthySince };
    }
  }

  return {
    actions: [...deletes, ...puts, ...transitions, ...restarts],
    nextBackoff: { version: 1, connectors: nextConnectors },
  };
}

/**
 * The `restart` action: by default only owned connectors with a FAILED connector or task
 * (restarting just the failed parts); with `all`, every owned connector and all its tasks.
 */
export function planManualRestart(input: { actual: ObservedConnectors; ownedPattern: RegExp; all: boolean }): ReconcileAction[] {
  const out: ReconcileAction[] = [];
  const ownedPattern = statelessPattern(input.ownedPattern);
  for (const name of Object.keys(input.actual).sort()) {
    if (!ownedPattern.test(name)) continue;
    if (input.all) out.push({ kind: 'restart', name, onlyFailed: false });
    else if (hasFailure(input.actual[name].status)) out.push({ kind: 'restart', name, onlyFailed: true });
  }
  return out;
}

/** The `pause` / `resume` actions: the transitions for owned connectors (intent is persisted by the caller). */
export function planStateChange(input: {
  desired: readonly DesiredConnector[];
  actual: ObservedConnectors;
  ownedPattern: RegExp;
  paused: boolean;
}): ReconcileAction[] {
  const { actions } = planReconcile({
    desired: input.desired,
    actual: input.actual,
    ownedPattern: input.ownedPattern,
    intent: { paused: input.paused },
    restartBackoff: emptyRestartBackoff(),
    now: 0,
  });
  return actions.filter((a) => a.kind === 'pause' || a.kind === 'resume');
}
