// The charm's side of Kafka Connect for one dispatch: a REST client built from the connect-client
// relation (basic auth, TLS verified against the relation's CA, timeouts, failover, retries within
// a budget, redaction of every known secret), reading the connector listing and carrying out the
// REST writes of a plan from charm/core.
import type { Logger } from '../../lib/ops';
import type { ConnectView, ObservedConnectors, ReconcileAction } from '../core';
import type { ConnectClient } from '../managers/connect-client';
import { ConnectApiError } from '../managers/connect-errors';
import { runtime } from './runtime';

/**
 * The REST stack (connect-client → axios → node http/https/tls) is loaded when the first session
 * is opened, not when the charm starts: non-leader units and hooks that stop before talking to
 * Connect never pay for it (tens of ms of every cold hook). A `require` inside a function keeps
 * the module's initialisation lazy in the esbuild bundle too.
 */
function loadConnectClient(): typeof ConnectClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../managers/connect-client') as typeof import('../managers/connect-client')).ConnectClient;
}

export interface ActionOutcome {
  readonly action: ReconcileAction;
  readonly error?: ConnectApiError;
}

export class ConnectSession {
  readonly client: ConnectClient;

  constructor(view: ConnectView, knownSecrets: readonly string[], logger: Logger, noCaHint?: string) {
    const Client = loadConnectClient();
    this.client = new Client({
      endpoints: view.endpoints,
      username: view.username,
      password: view.password,
      ...(view.tlsCaPem !== undefined ? { caPem: view.tlsCaPem } : {}),
      ...(view.caOrigin === 'receive-ca-cert' ? { caOrigin: 'the receive-ca-cert relation' } : {}),
      ...(noCaHint !== undefined ? { noCaHint } : {}),
      extraSecrets: knownSecrets,
      // Per-attempt lines are for debugging; retry decisions are worth a warning.
      logger: (level, line) => (level === 'warning' ? logger.warning(line) : logger.debug(line)),
      ...runtime.clientTuning,
    });
  }

  /** GET /connectors?expand=status&expand=info, as charm/core's ObservedConnectors. */
  async observe(): Promise<ObservedConnectors> {
    const listing = await this.client.listConnectors();
    const out: ObservedConnectors = {};
    for (const [name, c] of listing) out[name] = { info: c.info, status: c.status };
    return out;
  }

  /** One REST write of a plan. */
  async apply(action: ReconcileAction): Promise<void> {
    switch (action.kind) {
      case 'put':
        await this.client.putConnectorConfig(action.name, action.config);
        return;
      case 'delete':
        await this.client.deleteConnector(action.name);
        return;
      case 'pause':
        await this.client.pauseConnector(action.name);
        return;
      case 'resume':
        await this.client.resumeConnector(action.name);
        return;
      case 'restart':
        await this.client.restartConnector(action.name, { includeTasks: true, onlyFailed: action.onlyFailed });
        return;
    }
  }

  /**
   * Carries out the actions in order. A Connect error on one connector does not stop the others
   * (each write is independent and idempotent); every outcome is returned. Errors other than
   * Connect's are bugs and propagate.
   */
  async applyAll(actions: readonly ReconcileAction[]): Promise<ActionOutcome[]> {
    const out: ActionOutcome[] = [];
    for (const action of actions) {
      try {
        await this.apply(action);
        out.push({ action });
      } catch (e) {
        if (!(e instanceof ConnectApiError)) throw e;
        out.push({ action, error: e });
        // Nothing else will get through either.
        if (e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'tls' || e.kind === 'unauthorized') {
          for (const rest of actions.slice(out.length)) out.push({ action: rest, error: e });
          break;
        }
      }
    }
    return out;
  }

  close(): void {
    this.client.close();
  }
}

export function describeAction(a: ReconcileAction): string {
  return a.kind === 'restart' ? `restart ${a.name}${a.onlyFailed ? ' (failed parts)' : ' (all tasks)'}` : `${a.kind} ${a.name}`;
}
