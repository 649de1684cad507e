// The one error type the Connect client throws. Its message is already redacted and says what to
// do; it deliberately carries no `cause` (an axios error holds the request config, including the
// basic-auth credentials) and no response body.

export type ConnectErrorKind =
  | 'unreachable'
  | 'unauthorized'
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

export function isConnectApiError(value: unknown): value is ConnectApiError {
  return value instanceof ConnectApiError;
}
