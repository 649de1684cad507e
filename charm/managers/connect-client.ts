// Kafka Connect REST client used by the charm (one instance per hook dispatch): the REST resources
// the charm uses and what their answers mean. Sending (failover, retries, budget, TLS) is
// connect-transport.ts; naming failures is connect-errors.ts.

import { invalidName } from './connect-errors';
import {
  ShapeError,
  errorText,
  parseConfig,
  parseConfigValidation,
  parseConnectorInfo,
  parseExpandedListing,
  parseOffsets,
  parseStateInfo,
  parseTopics,
} from './connect-shapes';
import { ConnectTransport, MAX_DETAIL_CHARS, type Answer, type ConnectTransportOptions } from './connect-transport';
import type {
  ConfigValidation,
  ConnectorConfig,
  DeleteResult,
  ExpandedConnector,
  PutConfigResult,
  RestartOptions,
  RestartResult,
  TopicsResult,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorOffsetsResult,
  TargetState,
  TaskInfo,
} from './connect-types';

export { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES } from './connect-transport';
export type { ConnectLogLevel, ConnectLogger, ConnectTransportOptions as ConnectClientOptions } from './connect-transport';

function encodeName(name: string): string {
  if (name.trim() === '') throw invalidName();
  return encodeURIComponent(name);
}

export class ConnectClient {
  private readonly transport: ConnectTransport;

  constructor(options: ConnectTransportOptions) {
    this.transport = new ConnectTransport(options);
  }

  /** Adds values to redact (e.g. SCRAM passwords learnt after construction). */
  addSecrets(secrets: readonly string[]): void {
    this.transport.addSecrets(secrets);
  }

  /** Drops pooled keep-alive sockets. */
  close(): void {
    this.transport.close();
  }

  /**
   * GET /connectors?expand=status&expand=info → name → {status, info}. Connect silently omits a
   * connector whose status is not in the status topic yet (e.g. just created).
   */
  async listConnectors(): Promise<Map<string, ExpandedConnector>> {
    const path = '/connectors?expand=status&expand=info';
    const a = await this.transport.request({ method: 'GET', path, what: 'list connectors with status' });
    return this.parse(a, `GET ${path}`, parseExpandedListing);
  }

  /** PUT /connectors/{c}/config: create (201) or replace the whole config (200). */
  async putConnectorConfig(name: string, config: ConnectorConfig): Promise<PutConfigResult> {
    const path = `/connectors/${encodeName(name)}/config`;
    const a = await this.transport.request({ method: 'PUT', path, body: config, what: `write the config of connector '${name}'` });
    return { created: a.status === 201, info: this.parse(a, `PUT ${path}`, (b) => parseConnectorInfo(b)) };
  }

  /**
   * PUT /connector-plugins/{class}/config/validate: Connect's own verdict on a config (every
   * ConfigDef validator of the plugin, converters, transforms) without writing anything. The
   * config must carry `name` (unlike PUT /connectors/{c}/config). Reasons are redacted.
   */
  async validateConnectorConfig(config: ConnectorConfig): Promise<ConfigValidation> {
    const plugin = config['connector.class'] ?? '';
    const path = `/connector-plugins/${encodeName(plugin)}/config/validate`;
    const a = await this.transport.request({ method: 'PUT', path, body: config, what: `validate a config for '${plugin}'` });
    const v = this.parse(a, `PUT ${path}`, parseConfigValidation);
    return { ...v, invalid: v.invalid.map((k) => ({ key: k.key, errors: k.errors.map((e) => this.transport.redact(e)) })) };
  }

  /** Redacts every secret this client knows of (and anything secret-shaped) from `text`. */
  redact(text: string): string {
    return this.transport.redact(text);
  }

  /** DELETE /connectors/{c}: 204 → deleted; 404 → already gone (not an error). */
  async deleteConnector(name: string): Promise<DeleteResult> {
    const path = `/connectors/${encodeName(name)}`;
    const a = await this.transport.request({ method: 'DELETE', path, what: `delete connector '${name}'`, passThrough: [404] });
    return { outcome: a.status === 404 ? 'already-gone' : 'deleted' };
  }

  /** PUT /connectors/{c}/pause (202, asynchronous; poll status). */
  async pauseConnector(name: string): Promise<void> {
    await this.transport.request({ method: 'PUT', path: `/connectors/${encodeName(name)}/pause`, what: `pause connector '${name}'` });
  }

  /** PUT /connectors/{c}/resume (202; resumes PAUSED and STOPPED connectors). */
  async resumeConnector(name: string): Promise<void> {
    await this.transport.request({ method: 'PUT', path: `/connectors/${encodeName(name)}/resume`, what: `resume connector '${name}'` });
  }

  /**
   * POST /connectors/{c}/restart. Both flags false → legacy 204 (connector instance only);
   * otherwise 202 with the instances scheduled for restart shown as RESTARTING.
   */
  async restartConnector(name: string, options: RestartOptions = {}): Promise<RestartResult> {
    const includeTasks = options.includeTasks ?? false;
    const onlyFailed = options.onlyFailed ?? false;
    const query = includeTasks || onlyFailed ? `?includeTasks=${includeTasks}&onlyFailed=${onlyFailed}` : '';
    const path = `/connectors/${encodeName(name)}/restart${query}`;
    const a = await this.transport.request({ method: 'POST', path, what: `restart connector '${name}'` });
    if (a.status === 202) {
      return { outcome: 'scheduled', status: this.parse(a, `POST ${path}`, (b) => parseStateInfo(b)) };
    }
    return { outcome: 'restarted' };
  }

  /** GET /connectors/{c}/topics; 403 (topic tracking disabled on the worker) is a typed result. */
  async connectorTopics(name: string): Promise<TopicsResult> {
    const path = `/connectors/${encodeName(name)}/topics`;
    const a = await this.transport.request({
      method: 'GET',
      path,
      what: `read the active topics of connector '${name}'`,
      passThrough: [403],
    });
    if (a.status === 403) {
      return {
        tracking: 'disabled',
        message: this.transport.redact(errorText(a.body)).slice(0, MAX_DETAIL_CHARS) || 'Topic tracking is disabled.',
      };
    }
    return { tracking: 'enabled', topics: this.parse(a, `GET ${path}`, (b) => parseTopics(b, name)) };
  }

  // ---- replication health, offsets carry-over, failover (charm/events/health-check.ts, offsets-carry.ts)

  /**
   * POST /connectors (create only), optionally in `initialState` (KIP-980, Kafka ≥ 3.7). 409
   * "already exists" is thrown as kind 'conflict'; use putConnectorConfig for create-or-update.
   */
  async createConnector(name: string, config: ConnectorConfig, initialState?: TargetState): Promise<ConnectorInfo> {
    const body = { name, config, ...(initialState ? { initial_state: initialState } : {}) };
    const a = await this.transport.request({ method: 'POST', path: '/connectors', body, what: `create connector '${name}'` });
    return this.parse(a, 'POST /connectors', (b) => parseConnectorInfo(b));
  }

  /** PUT /connectors/{c}/stop (204, Kafka ≥ 3.5): tasks shut down, offsets kept. */
  async stopConnector(name: string): Promise<void> {
    await this.transport.request({ method: 'PUT', path: `/connectors/${encodeName(name)}/stop`, what: `stop connector '${name}'` });
  }

  /** GET /connectors/{c}/tasks: the task configs (they carry secrets: callers read single keys only). */
  async connectorTasks(name: string): Promise<TaskInfo[]> {
    const path = `/connectors/${encodeName(name)}/tasks`;
    const a = await this.transport.request({ method: 'GET', path, what: `read the tasks of connector '${name}'` });
    return this.parse(a, `GET ${path}`, (b) => {
      if (!Array.isArray(b)) throw new ShapeError('body is not an array');
      return b.map((t: unknown, i): TaskInfo => {
        if (typeof t !== 'object' || t === null) throw new ShapeError(`tasks[${i}] is not an object`);
        const { id, config } = t as { id?: unknown; config?: unknown };
        const idObj = (typeof id === 'object' && id !== null ? id : {}) as { connector?: unknown; task?: unknown };
        if (typeof idObj.connector !== 'string' || typeof idObj.task !== 'number')
          throw new ShapeError(`tasks[${i}].id is not {connector, task}`);
        return { id: { connector: idObj.connector, task: idObj.task }, config: parseConfig(config, `tasks[${i}].config`) };
      });
    });
  }

  /**
   * GET /connectors/{c}/offsets (KIP-875, Kafka ≥ 3.5). Call it for a connector that exists: a
   * 404 or 405 then means the worker has no offsets API, returned as `supported: false`.
   */
  async connectorOffsets(name: string): Promise<ConnectorOffsetsResult> {
    const path = `/connectors/${encodeName(name)}/offsets`;
    const a = await this.transport.request({
      method: 'GET',
      path,
      what: `read the offsets of connector '${name}'`,
      passThrough: [404, 405],
    });
    if (a.status === 404 || a.status === 405) {
      return { supported: false, message: `Kafka Connect has no offsets API (GET ${path} → ${a.status}; needs Kafka ≥ 3.5)` };
    }
    return { supported: true, offsets: this.parse(a, `GET ${path}`, parseOffsets) };
  }

  /** PATCH /connectors/{c}/offsets (KIP-875, Kafka ≥ 3.6; the connector must be STOPPED). 404/405 → unsupported. */
  async alterConnectorOffsets(
    name: string,
    offsets: readonly ConnectorOffset[],
  ): Promise<{ supported: true } | { supported: false; message: string }> {
    const path = `/connectors/${encodeName(name)}/offsets`;
    const a = await this.transport.request({
      method: 'PATCH',
      path,
      body: { offsets },
      what: `write the offsets of connector '${name}'`,
      passThrough: [404, 405],
    });
    if (a.status === 404 || a.status === 405) {
      return { supported: false, message: `Kafka Connect cannot alter offsets (PATCH ${path} → ${a.status}; needs Kafka ≥ 3.6)` };
    }
    return { supported: true };
  }

  private parse<T>(a: Answer, op: string, parser: (body: unknown) => T): T {
    let body: unknown;
    try {
      body = JSON.parse(a.body) as unknown;
    } catch {
      throw this.transport.errors.shape(a.status, a.endpoint, op, 'body is not JSON');
    }
    try {
      return parser(body);
    } catch (err: unknown) {
      if (err instanceof ShapeError) throw this.transport.errors.shape(a.status, a.endpoint, op, err.message);
      throw err;
    }
  }
}
