// HTTP transport to Kafka Connect for one hook dispatch: endpoints, basic auth, verified TLS,
// timeouts, failover, retries within a budget. It sends a request and returns a 2xx (or a status
// the caller asked to handle itself); everything else becomes a ConnectApiError built by
// connect-errors.ts. What the REST resources mean is connect-client.ts's business.
//
// Policy (numbers are the defaults; all are options):
// - Every HTTP attempt has a hard timeout: min(requestTimeoutMs = 15 s, what is left of the budget).
//   Connect's own request timeout is 90 s; we stop earlier because a hook must finish. A write that
//   times out on our side may still land, which is safe because every write the client makes is
//   idempotent (PUT config, DELETE, pause/resume, restart) and reconcile re-reads state first.
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
import {
  ConnectErrors,
  badEndpoint,
  describeFailure,
  isRebalanceMessage,
  isTimeoutMessage,
  networkFailure,
  noEndpoints,
  type AttemptFailure,
} from './connect-errors';
import { errorText } from './connect-shapes';
import type { HttpMethod } from './connect-types';
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

export interface ConnectTransportOptions {
  /** Worker URLs with scheme, e.g. `http://10.1.2.3:8083` or `https://connect-0:8083`. */
  endpoints: readonly string[];
  username: string;
  password: string;
  /** PEM CA bundle from the relation; https is verified against it, else against the system store. */
  caPem?: string;
  /** Where `caPem` came from, for TLS failure messages (default "the connect-client relation"). */
  caOrigin?: string;
  /** What to do when no CA was given and the system store does not trust the certificate. */
  noCaHint?: string;
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

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/**
 * Largest answer read from Connect: the expanded listing of a busy worker (every connector's config
 * and status) stays far below; anything larger is refused rather than buffered and parsed.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Largest request body: Connect's config topic takes at most 1 MB per record (the broker default). */
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const DEFAULT_TOTAL_BUDGET_MS = 45_000;
const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialMs: 250,
  maxMs: 2_000,
  maxAttempts: 10,
  maxUnreachableRounds: 2,
};
/** Names this charm in Kafka Connect's request log (and to anything between the two). */
export const USER_AGENT = 'mirrormaker-connect-integrator';
/** Below this much budget an attempt is not worth starting. */
const MIN_ATTEMPT_MS = 50;
/** Error text from Connect is cut to this length before it goes into a message. */
export const MAX_DETAIL_CHARS = 600;

export interface RequestSpec {
  method: HttpMethod;
  /** Path + query, already encoded. */
  path: string;
  body?: unknown;
  /** Statuses the caller interprets itself: returned without retrying. */
  passThrough?: readonly number[];
  /** What the call does, for messages ("update the config of connector 'x'"). */
  what: string;
}

export interface Answer {
  status: number;
  body: string;
  /** The endpoint that answered, as shown in messages. */
  endpoint: string;
}

interface Endpoint {
  /** Base URL without credentials or trailing slash; also what messages and logs show. */
  base: string;
}

function parseEndpoint(raw: string): Endpoint {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badEndpoint(raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badEndpoint(raw, url);
  // Credentials come from the relation's username/password, never from the URL.
  return { base: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}` };
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code !== 'ERR_BAD_REQUEST' && code !== 'ERR_NETWORK') return code;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== err ? errorCode(cause) : undefined;
}

type Round =
  | { type: 'answer'; answer: Answer }
  | { type: 'failed'; failure: AttemptFailure; failures: AttemptFailure[]; allUnreachable: boolean; budgetSpent: boolean };

export class ConnectTransport {
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
  private readonly caOrigin: string | undefined;
  private readonly noCaHint: string | undefined;
  readonly errors: ConnectErrors;
  private preferred = 0;
  private deadline: number | null = null;

  constructor(options: ConnectTransportOptions) {
    if (options.endpoints.length === 0) throw noEndpoints();
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
    this.caOrigin = options.caOrigin;
    this.noCaHint = options.noCaHint;
    this.errors = new ConnectErrors(
      (text) => this.redact(text),
      this.endpoints.map((e) => e.base),
      this.totalBudgetMs,
    );
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

  /** Redacts text with this transport's known secrets and the secret-shaped patterns. */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /** Connect's error text from a body, redacted, on one line and cut to MAX_DETAIL_CHARS. */
  detail(body: string): string {
    const text = this.redact(errorText(body)).replace(/\s+/g, ' ').trim();
    return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
  }

  /** Drops pooled keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Runs one call with failover and retries; returns a 2xx or pass-through answer, else throws. */
  async request(spec: RequestSpec): Promise<Answer> {
    if (this.deadline === null) this.deadline = this.now() + this.totalBudgetMs;
    const deadline = this.deadline;
    const started = this.now();
    const op = `${spec.method} ${spec.path}`;
    let attempts = 0;
    let unreachableRounds = 0;
    let last: AttemptFailure | null = null;
    const current = (): string => this.endpoints[this.preferred]!.base;

    for (;;) {
      attempts += 1;
      const round = await this.tryEndpoints(spec, deadline);
      if (round.type === 'answer') {
        const a = round.answer;
        if ((a.status >= 200 && a.status < 300) || spec.passThrough?.includes(a.status)) return a;
        const detail = this.detail(a.body);
        if (!this.isRetryable(spec.method, a.status, detail)) throw this.errors.http(spec, a.status, a.endpoint, detail, attempts - 1);
        last = { type: 'http', status: a.status, endpoint: a.endpoint, detail };
      } else {
        last = round.failure;
        if (round.allUnreachable) {
          unreachableRounds += 1;
          if (unreachableRounds >= this.backoff.maxUnreachableRounds) throw this.errors.unreachable(round.failures, attempts - 1);
        }
        if (round.budgetSpent) throw this.errors.budget(spec, last, attempts - 1, this.now() - started, current());
      }

      if (attempts >= this.backoff.maxAttempts) throw this.errors.exhausted(spec, last, attempts, this.now() - started, current());
      const delay = this.backoffDelay(attempts);
      if (this.now() + delay + MIN_ATTEMPT_MS > deadline)
        throw this.errors.budget(spec, last, attempts - 1, this.now() - started, current());
      this.log('warning', `${op}: ${describeFailure(last)}; retry ${attempts}/${this.backoff.maxAttempts - 1} in ${Math.round(delay)} ms`);
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

  private async tryEndpoints(spec: RequestSpec, deadline: number): Promise<Round> {
    const failures: AttemptFailure[] = [];
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      const index = (this.preferred + i) % n;
      const endpoint = this.endpoints[index]!;
      const remaining = deadline - this.now();
      if (remaining < MIN_ATTEMPT_MS) {
        const failure: AttemptFailure = failures[failures.length - 1] ?? {
          type: 'network',
          kind: 'timeout',
          endpoint: endpoint.base,
          detail: 'no budget left',
        };
        return { type: 'failed', failure, failures, allUnreachable: false, budgetSpent: true };
      }
      const outcome = await this.attempt(spec, endpoint, Math.min(this.requestTimeoutMs, remaining));
      if (outcome.type === 'answer') {
        if (outcome.answer.status === 503 && !spec.passThrough?.includes(503)) {
          // A worker that is still starting: another one may be ready.
          failures.push({
            type: 'http',
            status: 503,
            endpoint: endpoint.base,
            detail: this.detail(outcome.answer.body) || 'worker is starting',
          });
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
  ): Promise<{ type: 'answer'; answer: Answer } | { type: 'failed'; failure: AttemptFailure }> {
    const started = this.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const response = await this.http.request<string>({
        method: spec.method,
        url: `${endpoint.base}${spec.path}`,
        auth: { username: this.username, password: this.password },
        // Connect's resources only consume application/json (415 otherwise), and axios labels a
        // bodiless PUT/POST (pause, resume, restart) application/x-www-form-urlencoded.
        headers: {
          Accept: 'application/json',
          'User-Agent': USER_AGENT,
          ...(spec.body !== undefined || spec.method !== 'GET' ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(spec.body !== undefined ? { data: JSON.stringify(spec.body) } : {}),
        timeout: timeoutMs,
        signal: controller.signal,
      });
      const body = typeof response.data === 'string' ? response.data : '';
      this.log('debug', `${spec.method} ${spec.path} → ${response.status} in ${Math.round(this.now() - started)} ms via ${endpoint.base}`);
      return { type: 'answer', answer: { status: response.status, body, endpoint: endpoint.base } };
    } catch (err: unknown) {
      const code = errorCode(err);
      if (err instanceof Error && /maxContentLength|maxBodyLength/.test(err.message)) {
        const which = /maxBodyLength/.test(err.message)
          ? `request body over ${MAX_REQUEST_BYTES} bytes`
          : `answer over ${MAX_RESPONSE_BYTES} bytes`;
        return {
          type: 'failed',
          failure: { type: 'network', kind: 'server', endpoint: endpoint.base, detail: `${which}: refused without reading further` },
        };
      }
      const failure = networkFailure(
        endpoint.base,
        code,
        timedOut || code === 'ECONNABORTED' || code === 'ETIMEDOUT',
        timeoutMs,
        this.hasCa,
        this.caOrigin,
        this.noCaHint,
      );
      this.log(
        'debug',
        `${spec.method} ${spec.path} → ${failure.detail} after ${Math.round(this.now() - started)} ms via ${endpoint.base}`,
      );
      return { type: 'failed', failure };
    } finally {
      clearTimeout(timer);
    }
  }
}
