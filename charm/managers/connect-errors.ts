// Errors of the Kafka Connect client: the one error type it throws (ConnectApiError) and how each
// failure (an HTTP status, a network or TLS failure, a spent budget, an unexpected body) becomes an
// actionable, redacted message. The transport (connect-transport.ts) decides what to retry and
// where to fail over; this module only names what went wrong.
//
// A ConnectApiError's message is already redacted and says what to do; it deliberately carries no
// `cause` (an axios error holds the request config, including the basic-auth credentials) and no
// response body.

export type ConnectErrorKind =
  | 'unreachable'
  | 'unauthorized'
  /** 403: authenticated, but not allowed. */
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'invalid-config'
  | 'server'
  | 'timeout'
  | 'tls';

export interface ConnectApiErrorInit {
  kind: ConnectErrorKind;
  /** HTTP status when a response was received. */
  status?: number;
  /** The endpoint that produced the final failure, or a comma-joined list when all failed. */
  endpoint: string;
  /** Redacted, actionable text. */
  message: string;
  /** Retries spent before giving up (0 when the first answer was final). */
  retries?: number;
}

export class ConnectApiError extends Error {
  override readonly name = 'ConnectApiError';
  readonly kind: ConnectErrorKind;
  readonly status?: number;
  readonly endpoint: string;
  readonly retries: number;

  constructor(init: ConnectApiErrorInit) {
    super(init.message);
    this.kind = init.kind;
    if (init.status !== undefined) this.status = init.status;
    this.endpoint = init.endpoint;
    this.retries = init.retries ?? 0;
  }

  toJSON(): ConnectApiErrorInit {
    return {
      kind: this.kind,
      ...(this.status !== undefined ? { status: this.status } : {}),
      endpoint: this.endpoint,
      message: this.message,
      retries: this.retries,
    };
  }
}

/** What one failed attempt came to; `endpoint` is the URL shown to the operator. */
export type AttemptFailure =
  | { type: 'network'; kind: ConnectErrorKind; endpoint: string; detail: string }
  | { type: 'http'; status: number; endpoint: string; detail: string };

/** The call an error is about. */
export interface FailedCall {
  method: string;
  /** What the call does, for messages ("update the config of connector 'x'"). */
  what: string;
}

/** Connect's texts for "the cluster is rebalancing / has no leader": retryable. */
export function isRebalanceMessage(text: string): boolean {
  return /rebalance|no known leader|stale configuration|conflicting operation/i.test(text);
}

/** Connect's text for a request that timed out on the worker (500). */
export function isTimeoutMessage(text: string): boolean {
  return /^Request timed out/i.test(text.trim());
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

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

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** A failure without an answer: timeout, TLS verification or a network error, by Node's error code. */
export function networkFailure(
  endpoint: string,
  code: string | undefined,
  timedOut: boolean,
  timeoutMs: number,
  hasCa: boolean,
  caOrigin = 'the connect-client relation',
  noCaHint = 'the relation provided no CA',
): AttemptFailure {
  if (timedOut) return { type: 'network', kind: 'timeout', endpoint, detail: `no answer within ${seconds(timeoutMs)}` };
  const handshake = code === 'EPROTO' || code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_OSSL_');
  if (code && (TLS_CODES.has(code) || handshake || code.startsWith('ERR_TLS_'))) {
    const why =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'the certificate does not name this host'
        : handshake
          ? 'TLS handshake failed (is the endpoint really https?)'
          : hasCa
            ? `the certificate is not signed by the CA from ${caOrigin}`
            : `the certificate is not trusted by the system trust store and ${noCaHint}`;
    return { type: 'network', kind: 'tls', endpoint, detail: `TLS verification failed (${code}): ${why}` };
  }
  const detail = code ? (NETWORK_REASONS[code] ?? `network error ${code}`) : 'network error';
  return { type: 'network', kind: 'unreachable', endpoint, detail };
}

export function describeFailure(f: AttemptFailure): string {
  if (f.type === 'network') return `${f.detail} (${f.endpoint})`;
  const label = f.status === 409 ? 'rebalance in progress' : f.status === 503 ? 'worker starting' : 'server error';
  return `${f.status} ${label}: ${f.detail} (${f.endpoint})`;
}

/**
 * Builds the client's errors. One per client: it knows the redactor (every message goes through
 * it) and the endpoints and budget the messages mention.
 */
export class ConnectErrors {
  constructor(
    private readonly redact: (text: string) => string,
    private readonly endpoints: readonly string[],
    private readonly totalBudgetMs: number,
  ) {}

  /** A final (non-retryable) HTTP answer. */
  http(call: FailedCall, status: number, endpoint: string, detail: string, retries: number): ConnectApiError {
    const at = `Kafka Connect at ${endpoint}`;
    const suffix = detail ? `: ${detail}` : '';
    let kind: ConnectErrorKind;
    let message: string;
    if (status === 401) {
      kind = 'unauthorized';
      message =
        `Kafka Connect refused the credentials of the connect-client relation (401 from ${endpoint}${suffix ? `, "${detail}"` : ''}): ` +
        `wrong or rotated username/password; the Kafka Connect charm must publish the current ones`;
    } else if (status === 403) {
      kind = 'forbidden';
      message = `Kafka Connect refused the credentials of the connect-client relation the right to ${call.what} (403 from ${endpoint})${suffix}: the relation user lacks permission on the Kafka Connect side`;
    } else if (status === 404) {
      kind = 'not-found';
      message = `${at} could not ${call.what} (404)${suffix}`;
    } else if (status === 409) {
      kind = 'conflict';
      message = `${at} could not ${call.what} (409)${suffix}`;
    } else if (status === 400) {
      kind = 'invalid-config';
      message = `${at} rejected the request to ${call.what} as invalid (400)${suffix}; fix the charm config or relation data it was built from`;
    } else if (status === 500 && isTimeoutMessage(detail)) {
      kind = 'timeout';
      message =
        `${at} timed out trying to ${call.what} (500)${suffix}` +
        (call.method === 'GET' ? '' : '; the change may still be applied — the next reconcile re-reads the state');
    } else {
      kind = 'server';
      message = `${at} failed to ${call.what} (${status})${suffix}`;
    }
    return new ConnectApiError({ kind, status, endpoint, message: this.redact(message), retries });
  }

  /** No endpoint answered (or every one answered 503) for the configured number of rounds. */
  unreachable(failures: readonly AttemptFailure[], retries: number): ConnectApiError {
    const n = this.endpoints.length;
    const parts = failures.map((f) => `${f.endpoint}: ${f.type === 'network' ? f.detail : `${f.status} ${f.detail}`}`);
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
      endpoint: this.endpoints.join(', '),
      message: this.redact(`${what} (${parts.join('; ')}): ${advice}`),
      retries,
    });
  }

  /** Retries ran out (maxAttempts). */
  exhausted(call: FailedCall, last: AttemptFailure | null, attempts: number, elapsedMs: number, fallbackEndpoint: string): ConnectApiError {
    return this.giveUp(call, last, attempts - 1, `after ${attempts} attempts in ${seconds(elapsedMs)}`, fallbackEndpoint);
  }

  /** The dispatch's REST budget is spent. */
  budget(call: FailedCall, last: AttemptFailure | null, retries: number, elapsedMs: number, fallbackEndpoint: string): ConnectApiError {
    return this.giveUp(
      call,
      last,
      retries,
      `after ${retries + 1} attempt${retries === 0 ? '' : 's'} in ${seconds(elapsedMs)}: the REST budget of ${seconds(this.totalBudgetMs)} for this hook is spent`,
      fallbackEndpoint,
    );
  }

  /** A 2xx answer whose body is not what Connect sends. */
  shape(status: number, endpoint: string, op: string, why: string): ConnectApiError {
    return new ConnectApiError({
      kind: 'server',
      status,
      endpoint,
      message: this.redact(`unexpected response from Kafka Connect at ${endpoint} to ${op} (${status}): ${why}`),
    });
  }

  private giveUp(call: FailedCall, last: AttemptFailure | null, retries: number, why: string, fallbackEndpoint: string): ConnectApiError {
    const endpoint = last?.endpoint ?? fallbackEndpoint;
    let kind: ConnectErrorKind = 'timeout';
    let status: number | undefined;
    let cause = 'no attempt could be made';
    if (last?.type === 'http') {
      status = last.status;
      kind = last.status === 409 ? 'conflict' : last.status === 500 && isTimeoutMessage(last.detail) ? 'timeout' : 'server';
      cause = describeFailure(last);
    } else if (last) {
      kind = last.kind;
      cause = describeFailure(last);
    }
    const advice = kind === 'conflict' ? 'Kafka Connect is rebalancing; the next hook will try again' : 'the next hook will try again';
    return new ConnectApiError({
      kind,
      ...(status !== undefined ? { status } : {}),
      endpoint,
      message: this.redact(`gave up trying to ${call.what} ${why} (last: ${cause}); ${advice}`),
      retries,
    });
  }
}

/** Errors raised before any request is sent (bad input from the relation or the caller). */
export function invalidName(): ConnectApiError {
  return new ConnectApiError({
    kind: 'invalid-config',
    endpoint: '(none)',
    message: 'a connector name must not be empty (no request was sent)',
  });
}

export function noEndpoints(): ConnectApiError {
  return new ConnectApiError({
    kind: 'unreachable',
    endpoint: '(none)',
    message: 'no Kafka Connect endpoints: the connect-client relation has not published any yet',
  });
}

export function badEndpoint(raw: string, url?: URL): ConnectApiError {
  if (url) {
    return new ConnectApiError({
      kind: 'unreachable',
      endpoint: url.host,
      message: `Kafka Connect endpoint ${url.protocol}//${url.host} must use http or https`,
    });
  }
  return new ConnectApiError({
    kind: 'unreachable',
    endpoint: '(invalid)',
    message: `Kafka Connect endpoint "${raw.replace(/\/\/[^@/]*@/, '//')}" from the connect-client relation is not a URL`,
  });
}
