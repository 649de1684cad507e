// Kafka Connect REST client used by the charm (one instance per hook dispatch).
//
// Policy (numbers are the defaults; all are options):
// - Every HTTP attempt has a hard timeout: min(requestTimeoutMs = 15 s, what is left of the budget).
//   Connect's own request timeout is 90 s; we stop earlier because a hook must finish. A write that
//   times out on our side may still land, which is safe because every write this client makes is
//   idempotent (PUT config, DELETE, pause/resume/stop, restart) and reconcile re-reads state first.
// - Total budget: totalBudgetMs = 45 s for the whole instance (i.e. the whole dispatch), counted
//   from the first request. A blocked hook stalls the unit's whole event queue (Juju runs one hook
//   at a time per unit) and `juju run` callers wait on actions, so the REST work of one dispatch
//   stays under the 60 s we treat as a hook's allowance, leaving time for status writes. After the
//   budget is spent every further call fails at once with kind 'timeout' and sends nothing.
// - Failover: endpoints are tried in order starting from the last one that answered; connection
//   refused/reset, DNS failure, TLS failure, per-attempt timeout or 503 (worker starting) → next
//   endpoint. The endpoint that answers is remembered for the rest of the dispatch. When every
//   endpoint fails to answer, one more round is tried after a back-off (maxUnreachableRounds = 2).
// - Retries with jittered exponential back-off (250 ms doubling up to 2 s, each delay drawn from
//   [d/2, d]) on: 409 except "already exists" (rebalance, no known leader, stale config); 500
//   "…rebalance is expected"; 500 "Request timed out…" for GETs only (a timed-out write may have
//   been applied; the caller re-reads). At most maxAttempts = 10 attempts per call, never sleeping
//   past the budget.
// - Bodies are never logged. Error messages are redacted (charm/core/redact.ts) and carry no axios error.

import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { ConnectApiError, type ConnectErrorKind } from './connect-errors';
import {
  parseConfigValidation,
  ShapeError,
  errorText,
  parseConfig,
  parseConnectorInfo,
  parseExpandedListing,
  parseStateInfo,
  parseTopics,
  parseWorkerInfo,
} from './connect-shapes';
import {
  type ConfigValidation,
  HTTP_METHODS,
  type ConnectorConfig,
  type ConnectorInfo,
  type ConnectorStateInfo,
  type DeleteResult,
  type ExpandedConnector,
  type HttpMethod,
  type PutConfigResult,
  type RestartOptions,
  type RestartResult,
  type TargetState,
  type TaskInfo,
  type TopicsResult,
  type WorkerHealth,
  type WorkerInfo,
} from './connect-types';
import { redactSecrets } from '../core/redact';

export type ConnectLogLevel = 'debug' | 'warning';
/** Receives one line per attempt and per retry decision; never bodies, never secrets. */
export type ConnectLogger = (level: ConnectLogLevel, line: string) => void;

export interface BackoffOptions {
  /** First delay before a retry (default 250 ms). */
  initialMs?: number;
  /** Cap on the delay (default 2000 ms). */
  maxMs?: number;
  /** Attempts per call including the first (default 10). */
  maxAttempts?: number;
  /** Rounds over all endpoints when none answers (default 2). */
  maxUnreachableRounds?: number;
}

export interface ConnectClientOptions {
  /** Worker URLs with scheme, e.g. `http://10.1.2.3:8083` or `https://connect-0:8083`. */
  endpoints: readonly string[];
  username: string;
  password: string;
  /** PEM CA bundle from the relation; https is verified against it, else against the system store. */
  caPem?: string;
  /** Per-attempt timeout (default 15 000 ms). */
  requestTimeoutMs?: number;
  /** Budget for all calls of this instance (default 45 000 ms). */
  totalBudgetMs?: number;
  /** More values to redact from messages, e.g. the SCRAM passwords put into connector configs. */
  extraSecrets?: readonly string[];
  logger?: ConnectLogger;
  backoff?: BackoffOptions;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface ConnectClientStats {
  requests: Record<HttpMethod, number>;
  total: number;
  retries: number;
  failovers: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/**
 * Largest answer read from Connect: the expanded listing of a busy worker (every connector's config
 * and status) stays far below; anything larger is refused rather than buffered and parsed.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Largest request body: Connect's config topic takes at most 1 MB per record (the broker default). */
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
export const DEFAULT_TOTAL_BUDGET_MS = 45_000;
export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialMs: 250,
  maxMs: 2_000,
  maxAttempts: 10,
  maxUnreachableRounds: 2,
};
/** Below this much budget an attempt is not worth starting. */
const MIN_ATTEMPT_MS = 50;
/** Error text from Connect is cut to this length before it goes into a message. */
const MAX_DETAIL_CHARS = 600;

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface Endpoint {
  /** Base URL without credentials or trailing slash. */
  base: string;
  /** What messages and logs show. */
  display: string;
}

interface RequestSpec {
  method: HttpMethod;
  /** Path + query, already encoded. */
  path: string;
  body?: unknown;
  /** Statuses the caller interprets itself: returned without retrying. */
  passThrough?: readonly number[];
  /** What the call does, for messages ("update the config of connector 'x'"). */
  what: string;
}

interface Answer {
  status: number;
  body: string;
  endpoint: Endpoint;
}

type Failure =
  | { type: 'network'; kind: ConnectErrorKind; endpoint: Endpoint; detail: string }
  | { type: 'http'; status: number; endpoint: Endpoint; detail: string };

function encodeName(name: string): string {
  if (name.trim() === '') {
    throw new ConnectApiError({
      kind: 'invalid-config',
      endpoint: '(none)',
      message: 'a connector name must not be empty (no request was sent)',
    });
  }
  return encodeURIComponent(name);
}

function parseEndpoint(raw: string): Endpoint {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConnectApiError({
      kind: 'unreachable',
      endpoint: '(invalid)',
      message: `Kafka Connect endpoint "${raw.replace(/\/\/[^@/]*@/, '//')}" from the connect-client relation is not a URL`,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectApiError({
      kind: 'unreachable',
      endpoint: url.host,
      message: `Kafka Connect endpoint ${url.protocol}//${url.host} must use http or https`,
    });
  }
  // Credentials come from the relation's username/password, never from the URL.
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return { base, display: base };
}

function isRebalanceMessage(text: string): boolean {
  return /rebalance|no known leader|stale configuration|conflicting operation/i.test(text);
}

function isTimeoutMessage(text: string): boolean {
  return /^Request timed out/i.test(text.trim());
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code !== 'ERR_BAD_REQUEST' && code !== 'ERR_NETWORK') return code;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== err ? errorCode(cause) : undefined;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export class ConnectClient {
  private readonly endpoints: Endpoint[];
  private readonly username: string;
  private readonly password: string;
  /** Secret values to redact from every message (the shapes are redacted too, see charm/core). */
  private readonly secrets: string[];
  private readonly http: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly requestTimeoutMs: number;
  private readonly totalBudgetMs: number;
  private readonly backoff: Required<BackoffOptions>;
  private readonly log: ConnectLogger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly hasCa: boolean;
  private preferred = 0;
  private deadline: number | null = null;
  private readonly counts: Record<HttpMethod, number> = { GET: 0, POST: 0, PUT: 0, PATCH: 0, DELETE: 0 };
  private retries = 0;
  private failovers = 0;

  constructor(options: ConnectClientOptions) {
    if (options.endpoints.length === 0) {
      throw new ConnectApiError({
        kind: 'unreachable',
        endpoint: '(none)',
        message: 'no Kafka Connect endpoints: the connect-client relation has not published any yet',
      });
    }
    this.endpoints = options.endpoints.map(parseEndpoint);
    this.username = options.username;
    this.password = options.password;
    this.secrets = [
      options.password,
      Buffer.from(`${options.username}:${options.password}`).toString('base64'),
      ...(options.extraSecrets ?? []),
    ];
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.totalBudgetMs = options.totalBudgetMs ?? DEFAULT_TOTAL_BUDGET_MS;
    this.backoff = { ...DEFAULT_BACKOFF, ...(options.backoff ?? {}) };
    const logger = options.logger;
    // Lines carry no bodies; redacting them anyway guards against secrets in names or messages.
    this.log = logger ? (level, line) => logger(level, this.redact(line)) : () => undefined;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.hasCa = options.caPem !== undefined && options.caPem.trim() !== '';
    this.httpAgent = new http.Agent({ keepAlive: true });
    // Verified TLS only: `ca` replaces the system store when the relation gives a CA.
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      rejectUnauthorized: true,
      ...(this.hasCa ? { ca: options.caPem } : {}),
    });
    this.http = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // Juju hands proxies to charms as JUJU_CHARM_*_PROXY; ambient HTTP(S)_PROXY must not
      // silently reroute REST calls that carry credentials.
      proxy: false,
      maxRedirects: 0,
      maxContentLength: MAX_RESPONSE_BYTES,
      maxBodyLength: MAX_REQUEST_BYTES,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
    });
  }

  /** Adds values to redact (e.g. SCRAM passwords learnt after construction). */
  addSecrets(secrets: readonly string[]): void {
    for (const s of secrets) if (typeof s === 'string' && s.length > 0 && !this.secrets.includes(s)) this.secrets.push(s);
  }

  /** Redacts text with this client's known secrets and the secret-shaped patterns. */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /** Requests sent by this instance, by method (every attempt counts, including retries). */
  requestCounts(): Record<HttpMethod, number> {
    return { ...this.counts };
  }

  stats(): ConnectClientStats {
    const total = HTTP_METHODS.reduce((sum, m) => sum + this.counts[m], 0);
    return { requests: this.requestCounts(), total, retries: this.retries, failovers: this.failovers };
  }

  /** The endpoint that answered last (where the next call starts). */
  currentEndpoint(): string {
    return this.endpoints[this.preferred]!.display;
  }

  /** Milliseconds left of the budget (the full budget before the first request). */
  remainingBudgetMs(): number {
    return this.deadline === null ? this.totalBudgetMs : Math.max(0, this.deadline - this.now());
  }

  /** Drops pooled keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  // ---- API -------------------------------------------------------------------------------

  /** GET / → worker version, commit and the Kafka cluster id behind Connect. */
  async root(): Promise<WorkerInfo> {
    const a = await this.call({ method: 'GET', path: '/', what: 'read the worker info' });
    return this.parse(a, 'GET /', parseWorkerInfo);
  }

  /** GET /health (3.9+). 503/500 are reported as data; 404 (older workers) as 'unsupported'. */
  async health(): Promise<WorkerHealth> {
    const a = await this.call({ method: 'GET', path: '/health', what: 'read the worker health', passThrough: [404, 500, 503] });
    if (a.status === 404) return { status: 'unsupported', message: 'GET /health needs Kafka Connect 3.9+', httpStatus: 404 };
    const body = this.json(a, 'GET /health');
    const obj = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    return {
      status: typeof obj['status'] === 'string' ? obj['status'] : a.status === 200 ? 'healthy' : 'unhealthy',
      message: this.redact(typeof obj['message'] === 'string' ? obj['message'] : ''),
      httpStatus: a.status,
    };
  }

  /** Connector names (GET /connectors). */
  async listConnectorNames(): Promise<string[]> {
    const a = await this.call({ method: 'GET', path: '/connectors', what: 'list connectors' });
    const body = this.json(a, 'GET /connectors');
    if (!Array.isArray(body) || !body.every((n): n is string => typeof n === 'string')) {
      throw this.shapeError(a, 'GET /connectors', 'body is not a string array');
    }
    return body;
  }

  /**
   * GET /connectors?expand=status&expand=info → name → {status, info}. Connect silently omits a
   * connector whose status is not in the status topic yet (e.g. just created).
   */
  async listConnectors(): Promise<Map<string, ExpandedConnector>> {
    const path = '/connectors?expand=status&expand=info';
    const a = await this.call({ method: 'GET', path, what: 'list connectors with status' });
    return this.parse(a, `GET ${path}`, parseExpandedListing);
  }

  /** GET /connectors/{c}: throws kind 'not-found' when the connector does not exist. */
  async getConnector(name: string): Promise<ConnectorInfo> {
    const path = `/connectors/${encodeName(name)}`;
    const a = await this.call({ method: 'GET', path, what: `read connector '${name}'` });
    return this.parse(a, `GET ${path}`, (b) => parseConnectorInfo(b));
  }

  /** GET /connectors/{c}/config (raw, with config-provider placeholders); 'not-found' if missing. */
  async getConnectorConfig(name: string): Promise<ConnectorConfig> {
    const path = `/connectors/${encodeName(name)}/config`;
    const a = await this.call({ method: 'GET', path, what: `read the config of connector '${name}'` });
    return this.parse(a, `GET ${path}`, (b) => parseConfig(b));
  }

  /** PUT /connectors/{c}/config: create (201) or replace the whole config (200). */
  async putConnectorConfig(name: string, config: ConnectorConfig): Promise<PutConfigResult> {
    const path = `/connectors/${encodeName(name)}/config`;
    const a = await this.call({ method: 'PUT', path, body: config, what: `write the config of connector '${name}'` });
    return { created: a.status === 201, info: this.parse(a, `PUT ${path}`, (b) => parseConnectorInfo(b)) };
  }

  /**
   * PUT /connector-plugins/{class}/config/validate: Connect's own verdict on a config (every
   * ConfigDef validator of the plugin, converters, transforms) without writing anything. The
   * reasons are redacted like every other text from Connect.
   */
  async validateConnectorConfig(config: ConnectorConfig): Promise<ConfigValidation> {
    const plugin = config['connector.class'] ?? '';
    const path = `/connector-plugins/${encodeName(plugin)}/config/validate`;
    const a = await this.call({ method: 'PUT', path, body: config, what: `validate a config for '${plugin}'` });
    const v = this.parse(a, `PUT ${path}`, parseConfigValidation);
    return { ...v, invalid: v.invalid.map((k) => ({ key: k.key, errors: k.errors.map((e) => this.redact(e)) })) };
  }

  /**
   * POST /connectors (create only). 409 "already exists" is thrown as kind 'conflict' without
   * retrying; use putConnectorConfig for create-or-update.
   */
  async createConnector(name: string, config: ConnectorConfig, initialState?: TargetState): Promise<ConnectorInfo> {
    const body = { name, config, ...(initialState ? { initial_state: initialState } : {}) };
    const a = await this.call({ method: 'POST', path: '/connectors', body, what: `create connector '${name}'` });
    return this.parse(a, 'POST /connectors', (b) => parseConnectorInfo(b));
  }

  /** DELETE /connectors/{c}: 204 → deleted; 404 → already gone (not an error). */
  async deleteConnector(name: string): Promise<DeleteResult> {
    const path = `/connectors/${encodeName(name)}`;
    const a = await this.call({ method: 'DELETE', path, what: `delete connector '${name}'`, passThrough: [404] });
    if (a.status === 404) {
      this.log('debug', `connector '${name}' was already gone on ${a.endpoint.display}`);
      return { outcome: 'already-gone' };
    }
    return { outcome: 'deleted' };
  }

  /** PUT /connectors/{c}/pause (202, asynchronous; poll status). */
  async pauseConnector(name: string): Promise<void> {
    await this.call({ method: 'PUT', path: `/connectors/${encodeName(name)}/pause`, what: `pause connector '${name}'` });
  }

  /** PUT /connectors/{c}/resume (202; resumes PAUSED and STOPPED connectors). */
  async resumeConnector(name: string): Promise<void> {
    await this.call({ method: 'PUT', path: `/connectors/${encodeName(name)}/resume`, what: `resume connector '${name}'` });
  }

  /** PUT /connectors/{c}/stop (204, 3.5+). */
  async stopConnector(name: string): Promise<void> {
    await this.call({ method: 'PUT', path: `/connectors/${encodeName(name)}/stop`, what: `stop connector '${name}'` });
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
    const a = await this.call({ method: 'POST', path, what: `restart connector '${name}'` });
    if (a.status === 202) {
      return { outcome: 'scheduled', status: this.parse(a, `POST ${path}`, (b) => parseStateInfo(b)) };
    }
    return { outcome: 'restarted' };
  }

  /** POST /connectors/{c}/tasks/{t}/restart (204). */
  async restartTask(name: string, taskId: number): Promise<void> {
    const path = `/connectors/${encodeName(name)}/tasks/${encodeURIComponent(String(taskId))}/restart`;
    await this.call({ method: 'POST', path, what: `restart task ${taskId} of connector '${name}'` });
  }

  /** GET /connectors/{c}/status; 'not-found' when Connect has no status for it (yet). */
  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const path = `/connectors/${encodeName(name)}/status`;
    const a = await this.call({ method: 'GET', path, what: `read the status of connector '${name}'` });
    return this.parse(a, `GET ${path}`, (b) => parseStateInfo(b));
  }

  /** GET /connectors/{c}/tasks. */
  async connectorTasks(name: string): Promise<TaskInfo[]> {
    const path = `/connectors/${encodeName(name)}/tasks`;
    const a = await this.call({ method: 'GET', path, what: `read the tasks of connector '${name}'` });
    return this.parse(a, `GET ${path}`, (b) => {
      if (!Array.isArray(b)) throw new ShapeError('body is not an array');
      return b.map((t: unknown, i): TaskInfo => {
        if (typeof t !== 'object' || t === null) throw new ShapeError(`tasks[${i}] is not an object`);
        const { id, config } = t as { id?: unknown; config?: unknown };
        const idObj = (typeof id === 'object' && id !== null ? id : {}) as { connector?: unknown; task?: unknown };
        if (typeof idObj.connector !== 'string' || typeof idObj.task !== 'number') {
          throw new ShapeError(`tasks[${i}].id is not {connector, task}`);
        }
        return { id: { connector: idObj.connector, task: idObj.task }, config: parseConfig(config, `tasks[${i}].config`) };
      });
    });
  }

  /** GET /connectors/{c}/topics; 403 (topic tracking disabled on the worker) is a typed result. */
  async connectorTopics(name: string): Promise<TopicsResult> {
    const path = `/connectors/${encodeName(name)}/topics`;
    const a = await this.call({ method: 'GET', path, what: `read the active topics of connector '${name}'`, passThrough: [403] });
    if (a.status === 403) {
      return { tracking: 'disabled', message: this.redact(errorText(a.body)).slice(0, MAX_DETAIL_CHARS) || 'Topic tracking is disabled.' };
    }
    return { tracking: 'enabled', topics: this.parse(a, `GET ${path}`, (b) => parseTopics(b, name)) };
  }

  // ---- transport -------------------------------------------------------------------------

  private startBudget(): number {
    if (this.deadline === null) this.deadline = this.now() + this.totalBudgetMs;
    return this.deadline;
  }

  /** Runs one call with failover and retries; returns a 2xx or pass-through answer, else throws. */
  private async call(spec: RequestSpec): Promise<Answer> {
    const deadline = this.startBudget();
    const started = this.now();
    const op = `${spec.method} ${spec.path}`;
    let attempts = 0;
    let unreachableRounds = 0;
    let last: Failure | null = null;

    for (;;) {
      attempts += 1;
      const round = await this.tryEndpoints(spec, deadline);
      if (round.type === 'answer') {
        const a = round.answer;
        if ((a.status >= 200 && a.status < 300) || spec.passThrough?.includes(a.status)) return a;
        const detail = this.detail(a.body);
        if (!this.isRetryable(spec.method, a.status, detail)) throw this.httpError(spec, a.status, a.endpoint, detail, attempts - 1);
        last = { type: 'http', status: a.status, endpoint: a.endpoint, detail };
      } else {
        last = round.failure;
        if (round.allUnreachable) {
          unreachableRounds += 1;
          if (unreachableRounds >= this.backoff.maxUnreachableRounds) throw this.unreachableError(round.failures, attempts - 1);
        }
        if (round.budgetSpent) throw this.budgetError(spec, last, attempts - 1, started);
      }

      if (attempts >= this.backoff.maxAttempts) throw this.exhaustedError(spec, last, attempts, started);
      const delay = this.backoffDelay(attempts);
      if (this.now() + delay + MIN_ATTEMPT_MS > deadline) throw this.budgetError(spec, last, attempts - 1, started);
      this.retries += 1;
      this.log('warning', `${op}: ${this.describeFailure(last)}; retry ${attempts}/${this.backoff.maxAttempts - 1} in ${Math.round(delay)} ms`);
      await this.sleep(delay);
    }
  }

  private backoffDelay(attempt: number): number {
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (attempt - 1));
    return ceiling / 2 + (this.random() * ceiling) / 2;
  }

  private isRetryable(method: HttpMethod, status: number, detail: string): boolean {
    if (status === 409) return !/already exists/i.test(detail);
    if (status === 500) {
      if (isTimeoutMessage(detail)) return method === 'GET';
      return isRebalanceMessage(detail);
    }
    return false;
  }

  private async tryEndpoints(
    spec: RequestSpec,
    deadline: number,
  ): Promise<
    | { type: 'answer'; answer: Answer }
    | { type: 'failed'; failure: Failure; failures: Failure[]; allUnreachable: boolean; budgetSpent: boolean }
  > {
    const failures: Failure[] = [];
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      const index = (this.preferred + i) % n;
      const endpoint = this.endpoints[index]!;
      const remaining = deadline - this.now();
      if (remaining < MIN_ATTEMPT_MS) {
        const failure: Failure = failures[failures.length - 1] ?? {
          type: 'network',
          kind: 'timeout',
          endpoint,
          detail: 'no budget left',
        };
        return { type: 'failed', failure, failures, allUnreachable: false, budgetSpent: true };
      }
      if (i > 0) this.failovers += 1;
      const outcome = await this.attempt(spec, endpoint, Math.min(this.requestTimeoutMs, remaining));
      if (outcome.type === 'answer') {
        if (outcome.answer.status === 503 && !spec.passThrough?.includes(503)) {
          // A worker that is still starting: another one may be ready.
          failures.push({ type: 'http', status: 503, endpoint, detail: this.detail(outcome.answer.body) || 'worker is starting' });
          continue;
        }
        this.preferred = index;
        return outcome;
      }
      failures.push(outcome.failure);
    }
    const failure = failures[failures.length - 1]!;
    return { type: 'failed', failure, failures, allUnreachable: true, budgetSpent: false };
  }

  private async attempt(
    spec: RequestSpec,
    endpoint: Endpoint,
    timeoutMs: number,
  ): Promise<{ type: 'answer'; answer: Answer } | { type: 'failed'; failure: Failure }> {
    const started = this.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    this.counts[spec.method] += 1;
    try {
      const response = await this.http.request<string>({
        method: spec.method,
        url: `${endpoint.base}${spec.path}`,
        auth: { username: this.username, password: this.password },
        // Connect's resources only consume application/json (415 otherwise), and axios labels a
        // bodiless PUT/POST (pause, resume, stop, restart) application/x-www-form-urlencoded.
        headers: { Accept: 'application/json', ...(spec.body !== undefined || spec.method !== 'GET' ? { 'Content-Type': 'application/json' } : {}) },
        ...(spec.body !== undefined ? { data: JSON.stringify(spec.body) } : {}),
        timeout: timeoutMs,
        signal: controller.signal,
      });
      const body = typeof response.data === 'string' ? response.data : '';
      this.log('debug', `${spec.method} ${spec.path} → ${response.status} in ${Math.round(this.now() - started)} ms via ${endpoint.display}`);
      return { type: 'answer', answer: { status: response.status, body, endpoint } };
    } catch (err: unknown) {
      const code = errorCode(err);
      const tooLarge = err instanceof Error && /maxContentLength|maxBodyLength/.test(err.message);
      if (tooLarge) {
        const which = /maxBodyLength/.test(err.message) ? `request body over ${MAX_REQUEST_BYTES} bytes` : `answer over ${MAX_RESPONSE_BYTES} bytes`;
        return { type: 'failed', failure: { type: 'network', kind: 'server', endpoint, detail: `${which}: refused without reading further` } };
      }
      const failure = this.networkFailure(endpoint, code, timedOut || code === 'ECONNABORTED' || code === 'ETIMEDOUT', timeoutMs);
      this.log('debug', `${spec.method} ${spec.path} → ${failure.detail} after ${Math.round(this.now() - started)} ms via ${endpoint.display}`);
      return { type: 'failed', failure };
    } finally {
      clearTimeout(timer);
    }
  }

  private networkFailure(endpoint: Endpoint, code: string | undefined, timedOut: boolean, timeoutMs: number): Failure {
    if (timedOut) return { type: 'network', kind: 'timeout', endpoint, detail: `no answer within ${seconds(timeoutMs)}` };
    const handshake = code === 'EPROTO' || code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_OSSL_');
    if (code && (TLS_CODES.has(code) || handshake || code.startsWith('ERR_TLS_'))) {
      const why =
        code === 'ERR_TLS_CERT_ALTNAME_INVALID'
          ? 'the certificate does not name this host'
          : handshake
            ? 'TLS handshake failed (is the endpoint really https?)'
            : this.hasCa
              ? 'the certificate is not signed by the CA from the connect-client relation'
              : 'the certificate is not trusted by the system trust store and the relation provided no CA';
      return { type: 'network', kind: 'tls', endpoint, detail: `TLS verification failed (${code}): ${why}` };
    }
    const reasons: Record<string, string> = {
      ECONNREFUSED: 'connection refused',
      ECONNRESET: 'connection reset',
      EPIPE: 'connection reset',
      ENOTFOUND: 'host name not found',
      EAI_AGAIN: 'host name lookup failed',
      EHOSTUNREACH: 'host unreachable',
      ENETUNREACH: 'network unreachable',
    };
    const detail = code ? (reasons[code] ?? `network error ${code}`) : 'network error';
    return { type: 'network', kind: 'unreachable', endpoint, detail };
  }

  // ---- errors ----------------------------------------------------------------------------

  private detail(body: string): string {
    const text = this.redact(errorText(body)).replace(/\s+/g, ' ').trim();
    return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
  }

  private describeFailure(f: Failure): string {
    if (f.type === 'network') return `${f.detail} (${f.endpoint.display})`;
    const label = f.status === 409 ? 'rebalance in progress' : f.status === 503 ? 'worker starting' : 'server error';
    return `${f.status} ${label}: ${f.detail} (${f.endpoint.display})`;
  }

  private httpError(spec: RequestSpec, status: number, endpoint: Endpoint, detail: string, retries: number): ConnectApiError {
    const at = `Kafka Connect at ${endpoint.display}`;
    const suffix = detail ? `: ${detail}` : '';
    let kind: ConnectErrorKind;
    let message: string;
    if (status === 401) {
      kind = 'unauthorized';
      message = `${at} rejected the credentials (401${suffix ? `, "${detail}"` : ''}): check the connect-client relation (username and password)`;
    } else if (status === 403) {
      kind = 'unauthorized';
      message = `${at} refused to ${spec.what} (403)${suffix}: the relation user lacks permission`;
    } else if (status === 404) {
      kind = 'not-found';
      message = `${at} could not ${spec.what} (404)${suffix}`;
    } else if (status === 409) {
      kind = 'conflict';
      message = `${at} could not ${spec.what} (409)${suffix}`;
    } else if (status === 400) {
      kind = 'invalid-config';
      message = `${at} rejected the request to ${spec.what} as invalid (400)${suffix}; fix the charm config or relation data it was built from`;
    } else if (status === 500 && isTimeoutMessage(detail)) {
      kind = 'timeout';
      message =
        `${at} timed out trying to ${spec.what} (500)${suffix}` +
        (spec.method === 'GET' ? '' : '; the change may still be applied — the next reconcile re-reads the state');
    } else {
      kind = 'server';
      message = `${at} failed to ${spec.what} (${status})${suffix}`;
    }
    return new ConnectApiError({ kind, status, endpoint: endpoint.display, message: this.redact(message), retries });
  }

  private unreachableError(failures: Failure[], retries: number): ConnectApiError {
    const n = this.endpoints.length;
    const parts = failures.map((f) => `${f.endpoint.display}: ${f.type === 'network' ? f.detail : `${f.status} ${f.detail}`}`);
    const kinds = failures.map((f) => (f.type === 'network' ? f.kind : 'unreachable'));
    const kind: ConnectErrorKind = kinds.includes('tls') ? 'tls' : kinds.every((k) => k === 'timeout') ? 'timeout' : 'unreachable';
    const starting = failures.every((f) => f.type === 'http' && f.status === 503);
    const what = starting
      ? n === 1
        ? 'the Kafka Connect worker is still starting'
        : `all ${n} Kafka Connect workers are still starting`
      : n === 1
        ? 'the Kafka Connect endpoint is unreachable'
        : `all ${n} Kafka Connect endpoints are unreachable`;
    const advice = starting
      ? 'the next hook will try again'
      : kind === 'tls'
        ? 'check the CA (tls-ca) on the connect-client relation'
        : 'check that the Kafka Connect units are up and reachable from this unit';
    return new ConnectApiError({
      kind,
      endpoint: this.endpoints.map((e) => e.display).join(', '),
      message: this.redact(`${what} (${parts.join('; ')}): ${advice}`),
      retries,
    });
  }

  private exhaustedError(spec: RequestSpec, last: Failure | null, attempts: number, started: number): ConnectApiError {
    return this.giveUp(spec, last, attempts - 1, `after ${attempts} attempts in ${seconds(this.now() - started)}`);
  }

  private budgetError(spec: RequestSpec, last: Failure | null, retries: number, started: number): ConnectApiError {
    return this.giveUp(
      spec,
      last,
      retries,
      `after ${retries + 1} attempt${retries === 0 ? '' : 's'} in ${seconds(this.now() - started)}: the REST budget of ${seconds(this.totalBudgetMs)} for this hook is spent`,
    );
  }

  private giveUp(spec: RequestSpec, last: Failure | null, retries: number, why: string): ConnectApiError {
    const endpoint = last?.endpoint.display ?? this.currentEndpoint();
    let kind: ConnectErrorKind = 'timeout';
    let status: number | undefined;
    let cause = 'no attempt could be made';
    if (last?.type === 'http') {
      status = last.status;
      kind = last.status === 409 ? 'conflict' : last.status === 500 && isTimeoutMessage(last.detail) ? 'timeout' : 'server';
      cause = this.describeFailure(last);
    } else if (last) {
      kind = last.kind;
      cause = this.describeFailure(last);
    }
    const advice = kind === 'conflict' ? 'Kafka Connect is rebalancing; the next hook will try again' : 'the next hook will try again';
    return new ConnectApiError({
      kind,
      ...(status !== undefined ? { status } : {}),
      endpoint,
      message: this.redact(`gave up trying to ${spec.what} ${why} (last: ${cause}); ${advice}`),
      retries,
    });
  }

  private json(a: Answer, op: string): unknown {
    try {
      return JSON.parse(a.body) as unknown;
    } catch {
      throw this.shapeError(a, op, 'body is not JSON');
    }
  }

  private parse<T>(a: Answer, op: string, parser: (body: unknown) => T): T {
    const body = this.json(a, op);
    try {
      return parser(body);
    } catch (err: unknown) {
      if (err instanceof ShapeError) throw this.shapeError(a, op, err.message);
      throw err;
    }
  }

  private shapeError(a: Answer, op: string, why: string): ConnectApiError {
    return new ConnectApiError({
      kind: 'server',
      status: a.status,
      endpoint: a.endpoint.display,
      message: this.redact(`unexpected response from Kafka Connect at ${a.endpoint.display} to ${op} (${a.status}): ${why}`),
    });
  }
}
