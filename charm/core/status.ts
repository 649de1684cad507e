// Juju status and the `status` action result, from config, relation and Connect observations.
// Pure (no I/O). Every string that can carry data from outside (traces, error reasons) goes
// through redactSecrets, so no password or JAAS string can reach Juju even if a trace echoes config.
//
// Status choices (in priority order):
//   Blocked  – missing relations and/or config errors; unusable relation data; source == target;
//              a FAILED connector or task (first trace line + "run the restart action").
//   Waiting  – relation data not complete yet (credentials/endpoints); Connect unreachable;
//              connectors not created yet; UNASSIGNED/RESTARTING (Connect rebalancing, a worker
//              restarting — transient, so no operator action is asked for).
//   Maintenance – Connect's state differs from the operator's intent and the charm is moving it
//              (pausing, or resuming connectors someone paused/stopped outside the charm).
//   Active   – running as intended, including "paused by operator (run the resume action)":
//              a pause is an operator's deliberate, stable choice, nothing is broken and nothing
//              is in progress, so Blocked (asks for a fix) and Maintenance (says "wait, I'm busy")
//              would both mislead; the message says how to undo it.

import type { ConnectView, KafkaClusterView, RelationFieldError, RelationName, RelationReadiness } from './cluster';
import type { ConfigError } from './config';
import type { ConnectorKind, DesiredConnector, MirrorFlow } from './connectors';
import {
  CONNECTOR_STATES,
  hasFailure,
  nextRestartAllowedAt,
  type ObservedConnectors,
  type ObservedConnectorStatus,
  type RestartBackoffState,
} from './plan';
import { redactSecrets } from './redact';

export type StatusName = 'active' | 'blocked' | 'waiting' | 'maintenance';

export interface CharmStatus {
  name: StatusName;
  message: string;
  /**
   * Waiting only because Connect is (re)assigning work (UNASSIGNED/RESTARTING, or no status for a
   * connector yet). Such a state can hide a lasting cause (e.g. the tasks restarting on refused
   * credentials), so the health check still probes the clusters behind it.
   */
  transient?: true;
}

export type ConnectObservation =
  { kind: 'not-queried' } | { kind: 'unreachable'; reason: string } | { kind: 'observed'; actual: ObservedConnectors };

export interface StatusInput {
  configErrors: readonly ConfigError[];
  relations: {
    source: RelationReadiness<KafkaClusterView>;
    target: RelationReadiness<KafkaClusterView>;
    'connect-client': RelationReadiness<ConnectView>;
  };
  /** Cross-relation problems (validateFlow). */
  flowProblems?: readonly string[];
  connect: ConnectObservation;
  desired: readonly DesiredConnector[];
  intent: { paused: boolean };
  restartBackoff?: RestartBackoffState;
  /** Epoch ms; only used to say when the next automatic restart is due. */
  now?: number;
  knownSecrets: readonly string[];
}

const RELATION_ORDER: readonly RelationName[] = ['source', 'target', 'connect-client'];
const MAX_TRACE_LINE = 200;

/** The first non-empty line of a Java trace, redacted and shortened for a status line. */
export function firstTraceLine(trace: string | undefined, knownSecrets: readonly string[]): string {
  if (trace === undefined) return 'no trace reported';
  // Redact the whole trace first: a secret may span what would become the cut.
  const redacted = redactSecrets(trace, knownSecrets);
  const line =
    redacted
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? 'no trace reported';
  return line.length > MAX_TRACE_LINE ? `${line.slice(0, MAX_TRACE_LINE - 1)}…` : line;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function flowLabel(input: StatusInput): string {
  const s = input.relations.source;
  const t = input.relations.target;
  const src = s.state === 'ready' ? s.view.alias : 'source';
  const tgt = t.state === 'ready' ? t.view.alias : 'target';
  return `${src} → ${tgt}`;
}

interface Failure {
  connector: DesiredConnector;
  what: string;
  trace: string | undefined;
}

function failuresOf(d: DesiredConnector, status: ObservedConnectorStatus): Failure[] {
  const out: Failure[] = [];
  if (status.connector.state === 'FAILED') out.push({ connector: d, what: `${d.kind} connector FAILED`, trace: status.connector.trace });
  for (const t of [...status.tasks].sort((a, b) => a.id - b.id)) {
    if (t.state === 'FAILED') out.push({ connector: d, what: `${d.kind} task ${t.id} FAILED`, trace: t.trace });
  }
  return out;
}

const KNOWN_STATES: ReadonlySet<string> = new Set(CONNECTOR_STATES);

export function summarizeStatus(input: StatusInput): CharmStatus {
  const secrets = input.knownSecrets;
  const r = (text: string): string => redactSecrets(text, secrets);

  // 1. Operator must act: missing relations, config errors.
  const missing = RELATION_ORDER.filter((name) => input.relations[name].state === 'missing');
  const blockedParts: string[] = [];
  if (missing.length > 0) blockedParts.push(`missing relations: ${missing.join(', ')}`);
  if (input.configErrors.length > 0) {
    const more = input.configErrors.length - 1;
    blockedParts.push(
      input.configErrors[0].message + (more > 0 ? ` (+${more} more config ${more === 1 ? 'error' : 'errors'} in the log)` : ''),
    );
  }
  if (blockedParts.length > 0) return { name: 'blocked', message: r(blockedParts.join('; ')) };

  // 2. Unusable relation data, or a flow that cannot work.
  const invalid: RelationFieldError[] = [];
  for (const name of RELATION_ORDER) {
    const rel = input.relations[name];
    if (rel.state === 'invalid') invalid.push(...rel.errors);
  }
  if (invalid.length > 0) return { name: 'blocked', message: r(invalid[0].message) };
  if (input.flowProblems && input.flowProblems.length > 0) return { name: 'blocked', message: r(input.flowProblems[0]) };

  // 3. Providers have not sent everything yet.
  const waitingFor: string[] = [];
  for (const name of RELATION_ORDER) {
    const rel = input.relations[name];
    if (rel.state === 'incomplete') waitingFor.push(`${name} (${rel.missingFields.join(', ')})`);
  }
  if (waitingFor.length > 0) return { name: 'waiting', message: `waiting for relation data: ${waitingFor.join(', ')}` };

  // 4. Connect.
  if (input.connect.kind === 'not-queried') return { name: 'waiting', message: 'waiting to query Kafka Connect' };
  if (input.connect.kind === 'unreachable') {
    return { name: 'waiting', message: r(`Kafka Connect unreachable (${input.connect.reason}); retrying on the next hook`) };
  }
  const actual = input.connect.actual;
  const flow = flowLabel(input);

  // 5. Failures first: they need the operator.
  const failures: Failure[] = [];
  for (const d of input.desired) {
    const status = actual[d.name]?.status;
    if (status && hasFailure(status)) failures.push(...failuresOf(d, status));
  }
  if (failures.length > 0) {
    const f = failures[0];
    const more = failures.length > 1 ? ` (+${failures.length - 1} more)` : '';
    let restartNote = '';
    const rec = input.restartBackoff?.connectors[f.connector.name];
    if (rec && input.restartBackoff) {
      restartNote = `; auto-restarted ${rec.restarts}x`;
      const next = nextRestartAllowedAt(input.restartBackoff, f.connector.name);
      if (next !== undefined && input.now !== undefined && !input.intent.paused) {
        const minutes = Math.max(0, Math.ceil((next - input.now) / 60_000));
        restartNote += minutes > 0 ? `, next in ${minutes} min` : ', next on the next hook';
      }
    }
    return {
      name: 'blocked',
      message: r(`${f.what}: ${firstTraceLine(f.trace, secrets)}${more}${restartNote}; run the restart action`),
    };
  }

  // 6. Transient or not-yet-created: wait.
  const notCreated = input.desired.filter((d) => actual[d.name] === undefined).map((d) => d.kind);
  if (notCreated.length > 0) {
    return { name: 'waiting', message: `waiting for Kafka Connect to create connectors: ${notCreated.join(', ')}` };
  }
  const transient: string[] = [];
  const unknown: string[] = [];
  const noStatus: ConnectorKind[] = [];
  for (const d of input.desired) {
    const status = actual[d.name].status;
    if (status === undefined) {
      noStatus.push(d.kind);
      continue;
    }
    const cs = status.connector.state;
    if (!KNOWN_STATES.has(cs)) unknown.push(`${d.kind} connector '${cs}'`);
    else if (cs === 'UNASSIGNED' || cs === 'RESTARTING') transient.push(`${d.kind} connector ${cs}`);
    for (const t of status.tasks) {
      if (!KNOWN_STATES.has(t.state)) unknown.push(`${d.kind} task ${t.id} '${t.state}'`);
      else if (t.state === 'UNASSIGNED' || t.state === 'RESTARTING') transient.push(`${d.kind} task ${t.id} ${t.state}`);
    }
  }
  if (noStatus.length > 0)
    return { name: 'waiting', message: `waiting for connector status from Kafka Connect: ${noStatus.join(', ')}`, transient: true };
  if (transient.length > 0)
    return { name: 'waiting', message: r(`waiting for Kafka Connect to assign work: ${transient.join(', ')}`), transient: true };
  if (unknown.length > 0) return { name: 'waiting', message: r(`waiting: Kafka Connect reports unknown states: ${unknown.join(', ')}`) };

  // 7. Intent vs. reality.
  const statuses = input.desired.map((d) => ({ d, s: actual[d.name].status as ObservedConnectorStatus }));
  const count = statuses.length;
  const tasks = statuses.reduce((n, { s }) => n + s.tasks.length, 0);
  if (input.intent.paused) {
    const notPaused = statuses.filter(({ s }) => s.connector.state !== 'PAUSED' || s.tasks.some((t) => t.state !== 'PAUSED'));
    if (notPaused.length > 0) {
      return {
        name: 'maintenance',
        message: `pausing ${flow}: ${count - notPaused.length} of ${plural(count, 'connector')} paused (waiting for ${notPaused.map(({ d }) => d.kind).join(', ')})`,
      };
    }
    return { name: 'active', message: `paused by operator (run the resume action): ${flow}, ${plural(count, 'connector')} PAUSED` };
  }
  const held = statuses.filter(
    ({ s }) => s.connector.state === 'PAUSED' || s.connector.state === 'STOPPED' || s.tasks.some((t) => t.state === 'PAUSED'),
  );
  if (held.length > 0) {
    return {
      name: 'maintenance',
      message: `resuming ${flow}: ${held.map(({ d, s }) => `${d.kind} ${s.connector.state}`).join(', ')} (paused outside the charm)`,
    };
  }

  // 8. Running. A RUNNING connector with 0 tasks is legitimate: nothing matches its filters.
  const notes: string[] = [];
  const source = statuses.find(({ d }) => d.kind === 'source');
  const checkpoint = statuses.find(({ d }) => d.kind === 'checkpoint');
  if (source && source.s.tasks.length === 0) notes.push('no source topics match the topic filters yet');
  if (checkpoint && checkpoint.s.tasks.length === 0) notes.push('no consumer groups to translate yet');
  const base = `mirroring ${flow}: ${plural(count, 'connector')} RUNNING, ${plural(tasks, 'task')}`;
  return { name: 'active', message: r(notes.length > 0 ? `${base}; ${notes.join('; ')}` : base) };
}

// ---------------------------------------------------------------------------------------------
// `status` action result

/** A Juju action result value: strings, nested maps of them. */
export type ActionResultValue = string | { [key: string]: ActionResultValue };
export type ActionResult = { [key: string]: ActionResultValue };

/** Keys Juju reserves for `juju run` output itself. */
const RESERVED_ACTION_KEYS = new Set(['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding']);

/** Juju action-set keys: lowercase alphanumerics and hyphens, starting and ending alphanumeric. */
export function isValidActionResultKey(key: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(key) && !RESERVED_ACTION_KEYS.has(key);
}

export interface StatusActionInput {
  summary: CharmStatus;
  desired: readonly DesiredConnector[];
  /** Undefined when Connect could not be queried. */
  actual: ObservedConnectors | undefined;
  flow: MirrorFlow | undefined;
  intent: { paused: boolean };
  /** Topics currently mirrored (e.g. from GET /connectors/<source>/topics), if known. */
  mirroredTopics?: readonly string[];
  restartBackoff?: RestartBackoffState;
  knownSecrets: readonly string[];
}

export function statusActionResult(input: StatusActionInput): ActionResult {
  const secrets = input.knownSecrets;
  const r = (text: string): string => redactSecrets(text, secrets);
  const result: ActionResult = {
    summary: r(`${input.summary.name}: ${input.summary.message}`),
    paused: String(input.intent.paused),
  };
  if (input.flow) {
    const f = input.flow;
    result.flow = {
      source: f.sourceAlias,
      target: f.targetAlias,
      direction: `${f.sourceAlias} -> ${f.targetAlias}`,
      topics: f.topics,
      'topics-exclude': f.topicsExclude,
      groups: f.groups,
      'groups-exclude': f.groupsExclude,
      'replication-policy':
        f.replicationPolicy === 'identity'
          ? 'identity (remote topics keep their names)'
          : `prefix (remote topics are named ${f.sourceAlias}.replica.<topic>)`,
      'offset-syncs-topic-location': f.offsetTranslation['offset-syncs.topic.location'] ?? 'source',
    };
  }
  const connectors: { [key: string]: ActionResultValue } = {};
  for (const d of input.desired) {
    const entry: { [key: string]: ActionResultValue } = { name: d.name };
    const observed = input.actual?.[d.name];
    const status = observed?.status;
    if (input.actual === undefined) {
      entry.state = 'unknown (Kafka Connect not reachable)';
    } else if (observed === undefined) {
      entry.state = 'not created';
    } else if (status === undefined) {
      entry.state = 'unknown (no status reported)';
    } else {
      entry.state = r(status.connector.state);
      entry.worker = r(status.connector.worker_id);
      if (status.connector.trace !== undefined) entry.trace = firstTraceLine(status.connector.trace, secrets);
      entry['task-count'] = String(status.tasks.length);
      const tasks: { [key: string]: ActionResultValue } = {};
      for (const t of [...status.tasks].sort((a, b) => a.id - b.id)) {
        const task: { [key: string]: ActionResultValue } = { id: String(t.id), state: r(t.state), worker: r(t.worker_id) };
        if (t.trace !== undefined) task.trace = firstTraceLine(t.trace, secrets);
        tasks[`task-${t.id}`] = task;
      }
      if (status.tasks.length > 0) entry.tasks = tasks;
    }
    const rec = input.restartBackoff?.connectors[d.name];
    if (rec) entry['auto-restarts'] = String(rec.restarts);
    connectors[d.kind] = entry;
  }
  result.connectors = connectors;
  if (input.mirroredTopics !== undefined) {
    const topics = [...input.mirroredTopics].sort();
    result['mirrored-topics'] = { count: String(topics.length), names: r(topics.join(',')) };
  }
  return result;
}
