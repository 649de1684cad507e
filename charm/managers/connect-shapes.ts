// Narrowing of Kafka Connect response bodies (parsed JSON, `unknown`) into the typed shapes of
// connect-types.ts. Only the fields the charm relies on are checked; a body that does not fit is
// reported as a ShapeError, which the client turns into a 'server' ConnectApiError.

import type {
  ConnectorConfig,
  ConnectorInfo,
  ConnectorStateInfo,
  ConnectorType,
  ExpandedConnector,
  StateBase,
  TaskState,
} from './connect-types';

export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Json {
  if (!isRecord(value)) throw new ShapeError(`${what} is not a JSON object`);
  return value;
}

function str(obj: Json, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new ShapeError(`${what}.${key} is not a string`);
  return value;
}

function int(obj: Json, key: string, what: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ShapeError(`${what}.${key} is not an integer`);
  return value;
}

function connectorType(value: unknown): ConnectorType {
  return value === 'source' || value === 'sink' ? value : 'unknown';
}

export function parseConfig(value: unknown, what = 'config'): ConnectorConfig {
  const obj = record(value, what);
  const out: ConnectorConfig = {};
  for (const [key, raw] of Object.entries(obj)) {
    // Connect stores Map<String,String>; a null can only come from a buggy proxy. Keep strings only.
    if (typeof raw === 'string') out[key] = raw;
    else if (typeof raw === 'number' || typeof raw === 'boolean') out[key] = String(raw);
    else throw new ShapeError(`${what}["${key}"] is not a string`);
  }
  return out;
}

export function parseConnectorInfo(value: unknown, what = 'connector info'): ConnectorInfo {
  const obj = record(value, what);
  const tasks = obj['tasks'];
  if (!Array.isArray(tasks)) throw new ShapeError(`${what}.tasks is not an array`);
  return {
    name: str(obj, 'name', what),
    config: parseConfig(obj['config'], `${what}.config`),
    tasks: tasks.map((task, i) => {
      const t = record(task, `${what}.tasks[${i}]`);
      return { connector: str(t, 'connector', `${what}.tasks[${i}]`), task: int(t, 'task', `${what}.tasks[${i}]`) };
    }),
    type: connectorType(obj['type']),
  };
}

function parseStateBase(obj: Json, what: string): StateBase {
  const base: StateBase = { state: str(obj, 'state', what), worker_id: str(obj, 'worker_id', what) };
  const trace = obj['trace'];
  if (typeof trace === 'string' && trace.length > 0) base.trace = trace;
  return base;
}

export function parseStateInfo(value: unknown, what = 'connector status'): ConnectorStateInfo {
  const obj = record(value, what);
  const tasks = obj['tasks'];
  if (!Array.isArray(tasks)) throw new ShapeError(`${what}.tasks is not an array`);
  return {
    name: str(obj, 'name', what),
    connector: parseStateBase(record(obj['connector'], `${what}.connector`), `${what}.connector`),
    tasks: tasks.map((task, i): TaskState => {
      const t = record(task, `${what}.tasks[${i}]`);
      return { id: int(t, 'id', `${what}.tasks[${i}]`), ...parseStateBase(t, `${what}.tasks[${i}]`) };
    }),
    type: connectorType(obj['type']),
  };
}

export function parseExpandedListing(value: unknown): Map<string, ExpandedConnector> {
  const obj = record(value, 'GET /connectors?expand body');
  const out = new Map<string, ExpandedConnector>();
  for (const [name, entry] of Object.entries(obj)) {
    const e = record(entry, `connectors["${name}"]`);
    out.set(name, {
      status: parseStateInfo(e['status'], `connectors["${name}"].status`),
      info: parseConnectorInfo(e['info'], `connectors["${name}"].info`),
    });
  }
  return out;
}

export function parseTopics(value: unknown, name: string): string[] {
  const obj = record(value, 'GET topics body');
  // The body is keyed by the connector name: {"<c>": {"topics": [...]}}.
  const entry = obj[name] ?? Object.values(obj)[0];
  if (entry === undefined) return [];
  const topics = record(entry, `topics["${name}"]`)['topics'];
  if (!Array.isArray(topics) || !topics.every((t): t is string => typeof t === 'string')) {
    throw new ShapeError(`topics["${name}"].topics is not a string array`);
  }
  return topics;
}

/** The `message` of Connect's `{error_code, message}` envelope, or the raw text (401 is plain text). */
export function errorText(body: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (isRecord(parsed) && typeof parsed['message'] === 'string') return parsed['message'];
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  return trimmed;
}

/** GET /connectors/{c}/offsets → {offsets: [{partition: {...}, offset: {...}}]}. */
export function parseOffsets(body: unknown): import('./connect-types').ConnectorOffset[] {
  const b = body as { offsets?: unknown };
  if (typeof body !== 'object' || body === null || !Array.isArray(b.offsets)) throw new ShapeError('body has no offsets array');
  return b.offsets.map((o: unknown, i) => {
    const e = (typeof o === 'object' && o !== null ? o : {}) as { partition?: unknown; offset?: unknown };
    if (typeof e.partition !== 'object' || e.partition === null) throw new ShapeError(`offsets[${i}].partition is not an object`);
    const offset = typeof e.offset === 'object' ? (e.offset as Record<string, unknown> | null) : null;
    return { partition: e.partition as Record<string, unknown>, offset };
  });
}
