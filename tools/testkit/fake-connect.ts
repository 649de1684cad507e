// An in-test HTTP(S) server that follows Kafka Connect's REST semantics (3.9 → 4.x, distributed
// mode as seen by a client) closely enough to drive the REST client and the charm's reconcile over
// real HTTP. It listens on 127.0.0.1 only.
//
// Modelled: the connector store (name → config, target state RUNNING/PAUSED/STOPPED), tasks
// generated from `tasks.max` (or a hook), connector/task states incl. FAILED with trace,
// UNASSIGNED and RESTARTING, the endpoint table of Connect's ConnectorsResource/RootResource with
// its success codes and error texts, the `{error_code, message}` envelope, the basic-auth filter's
// plain-text 401, and the "expanded" listing that silently omits connectors without a status.
// Fault injection: rebalancing (writes 409, herder reads 500), down/up on the same port, slow or
// hanging responses, connection resets, canned responses, validation failures that echo configs.
// Config validation as Connect answers it: PUT /connector-plugins/<class>/config/validate returns
// ConfigInfos ({name, error_count, groups, configs: [{definition, value: {name, value,
// recommended_values, errors, visible}}]}) with the same per-key errors that make a write answer
// 400 (tasks.max, converter classes, the `validate` hook).
// Not modelled: the other plugins endpoints, offsets endpoints, loggers, forwarding between workers.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type {
  ConnectorConfig,
  ConnectorInfo,
  ConnectorStateInfo,
  ConnectorStateName,
  ConnectorType,
  HttpMethod,
  TargetState,
  TaskInfo,
  TaskState,
} from '../../charm/managers/connect-types';

export const MM2_PLUGINS: Readonly<Record<string, ConnectorType>> = {
  'org.apache.kafka.connect.mirror.MirrorSourceConnector': 'source',
  'org.apache.kafka.connect.mirror.MirrorCheckpointConnector': 'source',
  'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector': 'source',
  'org.apache.kafka.connect.file.FileStreamSourceConnector': 'source',
  'org.apache.kafka.connect.file.FileStreamSinkConnector': 'sink',
};

/** Converter classes on a stock worker's plugin path. */
export const KNOWN_CONVERTERS: ReadonlySet<string> = new Set([
  'org.apache.kafka.connect.converters.ByteArrayConverter',
  'org.apache.kafka.connect.storage.StringConverter',
  'org.apache.kafka.connect.json.JsonConverter',
  'org.apache.kafka.connect.converters.IntegerConverter',
  'org.apache.kafka.connect.converters.LongConverter',
  'org.apache.kafka.connect.converters.DoubleConverter',
  'org.apache.kafka.connect.converters.FloatConverter',
  'org.apache.kafka.connect.converters.ShortConverter',
  'org.apache.kafka.connect.converters.BooleanConverter',
  'org.apache.kafka.connect.storage.SimpleHeaderConverter',
]);

export const REBALANCE_WRITE_MESSAGE =
  'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)';
export const REBALANCE_READ_MESSAGE = 'Request cannot be completed because a rebalance is expected';
export const UNAUTHORIZED_BODY = 'User cannot access the resource.';

export interface FakeConnectOptions {
  /** Require HTTP basic auth with these credentials (401 plain text otherwise). */
  auth?: { username: string; password: string };
  /** Serve https with this certificate and key (PEM). */
  tls?: { certPem: string; keyPem: string };
  /** Listen port (default 0: any free port). */
  port?: number;
  version?: string;
  commit?: string;
  kafkaClusterId?: string;
  /** `topic.tracking.enable` (default true); false → GET topics answers 403. */
  topicTracking?: boolean;
  /** Installed plugins: connector.class → type. Default: the MM2 and FileStream connectors. */
  plugins?: Readonly<Record<string, ConnectorType>>;
  /**
   * How many tasks a RUNNING/PAUSED connector has (e.g. 0 when no topics match). Default:
   * `tasks.max` (1 when absent). A per-connector setTaskCount() wins over this hook.
   */
  taskCount?: (name: string, config: ConnectorConfig) => number;
  /** Extra validation: return error strings to make PUT/POST/PATCH answer 400 with them. */
  validate?: (name: string, config: ConnectorConfig) => string[];
  /** The KIP-875 offsets endpoints (default true); false → 404 like a pre-3.5 worker. */
  offsetsApi?: boolean;
}

export interface InstanceOverride {
  state: ConnectorStateName;
  trace?: string;
}

export interface FakeConnector {
  name: string;
  config: ConnectorConfig;
  targetState: TargetState;
  /** Overrides the state derived from the target state (FAILED, UNASSIGNED, RESTARTING…). */
  connectorOverride: InstanceOverride | null;
  taskOverrides: Map<number, InstanceOverride>;
  /** setTaskCount() value; wins over the taskCount hook and tasks.max. */
  taskCountOverride: number | null;
  /** When true the status topic has no record yet: status 404s and the expanded listing omits it. */
  statusMissing: boolean;
  topics: string[];
  /** Committed source offsets (KIP-875 GET/PATCH /offsets); survive DELETE like Connect's offsets topic. */
  offsets?: { partition: Record<string, unknown>; offset: Record<string, unknown> | null }[];
  /** `task.assigned.partitions` put into every task config (MirrorSourceConnector's assignment). */
  assignedPartitions?: string;
}

export interface RecordedRequest {
  method: string;
  /** Raw (still percent-encoded) path, e.g. `/connectors/a%2Bb/config`. */
  path: string;
  query: Record<string, string[]>;
  /** Parsed JSON body, the raw text if it was not JSON, or undefined when empty. */
  body: unknown;
  /** Response status (0 when the connection was reset or never answered). */
  status: number;
  authorized: boolean;
}

export interface CannedResponse {
  status: number;
  /** An object is sent as JSON; a string as-is. */
  body?: unknown;
  contentType?: string;
  /** Match only this method / path (raw path, regex). */
  method?: HttpMethod;
  path?: RegExp;
  /** How many matching requests get it (default 1). */
  times?: number;
}

export type HealthState = 'healthy' | 'starting' | 'unhealthy';

export interface FakeConnect {
  readonly url: string;
  readonly port: number;
  readonly workerId: string;
  readonly state: { readonly connectors: Map<string, FakeConnector> };
  /** Every request received, in order (live array). */
  readonly requests: RecordedRequest[];
  /** Requests other than GET. */
  writes(): RecordedRequest[];
  clearRequests(): void;
  stop(): Promise<void>;
  /** Closes the listener and drops open connections (clients see refused/reset). */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  goUp(): Promise<void>;
  isUp(): boolean;

  /** Seeds a connector without an HTTP request (not recorded). */
  addConnector(name: string, config: ConnectorConfig, targetState?: TargetState): FakeConnector;
  connector(name: string): FakeConnector | undefined;
  connectorStatus(name: string): ConnectorStateInfo | undefined;

  /** Rebalancing: writes → 409, herder reads → 500. `true` until turned off, or for N requests. */
  setRebalancing(on: boolean | { requests: number }): void;
  setHealth(health: HealthState): void;
  setTopicTracking(enabled: boolean): void;
  setTopics(name: string, topics: string[]): void;
  setTaskCount(name: string, count: number | null): void;
  setValidator(validate: ((name: string, config: ConnectorConfig) => string[]) | null): void;
  failConnector(name: string, trace: string): void;
  failTask(name: string, taskId: number, trace: string): void;
  setConnectorState(name: string, state: ConnectorStateName | null, trace?: string): void;
  setTaskState(name: string, taskId: number, state: ConnectorStateName | null, trace?: string): void;
  setStatusMissing(name: string, missing: boolean): void;
  /** When held, restarted instances stay RESTARTING until settleRestarts(). */
  holdRestarts(hold: boolean): void;
  settleRestarts(): void;
  /** Delay every response by this many ms (0 = off). */
  setLatency(ms: number): void;
  /** Never answer requests while on (they hang until the client gives up or the server stops). */
  setHanging(on: boolean): void;
  /** Destroy the connection of the next N requests without answering. */
  resetNextConnections(n: number): void;
  /** Answer the next matching request(s) with this instead of the real handler. */
  injectResponse(response: CannedResponse): void;
}

interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function errorReply(status: number, message: string): Reply {
  return { status, body: { error_code: status, message } };
}

/** Java's AbstractMap.toString, as used in Connect messages that echo a config. */
function javaMapString(config: ConnectorConfig): string {
  return `{${Object.entries(config)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Connect's Map<String,String> deserialisation: scalars become strings; nested values are a 400. */
function toConfig(value: unknown, allowNull: boolean): Record<string, string | null> {
  if (!isPlainObject(value)) throw new HttpError(400, 'Cannot deserialize connector configuration: expected a JSON object');
  const out: Record<string, string | null> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (raw === null && allowNull) out[key] = null;
    else if (typeof raw === 'string') out[key] = raw;
    else if (typeof raw === 'number' || typeof raw === 'boolean') out[key] = String(raw);
    else
      throw new HttpError(
        400,
        `Cannot deserialize value of type \`java.lang.String\` from ${Array.isArray(raw) ? 'Array' : 'Object'} value for key ${key}`,
      );
  }
  return out;
}

function stringsOnly(config: Record<string, string | null>): ConnectorConfig {
  const out: ConnectorConfig = {};
  for (const [k, v] of Object.entries(config)) if (v !== null) out[k] = v;
  return out;
}

export async function startFakeConnect(options: FakeConnectOptions = {}): Promise<FakeConnect> {
  const connectors = new Map<string, FakeConnector>();
  const requests: RecordedRequest[] = [];
  const plugins = options.plugins ?? MM2_PLUGINS;
  let validator = options.validate ?? null;
  let topicTracking = options.topicTracking ?? true;
  let rebalancing: boolean | number = false;
  let health: HealthState = 'healthy';
  let latencyMs = 0;
  let hanging = false;
  let resetsLeft = 0;
  let restartsHeld = false;
  const canned: CannedResponse[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let workerId = '127.0.0.1:0';

  // ---- model -------------------------------------------------------------------------------

  function pluginType(config: ConnectorConfig): ConnectorType {
    const cls = config['connector.class'] ?? '';
    const direct = plugins[cls];
    if (direct) return direct;
    // Connect also accepts the simple class name and the alias without "Connector".
    for (const [full, type] of Object.entries(plugins)) {
      const simple = full.slice(full.lastIndexOf('.') + 1);
      if (cls === simple || `${cls}Connector` === simple) return type;
    }
    return 'unknown';
  }

  /** Per-key errors, as AbstractHerder.validateConnectorConfig finds them. */
  function keyErrors(name: string, config: ConnectorConfig): { key: string; message: string }[] {
    const out: { key: string; message: string }[] = [];
    const tasksMax = config['tasks.max'];
    if (tasksMax !== undefined && !(/^-?\d+$/.test(tasksMax) && Number(tasksMax) >= 1)) {
      out.push({
        key: 'tasks.max',
        message: `Invalid value ${tasksMax} for configuration tasks.max: ${/^-?\d+$/.test(tasksMax) ? 'Value must be at least 1' : 'Not a number of type INT'}`,
      });
    }
    for (const key of ['key.converter', 'value.converter', 'header.converter']) {
      const cls = config[key];
      if (cls === undefined || KNOWN_CONVERTERS.has(cls)) continue;
      // Classes of the JDK exist but are no converters; anything else is not on the plugin path.
      out.push({
        key,
        message: cls.startsWith('java.')
          ? `Class class ${cls} does not implement the Converter interface`
          : `Invalid value ${cls} for configuration ${key}: Class ${cls} could not be found.`,
      });
    }
    if (validator) {
      for (const message of validator(name, config)) {
        out.push({ key: /for configuration (\S+?):/.exec(message)?.[1] ?? 'connector.class', message });
      }
    }
    return out;
  }

  /** PUT /connector-plugins/{plugin}/config/validate → ConfigInfos. */
  function validateEndpoint(plugin: string, config: ConnectorConfig): Reply {
    const cls = config['connector.class'];
    if (cls === undefined || cls === '') {
      throw new HttpError(
        500,
        `org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config ${javaMapString(config)} contains no connector type`,
      );
    }
    if (cls !== plugin) throw new HttpError(400, `Included connector type ${cls} does not match request type ${plugin}`);
    if (pluginType(config) === 'unknown') {
      throw new HttpError(500, `org.apache.kafka.connect.runtime.rest.errors.BadRequestException: ${noPluginMessage(cls)}`);
    }
    const errors = keyErrors(config['name'] ?? '', config);
    // PUT /connectors/<name>/config takes the name from the path; validation needs it in the body.
    if (config['name'] === undefined)
      errors.unshift({ key: 'name', message: 'Missing required configuration "name" which has no default value.' });
    const keys = [...new Set(['name', 'connector.class', ...Object.keys(config), ...errors.map((e) => e.key)])];
    const configs = keys.map((key, order) => ({
      definition: {
        name: key,
        type: 'STRING',
        required: key === 'name' || key === 'connector.class',
        default_value: null,
        importance: 'HIGH',
        documentation: '',
        group: 'Common',
        width: 'MEDIUM',
        display_name: key,
        dependents: [],
        order: order + 1,
      },
      value: {
        name: key,
        // Connect hides PASSWORD-typed values.
        value: /jaas|password/i.test(key) ? '[hidden]' : (config[key] ?? null),
        recommended_values: [],
        errors: errors.filter((e) => e.key === key).map((e) => e.message),
        visible: true,
      },
    }));
    return { status: 200, body: { name: plugin, error_count: errors.length, groups: ['Common'], configs } };
  }

  function noPluginMessage(cls: string): string {
    return `Failed to find any class that implements Connector and which name matches ${cls}, available connectors are: ${Object.keys(
      plugins,
    )
      .map((p) => `PluginDesc{klass=class ${p}, name='${p}', type=${plugins[p]}}`)
      .join(', ')}`;
  }

  function validateConfig(name: string, config: ConnectorConfig): void {
    const cls = config['connector.class'];
    if (cls === undefined || cls === '') {
      // AbstractHerder echoes the whole map here — including any secret in it.
      throw new HttpError(400, `Connector config ${javaMapString(config)} contains no connector type`);
    }
    if (pluginType(config) === 'unknown') throw new HttpError(400, noPluginMessage(cls));
    const errors = keyErrors(name, config).map((e) => e.message);
    if (errors.length > 0) {
      throw new HttpError(
        400,
        `Connector configuration is invalid and contains the following ${errors.length} error(s):\n${errors.join('\n')}\n` +
          'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
      );
    }
  }

  function taskCount(c: FakeConnector): number {
    if (c.targetState === 'STOPPED') return 0;
    if (c.taskCountOverride !== null) return c.taskCountOverride;
    if (options.taskCount) return options.taskCount(c.name, c.config);
    const max = Number.parseInt(c.config['tasks.max'] ?? '1', 10);
    return Number.isFinite(max) && max > 0 ? max : 1;
  }

  function info(c: FakeConnector): ConnectorInfo {
    const tasks = Array.from({ length: taskCount(c) }, (_v, task) => ({ connector: c.name, task }));
    return { name: c.name, config: { ...c.config }, tasks, type: pluginType(c.config) };
  }

  function stateOf(c: FakeConnector): ConnectorStateInfo {
    const derived: ConnectorStateName = c.targetState;
    const connector = c.connectorOverride ?? { state: derived };
    const tasks: TaskState[] = [];
    for (let id = 0; id < taskCount(c); id++) {
      const override = c.taskOverrides.get(id);
      const state: InstanceOverride = override ?? { state: c.targetState === 'PAUSED' ? 'PAUSED' : 'RUNNING' };
      tasks.push({ id, state: state.state, worker_id: workerId, ...(state.trace ? { trace: state.trace } : {}) });
    }
    return {
      name: c.name,
      connector: { state: connector.state, worker_id: workerId, ...(connector.trace ? { trace: connector.trace } : {}) },
      tasks,
      type: pluginType(c.config),
    };
  }

  function mustGet(name: string, message = `Connector ${name} not found`): FakeConnector {
    const c = connectors.get(name);
    if (!c) throw new HttpError(404, message);
    return c;
  }

  // Connect's offsets topic, keyed by connector name: what a deleted connector committed is
  // there for the next connector created under the same name.
  const retainedOffsets = new Map<string, NonNullable<FakeConnector['offsets']>>();

  function create(name: string, config: ConnectorConfig, targetState: TargetState): FakeConnector {
    const kept = retainedOffsets.get(name);
    const c: FakeConnector = {
      name,
      config,
      targetState,
      connectorOverride: null,
      taskOverrides: new Map(),
      taskCountOverride: null,
      statusMissing: false,
      topics: [],
      ...(kept ? { offsets: kept } : {}),
    };
    connectors.set(name, c);
    return c;
  }

  /** Connect's checkAndPutConnectorConfigName: body name must match the URL; it is then added. */
  function withName(name: string, config: ConnectorConfig): ConnectorConfig {
    const given = config['name'];
    if (given !== undefined && given.trim() !== name) {
      throw new HttpError(400, `Connector name configuration (${given}) doesn't match connector name in the URL (${name})`);
    }
    return { ...config, name };
  }

  /** Restarts per KIP-745; returns the status to report (instances being restarted → RESTARTING). */
  function restart(c: FakeConnector, includeTasks: boolean, onlyFailed: boolean): ConnectorStateInfo {
    const before = stateOf(c);
    const restartConnector = !onlyFailed || before.connector.state === 'FAILED';
    const taskIds = includeTasks ? before.tasks.filter((t) => !onlyFailed || t.state === 'FAILED').map((t) => t.id) : [];
    const reported: ConnectorStateInfo = {
      ...before,
      connector: restartConnector ? { state: 'RESTARTING', worker_id: workerId } : before.connector,
      tasks: before.tasks.map((t) => (taskIds.includes(t.id) ? { id: t.id, state: 'RESTARTING', worker_id: workerId } : t)),
    };
    const after: InstanceOverride | null = restartsHeld ? { state: 'RESTARTING' } : null;
    if (restartConnector) c.connectorOverride = after;
    for (const id of taskIds) {
      if (after) c.taskOverrides.set(id, after);
      else c.taskOverrides.delete(id);
    }
    return reported;
  }

  // ---- HTTP --------------------------------------------------------------------------------

  function isHerderRead(segments: string[]): boolean {
    // GETs that go through the herder's request queue (and hit checkRebalanceNeeded); status and
    // topics are served from the status store.
    return segments[0] === 'connectors' && segments[2] !== 'status' && segments[2] !== 'topics';
  }

  function route(method: string, segments: string[], query: URLSearchParams, body: unknown): Reply {
    const [root, name, sub, taskStr, taskSub] = segments;
    if (segments.length === 0 || (segments.length === 1 && root === '')) {
      if (method !== 'GET') throw new HttpError(405, 'HTTP 405 Method Not Allowed');
      return {
        status: 200,
        body: {
          version: options.version ?? '3.9.1',
          commit: options.commit ?? 'f745dfdcee2b9851',
          kafka_cluster_id: options.kafkaClusterId ?? 'fake-cluster-id-0000000',
        },
      };
    }
    if (root === 'health' && segments.length === 1) {
      if (method !== 'GET') throw new HttpError(405, 'HTTP 405 Method Not Allowed');
      if (health === 'healthy')
        return { status: 200, body: { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' } };
      if (health === 'starting') return { status: 503, body: { status: 'starting', message: 'Worker is still starting up.' } };
      return {
        status: 500,
        body: { status: 'unhealthy', message: 'Worker was unable to handle this request and may be unable to handle other requests.' },
      };
    }
    if (root === 'connector-plugins' && segments.length === 4 && sub === 'config' && taskStr === 'validate') {
      if (method !== 'PUT') throw new HttpError(405, 'HTTP 405 Method Not Allowed');
      return validateEndpoint(name ?? '', stringsOnly(toConfig(body, false)));
    }
    if (root !== 'connectors') throw new HttpError(404, 'HTTP 404 Not Found');

    if (name === undefined || (name === '' && segments.length === 2)) {
      if (method === 'GET') {
        const expand = query.getAll('expand');
        if (expand.length === 0) return { status: 200, body: [...connectors.keys()] };
        const out: Record<string, Record<string, unknown>> = {};
        for (const c of connectors.values()) {
          // ConnectorsResource skips a connector whose status (or info) lookup throws NotFound.
          if (expand.includes('status') && c.statusMissing) continue;
          const entry: Record<string, unknown> = {};
          for (const e of expand) {
            if (e === 'status') entry['status'] = stateOf(c);
            else if (e === 'info') entry['info'] = info(c);
          }
          out[c.name] = entry;
        }
        return { status: 200, body: out };
      }
      if (method === 'POST') {
        if (!isPlainObject(body)) throw new HttpError(400, 'Request body must be a JSON object');
        const rawName = body['name'];
        if (typeof rawName !== 'string' || rawName.trim() === '') throw new HttpError(400, 'Connector name must not be empty');
        const cname = rawName.trim();
        if (body['config'] === undefined || body['config'] === null) throw new HttpError(400, 'Connector config must not be null');
        const config = withName(cname, stringsOnly(toConfig(body['config'], false)));
        const initial = body['initial_state'];
        if (initial !== undefined && initial !== 'RUNNING' && initial !== 'PAUSED' && initial !== 'STOPPED') {
          throw new HttpError(400, `Invalid initial state ${String(initial)}`);
        }
        if (connectors.has(cname)) throw new HttpError(409, `Connector ${cname} already exists`);
        validateConfig(cname, config);
        const c = create(cname, config, (initial as TargetState | undefined) ?? 'RUNNING');
        return { status: 201, body: info(c), headers: { Location: `/connectors/${encodeURIComponent(cname)}` } };
      }
      throw new HttpError(405, 'HTTP 405 Method Not Allowed');
    }

    if (sub === undefined) {
      if (method === 'GET') return { status: 200, body: info(mustGet(name)) };
      if (method === 'DELETE') {
        const gone = mustGet(name);
        if (gone.offsets) retainedOffsets.set(name, gone.offsets);
        connectors.delete(name);
        return { status: 204 };
      }
      throw new HttpError(405, 'HTTP 405 Method Not Allowed');
    }

    if (sub === 'config' && segments.length === 3) {
      if (method === 'GET') return { status: 200, body: mustGet(name).config };
      if (method === 'PUT') {
        const config = withName(name, stringsOnly(toConfig(body, false)));
        validateConfig(name, config);
        const existing = connectors.get(name);
        if (existing) {
          existing.config = config; // replaces the whole config
          return { status: 200, body: info(existing) };
        }
        const c = create(name, config, 'RUNNING');
        return { status: 201, body: info(c), headers: { Location: `/connectors/${encodeURIComponent(name)}` } };
      }
      if (method === 'PATCH') {
        const c = mustGet(name);
        const patch = toConfig(body, true);
        const merged: Record<string, string | null> = { ...c.config, ...patch };
        const config = withName(name, stringsOnly(merged));
        validateConfig(name, config);
        c.config = config;
        return { status: 200, body: info(c) };
      }
      throw new HttpError(405, 'HTTP 405 Method Not Allowed');
    }

    if (sub === 'status' && segments.length === 3 && method === 'GET') {
      const c = connectors.get(name);
      if (!c || c.statusMissing) throw new HttpError(404, `No status found for connector ${name}`);
      return { status: 200, body: stateOf(c) };
    }

    if (sub === 'tasks' && segments.length === 3 && method === 'GET') {
      const c = mustGet(name);
      const tasks: TaskInfo[] = info(c).tasks.map((id) => ({
        id,
        config: {
          ...c.config,
          'task.class': c.config['connector.class'] ?? '',
          ...(c.assignedPartitions !== undefined ? { 'task.assigned.partitions': c.assignedPartitions } : {}),
        },
      }));
      return { status: 200, body: tasks };
    }

    if (sub === 'tasks' && taskStr !== undefined && segments.length === 5) {
      const c = connectors.get(name);
      const taskId = /^\d+$/.test(taskStr) ? Number(taskStr) : NaN;
      const exists = c !== undefined && Number.isInteger(taskId) && taskId < taskCount(c);
      if (taskSub === 'status' && method === 'GET') {
        if (!c || !exists || c.statusMissing) throw new HttpError(404, `No status found for task ${name}-${taskStr}`);
        const t = stateOf(c).tasks.find((x) => x.id === taskId);
        return { status: 200, body: t };
      }
      if (taskSub === 'restart' && method === 'POST') {
        if (!c) throw new HttpError(404, `Unknown connector: ${name}`);
        if (!exists) throw new HttpError(404, `Unknown task: ${name}-${taskStr}`);
        if (restartsHeld) c.taskOverrides.set(taskId, { state: 'RESTARTING' });
        else c.taskOverrides.delete(taskId);
        return { status: 204 };
      }
      throw new HttpError(405, 'HTTP 405 Method Not Allowed');
    }

    if (sub === 'restart' && segments.length === 3 && method === 'POST') {
      const c = connectors.get(name);
      if (!c) throw new HttpError(404, `Unknown connector: ${name}`);
      const includeTasks = query.get('includeTasks') === 'true';
      const onlyFailed = query.get('onlyFailed') === 'true';
      if (!includeTasks && !onlyFailed) {
        // Legacy form: restarts the Connector instance only, 204 No Content.
        c.connectorOverride = restartsHeld ? { state: 'RESTARTING' } : null;
        return { status: 204 };
      }
      return { status: 202, body: restart(c, includeTasks, onlyFailed) };
    }

    if ((sub === 'pause' || sub === 'resume' || sub === 'stop') && segments.length === 3 && method === 'PUT') {
      const c = mustGet(name, `Unknown connector ${name}`);
      if (sub === 'pause') c.targetState = 'PAUSED';
      else if (sub === 'resume') c.targetState = 'RUNNING';
      else {
        c.targetState = 'STOPPED';
        c.taskOverrides.clear();
      }
      if (c.connectorOverride && c.connectorOverride.state !== 'FAILED') c.connectorOverride = null;
      return { status: sub === 'stop' ? 204 : 202 };
    }

    if (sub === 'offsets' && segments.length === 3 && options.offsetsApi !== false) {
      const c = mustGet(name);
      if (method === 'GET') return { status: 200, body: { offsets: c.offsets ?? [] } };
      if (method === 'PATCH') {
        if (c.targetState !== 'STOPPED')
          throw new HttpError(
            400,
            "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/" +
              name +
              "/stop' endpoint",
          );
        const entries = ((body as { offsets?: unknown })?.offsets ?? []) as {
          partition: Record<string, unknown>;
          offset: Record<string, unknown> | null;
        }[];
        const merged = new Map((c.offsets ?? []).map((o) => [JSON.stringify(o.partition), o]));
        for (const e of entries) merged.set(JSON.stringify(e.partition), e);
        c.offsets = [...merged.values()];
        return { status: 200, body: { message: 'The offsets for this connector have been altered successfully' } };
      }
    }

    if (sub === 'topics') {
      if (!topicTracking) throw new HttpError(403, 'Topic tracking is disabled.');
      if (segments.length === 3 && method === 'GET') {
        const c = connectors.get(name);
        // AbstractHerder.connectorActiveTopics does not check existence: unknown → empty list.
        return { status: 200, body: { [name]: { topics: c ? [...c.topics] : [] } } };
      }
      if (taskStr === 'reset' && segments.length === 4 && method === 'PUT') {
        const c = connectors.get(name);
        if (c) c.topics = [];
        return { status: 202 };
      }
    }
    throw new HttpError(404, 'HTTP 404 Not Found');
  }

  function authorized(req: http.IncomingMessage): boolean {
    if (!options.auth) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+(.+)$/i.exec(header);
    if (!match) return false;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && decoded.slice(0, colon) === options.auth.username && decoded.slice(colon + 1) === options.auth.password;
  }

  function takeCanned(method: string, path: string): CannedResponse | null {
    const index = canned.findIndex((c) => (!c.method || c.method === method) && (!c.path || c.path.test(path)));
    if (index < 0) return null;
    const found = canned[index]!;
    const times = (found.times ?? 1) - 1;
    if (times <= 0) canned.splice(index, 1);
    else canned[index] = { ...found, times };
    return found;
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = raw;
      }
    }
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const isAuthorized = authorized(req);
    const record: RecordedRequest = { method, path: url.pathname, query, body, status: 0, authorized: isAuthorized };
    requests.push(record);

    if (resetsLeft > 0) {
      resetsLeft -= 1;
      req.socket.destroy();
      return;
    }
    if (hanging) return;

    let reply: Reply;
    const cannedReply = takeCanned(method, url.pathname);
    if (cannedReply) {
      reply = {
        status: cannedReply.status,
        body: cannedReply.body,
        ...(cannedReply.contentType ? { contentType: cannedReply.contentType } : {}),
      };
    } else if (!isAuthorized) {
      reply = { status: 401, body: UNAUTHORIZED_BODY, contentType: 'text/plain' };
    } else {
      const segments = url.pathname
        .split('/')
        .slice(1)
        .map((s) => {
          try {
            return decodeURIComponent(s);
          } catch {
            return s;
          }
        });
      if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
      const affected = rebalancing === true || (typeof rebalancing === 'number' && rebalancing > 0);
      if (affected && method !== 'GET' && segments[0] === 'connectors') {
        if (typeof rebalancing === 'number') rebalancing -= 1;
        reply = errorReply(409, REBALANCE_WRITE_MESSAGE);
      } else if (affected && method === 'GET' && isHerderRead(segments)) {
        if (typeof rebalancing === 'number') rebalancing -= 1;
        reply = errorReply(500, REBALANCE_READ_MESSAGE);
      } else if (typeof body === 'string') {
        reply = errorReply(400, `Unrecognized token '${body.slice(0, 20)}': was expecting JSON`);
      } else {
        try {
          reply = route(method, segments, url.searchParams, body);
        } catch (err: unknown) {
          if (err instanceof HttpError) reply = errorReply(err.status, err.message);
          else reply = errorReply(500, err instanceof Error ? err.message : String(err));
        }
      }
    }
    record.status = reply.status;
    const send = (): void => {
      if (res.destroyed) return;
      const headers: Record<string, string> = { ...(reply.headers ?? {}) };
      let payload = '';
      if (reply.body !== undefined && reply.status !== 204) {
        if (typeof reply.body === 'string') {
          payload = reply.body;
          headers['Content-Type'] = reply.contentType ?? 'text/plain';
        } else {
          payload = JSON.stringify(reply.body);
          headers['Content-Type'] = reply.contentType ?? 'application/json';
        }
      }
      res.writeHead(reply.status, headers);
      res.end(payload);
    };
    if (latencyMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, latencyMs);
      timers.add(timer);
    } else {
      send();
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  };

  const server: http.Server | https.Server = options.tls
    ? https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener)
    : http.createServer(listener);
  // Handshake failures (a client refusing our certificate) are expected in tests.
  server.on('tlsClientError', () => undefined);

  let up = false;
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        up = true;
        resolve((server.address() as AddressInfo).port);
      });
    });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (!up) {
        resolve();
        return;
      }
      up = false;
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const port = await listen(options.port ?? 0);
  workerId = `127.0.0.1:${port}`;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  function need(name: string): FakeConnector {
    const c = connectors.get(name);
    if (!c) throw new Error(`fake-connect: no connector ${name}`);
    return c;
  }

  return {
    url,
    port,
    workerId,
    state: { connectors },
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    clearRequests: () => {
      requests.length = 0;
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await close();
    },
    goDown: close,
    goUp: async () => {
      if (!up) await listen(port);
    },
    isUp: () => up,
    addConnector: (name, config, targetState = 'RUNNING') => create(name, { ...config, name }, targetState),
    connector: (name) => connectors.get(name),
    connectorStatus: (name) => {
      const c = connectors.get(name);
      return c ? stateOf(c) : undefined;
    },
    setRebalancing: (on) => {
      rebalancing = typeof on === 'boolean' ? on : on.requests;
    },
    setHealth: (h) => {
      health = h;
    },
    setTopicTracking: (enabled) => {
      topicTracking = enabled;
    },
    setTopics: (name, topics) => {
      need(name).topics = [...topics];
    },
    setTaskCount: (name, count) => {
      need(name).taskCountOverride = count;
    },
    setValidator: (v) => {
      validator = v;
    },
    failConnector: (name, trace) => {
      need(name).connectorOverride = { state: 'FAILED', trace };
    },
    failTask: (name, taskId, trace) => {
      need(name).taskOverrides.set(taskId, { state: 'FAILED', trace });
    },
    setConnectorState: (name, state, trace) => {
      need(name).connectorOverride = state === null ? null : { state, ...(trace ? { trace } : {}) };
    },
    setTaskState: (name, taskId, state, trace) => {
      const c = need(name);
      if (state === null) c.taskOverrides.delete(taskId);
      else c.taskOverrides.set(taskId, { state, ...(trace ? { trace } : {}) });
    },
    setStatusMissing: (name, missing) => {
      need(name).statusMissing = missing;
    },
    holdRestarts: (hold) => {
      restartsHeld = hold;
    },
    settleRestarts: () => {
      for (const c of connectors.values()) {
        if (c.connectorOverride?.state === 'RESTARTING') c.connectorOverride = null;
        for (const [id, o] of c.taskOverrides) if (o.state === 'RESTARTING') c.taskOverrides.delete(id);
      }
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setHanging: (on) => {
      hanging = on;
    },
    resetNextConnections: (n) => {
      resetsLeft = n;
    },
    injectResponse: (response) => {
      canned.push(response);
    },
  };
}
