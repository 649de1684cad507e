// The reconcile path, leader only:
//   inputs (config + relations, read once) → desired connectors (charm/core, pure)
//   → GET /connectors?expand=status&expand=info → planReconcile (charm/core, pure)
//   → REST writes, only what differs → status summary (charm/core) published for the other units.
// One instance per dispatch; handlers in this folder share it through the charm.
import type { CharmBase, HookEvent, Logger, Model } from '../../lib/ops';
import {
  credentialSecretsIn,
  hasCredentialPlaceholder,
  ownedConnectorPattern,
  planReconcile,
  summarizeStatus,
  type CharmStatus,
  type ConnectObservation,
  type ConnectView,
  type ObservedConnectors,
  type ReconcileAction,
  connectRefusal,
  CONNECT_CONFIG_RECORD_LIMIT_BYTES,
} from '../core';
import { ConnectApiError, type ConnectErrorKind } from '../managers/connect-errors';
import { ConnectSession, describeAction, type ActionOutcome } from './connect-session';
import { readInputs, type MirrorInputs, type Requirers } from './inputs';
import { PeerState } from './peer-state';
import { runtime } from './runtime';

/** What this dispatch learnt about Connect, for the status. */
export interface Observation {
  readonly connect: ConnectObservation;
  /** A REST write Connect refused or could not take: shown instead of the summary. */
  readonly writeFailure?: CharmStatus;
}

/**
 * Unit-state key (leader's controller state, framework.unitState): epoch ms of the last full
 * comparison (credentials read) that left Connect matching the desired set. Absent = unconfirmed.
 */
export const CREDENTIALS_CONFIRMED_AT = 'mirror.credentials-confirmed-at';
/** A full comparison at least this often, even when no event could have changed the credentials. */
export const CREDENTIALS_RECHECK_MS = 60 * 60 * 1000;
/** Relation endpoints whose events can bring new credentials (a new secret URI, new fields). */
const CREDENTIAL_ENDPOINTS: ReadonlySet<string> = new Set(['source', 'target', 'connect-client']);
const CREDENTIAL_EVENT_KINDS: ReadonlySet<string> = new Set(['secret-changed', 'leader-elected', 'upgrade-charm']);

/** Connect errors the operator must fix (Blocked) vs. ones that pass on their own (Waiting). */
const OPERATOR_MUST_ACT: ReadonlySet<ConnectErrorKind> = new Set<ConnectErrorKind>(['invalid-config', 'tls', 'not-found']);

export function connectErrorStatus(e: ConnectApiError, doing: string): CharmStatus {
  return OPERATOR_MUST_ACT.has(e.kind)
    ? { name: 'blocked', message: `cannot ${doing}: ${e.message}` }
    : { name: 'waiting', message: `cannot ${doing} yet: ${e.message}; retrying on the next hook` };
}

export class Reconciler {
  readonly peer: PeerState;
  private inputsCache: MirrorInputs | undefined;
  observation: Observation | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly charm: CharmBase,
    private readonly requirers: Requirers,
  ) {
    this.peer = new PeerState(charm.model);
    this.logger = charm.framework.logger;
  }

  private get model(): Model {
    return this.charm.model;
  }

  /**
   * Config and relation views, read once per dispatch; every secret seen is registered for
   * redaction. Whatever this dispatch read already is returned (the status uses it); use
   * `credentialInputs()` when the Kafka credentials are needed.
   */
  inputs(): MirrorInputs {
    return this.inputsCache ?? this.credentialInputs();
  }

  /** The inputs with the source/target credentials read (for writes and actions). */
  credentialInputs(): MirrorInputs {
    if (this.inputsCache === undefined || !this.inputsCache.credentialsRead) this.inputsCache = this.read('read');
    return this.inputsCache;
  }

  private read(kafkaCredentials: 'read' | 'deferred'): MirrorInputs {
    {
      const inputs = readInputs(this.model, this.requirers, { kafkaCredentials });
      // Secrets read through secret-get are already known to the framework's redactor; passwords
      // sent as plain databag fields and the basic-auth token are not. (lib/ops exposes no public
      // way to add values, see the report.)
      this.model.addSecretValues(...inputs.knownSecrets);
      return inputs;
    }
  }

  /**
   * Whether this hook may compare with the Kafka credentials masked (no secret-get for them):
   * not when the event can bring new credentials (secret-changed; relation events of source,
   * target, connect-client; leader-elected; upgrade-charm), and not unless a full comparison
   * confirmed Connect within the last CREDENTIALS_RECHECK_MS (a failed or skipped one leaves it
   * unconfirmed, so a rotation that could not be written is retried in full on every hook).
   */
  private mayDeferCredentials(event: HookEvent): boolean {
    const kind = event.source.kind;
    if (CREDENTIAL_EVENT_KINDS.has(kind)) return false;
    if (kind.startsWith('relation-') && event.source.scope !== undefined && CREDENTIAL_ENDPOINTS.has(event.source.scope)) return false;
    const confirmedAt = Number(this.charm.framework.unitState.get(CREDENTIALS_CONFIRMED_AT));
    const now = runtime.now();
    return Number.isFinite(confirmedAt) && confirmedAt <= now && now - confirmedAt < CREDENTIALS_RECHECK_MS;
  }

  private recordCredentials(confirmed: boolean): void {
    this.charm.framework.unitState.set(CREDENTIALS_CONFIRMED_AT, confirmed ? String(runtime.now()) : null);
  }

  /** Drop the cached inputs (after this dispatch changed something they depend on). */
  forgetInputs(): void {
    this.inputsCache = undefined;
  }

  connectView(): ConnectView | undefined {
    const c = this.inputs().relations['connect-client'];
    return c.state === 'ready' ? c.view : undefined;
  }

  openSession(view: ConnectView): ConnectSession {
    return new ConnectSession(view, this.inputs().knownSecrets, this.logger);
  }

  /** The reconcile hook (every hook event but stop/remove/collect-metrics). */
  readonly reconcile = async (event: HookEvent): Promise<void> => {
    if (!this.model.unit.isLeader()) return; // the leader alone talks to Connect
    const deferred = this.mayDeferCredentials(event);
    const inputs = deferred ? (this.inputsCache ?? (this.inputsCache = this.read('deferred'))) : this.credentialInputs();
    if (inputs.configErrors.length > 0 && event.source.key !== 'update-status') {
      for (const e of inputs.configErrors) this.logger.warning(`invalid config, Kafka Connect left untouched: ${e.message}`);
    }
    if (event.source.key !== 'update-status') {
      for (const w of inputs.configWarnings) this.logger.warning(`config accepted with a warning: ${w.message}`);
    }
    const view = this.connectView();
    if (view === undefined || inputs.desired === undefined || inputs.ownedPattern === undefined) {
      // Nothing may be written: Connect keeps what it has. The status says why.
      this.observation = { connect: { kind: 'not-queried' } };
      if (!deferred) this.recordCredentials(false);
      return;
    }
    const session = this.openSession(view);
    try {
      const confirmed = await this.converge(session, inputs.desired, inputs.ownedPattern, inputs.desired.length === 0, !inputs.credentialsRead);
      if (confirmed !== 'masked') this.recordCredentials(confirmed);
    } finally {
      session.close();
    }
  };

  /**
   * Observe Connect, plan, write. With `masked` (desired built without the Kafka credentials) the
   * plan only answers "does anything differ?": if it has any action, the credentials are read and
   * the plan is made again in full (never written from placeholders). Returns whether a full
   * comparison left Connect matching, or 'masked' when the masked comparison found nothing to do.
   */
  private async converge(
    session: ConnectSession,
    desired: NonNullable<MirrorInputs['desired']>,
    ownedPattern: RegExp,
    teardown: boolean,
    masked = false,
  ): Promise<boolean | 'masked'> {
    let actual: ObservedConnectors;
    try {
      actual = await session.observe();
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      this.observation = unreachable(e);
      if (teardown) {
        this.logger.warning(`cannot delete this charm's connectors now (${e.message}); will retry on the next hook`);
      }
      return masked ? 'masked' : false;
    }
    // Reads `desired` and `ownedPattern` when called: a masked question may replace them below.
    const planAgainst = (observed: ObservedConnectors, credentials?: 'masked') =>
      planReconcile({
        desired,
        actual: observed,
        ownedPattern,
        intent: { paused: this.peer.paused },
        restartBackoff: this.peer.restartBackoff,
        now: runtime.now(),
        ...(credentials ? { credentials } : {}),
      });
    if (masked) {
      // The passwords Connect holds for our connectors are the ones its texts could echo.
      const seen = credentialSecretsIn(
        Object.entries(actual).filter(([name]) => ownedPattern.test(name)).map(([, c]) => c.info?.config ?? {}),
      );
      this.model.addSecretValues(...seen);
      session.client.addSecrets(seen);
      const question = planAgainst(actual, 'masked');
      if (question.actions.length === 0) {
        this.peer.restartBackoff = question.nextBackoff;
        this.observation = { connect: { kind: 'observed', actual } };
        return 'masked';
      }
      // Something must be written: read the credentials and decide in full.
      const full = this.credentialInputs();
      if (full.desired === undefined || full.ownedPattern === undefined) {
        this.observation = { connect: { kind: 'observed', actual } };
        return false;
      }
      session.client.addSecrets(full.knownSecrets);
      desired = full.desired;
      ownedPattern = full.ownedPattern;
      teardown = desired.length === 0;
    }
    const plan = planAgainst(actual);
    if (plan.actions.some((a) => a.kind === 'put' && hasCredentialPlaceholder(a.config))) {
      throw new Error('bug: a connector config built without credentials was about to be written');
    }
    // Persisted even if a restart below fails: the back-off counts attempts, not successes.
    this.peer.restartBackoff = plan.nextBackoff;
    if (plan.actions.length === 0) {
      this.observation = { connect: { kind: 'observed', actual } };
      return true;
    }
    // Connect's own validation first, for every config about to be written: a config Connect
    // would refuse (an unknown converter class, …) blocks before any write, so no connector is
    // left half-updated (e.g. the source connector on the new config, the checkpoint one on the old).
    const refused = await this.refusedByConnect(session, plan.actions, desired);
    if (refused !== undefined) {
      this.observation = { connect: { kind: 'observed', actual }, writeFailure: refused };
      return false;
    }
    const outcomes = await session.applyAll(plan.actions);
    this.logOutcomes(outcomes, teardown);
    const failed = outcomes.find((o) => o.error !== undefined);
    // Re-read once so the status reflects what the writes did.
    try {
      actual = await session.observe();
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      this.observation = unreachable(e);
      return false;
    }
    this.observation = {
      connect: { kind: 'observed', actual },
      ...(failed?.error ? { writeFailure: connectErrorStatus(failed.error, verb(failed.action)) } : {}),
    };
    return failed === undefined;
  }

  /** Blocked status when Connect's validation refuses a config of `actions`, else undefined. */
  private async refusedByConnect(
    session: ConnectSession,
    actions: readonly ReconcileAction[],
    desired: NonNullable<MirrorInputs['desired']>,
  ): Promise<CharmStatus | undefined> {
    const messages: string[] = [];
    for (const action of actions) {
      if (action.kind !== 'put') continue;
      const bytes = Buffer.byteLength(JSON.stringify(action.config), 'utf8');
      if (bytes > CONNECT_CONFIG_RECORD_LIMIT_BYTES) {
        messages.push(
          `connector ${action.name} would be ${bytes} bytes, but Kafka Connect's config topic takes at most 1 MiB ` +
            `(${CONNECT_CONFIG_RECORD_LIMIT_BYTES} bytes) per record; shorten topics/groups (or the relation data); no connector was changed`,
        );
        continue;
      }
      let validation;
      try {
        // Unlike PUT /connectors/<name>/config, validation needs the name inside the config.
        validation = await session.client.validateConnectorConfig({ ...action.config, name: action.name });
      } catch (e) {
        if (!(e instanceof ConnectApiError)) throw e;
        this.logger.warning(`Kafka Connect could not validate connector ${action.name} (${e.message}); nothing was written`);
        return connectErrorStatus(e, `validate connector ${action.name}`);
      }
      const kind = desired.find((d) => d.name === action.name)?.kind ?? 'source';
      for (const k of validation.invalid) messages.push(session.client.redact(connectRefusal(kind, action.config, k.key, k.errors).message));
    }
    if (messages.length === 0) return undefined;
    for (const m of messages) this.logger.warning(m);
    const more = messages.length - 1;
    return { name: 'blocked', message: messages[0] + (more > 0 ? ` (+${more} more in the log)` : '') };
  }

  private logOutcomes(outcomes: readonly ActionOutcome[], teardown: boolean): void {
    for (const o of outcomes) {
      if (o.error === undefined) this.logger.info(`Kafka Connect: ${describeAction(o.action)}`);
      else if (teardown) this.logger.warning(`could not ${describeAction(o.action)} (${o.error.message}); will retry on the next hook`);
      else this.logger.warning(`Kafka Connect: ${describeAction(o.action)} failed: ${o.error.message}`);
    }
  }

  /**
   * connect-client relation-broken: delete this charm's connectors of that relation while its
   * endpoints and credentials can still be read. Best effort: a Connect that is already gone (or
   * credentials already revoked) only gets a warning; the Kafka Connect charm also deletes
   * connectors named `…r<id>_<uuid>` when the relation departs.
   */
  async teardownConnect(view: ConnectView | undefined, relationId: number): Promise<void> {
    if (!this.model.unit.isLeader()) return;
    // Back-off records are about connectors that are going away.
    this.peer.restartBackoff = { version: 1, connectors: {} };
    if (view === undefined) {
      this.logger.warning(
        `connect-client relation ${relationId} is gone and its endpoints or credentials can no longer be read; ` +
          `leaving the deletion of this charm's connectors to the Kafka Connect charm`,
      );
      return;
    }
    const pattern = ownedConnectorPattern(this.model.app.name, relationId, this.model.uuid);
    const session = new ConnectSession(view, [...this.inputs().knownSecrets, view.password], this.logger);
    try {
      await this.converge(session, [], pattern, true);
    } finally {
      session.close();
      // What the broken relation showed is not this charm's state any more.
      this.observation = undefined;
    }
  }

  /** The unit's status from this dispatch's observation (leader). */
  status(): CharmStatus | undefined {
    const obs = this.observation;
    if (obs === undefined) return undefined;
    if (obs.writeFailure) return obs.writeFailure;
    const inputs = this.inputs();
    const summary = summarizeStatus({
      configErrors: inputs.configErrors,
      relations: inputs.relations,
      flowProblems: inputs.flowProblems,
      connect: obs.connect,
      desired: inputs.desired ?? [],
      intent: { paused: this.peer.paused },
      restartBackoff: this.peer.restartBackoff,
      now: runtime.now(),
      knownSecrets: inputs.knownSecrets,
    });
    const warning = inputs.configWarnings[0];
    if (summary.name === 'active' && warning !== undefined) {
      return { ...summary, message: `${summary.message}; warning: ${warning.option} has a regex prone to catastrophic backtracking (see the log)` };
    }
    return summary;
  }
}

function unreachable(e: ConnectApiError): Observation {
  if (OPERATOR_MUST_ACT.has(e.kind)) return { connect: { kind: 'unreachable', reason: e.message }, writeFailure: connectErrorStatus(e, 'read Kafka Connect') };
  return { connect: { kind: 'unreachable', reason: e.message } };
}

function verb(a: ReconcileAction): string {
  switch (a.kind) {
    case 'put':
      return `write connector ${a.name}`;
    case 'delete':
      return `delete connector ${a.name}`;
    case 'restart':
      return `restart connector ${a.name}`;
    default:
      return `${a.kind} connector ${a.name}`;
  }
}
