// The reconcile path, leader only:
//   inputs (config + relations, read once) → desired connectors (charm/core, pure)
//   → GET /connectors?expand=status&expand=info → planReconcile (charm/core, pure)
//   → REST writes, only what differs → status summary (charm/core) published for the other units.
// One instance per dispatch; handlers in this folder share it through the charm.
import {
  RelationDepartedEvent,
  RelationBrokenEvent,
  RelationEvent,
  RelationJoinedEvent,
  type CharmBase,
  type HookEvent,
  type Logger,
  type Model,
} from '../../lib/ops';
import {
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
 * Unit-state key: set once this unit has seen its own departure (a relation-departed whose
 * departing unit is this unit: Juju is removing it). 'with-peers' when other units of the
 * application remained (seen on the peer relation), 'alone' when it is the last one.
 */
export const DEPARTING = 'mirror.departing';
/**
 * Unit-state key: the id of a connect-client relation whose last remote unit departed (the
 * relation is being removed, or the Kafka Connect application has no unit left). Cleared when a
 * Kafka Connect unit joins it again or when it breaks.
 */
export const CONNECT_GOING = 'mirror.connect-going';
const PEER_ENDPOINT = 'peer';
const CONNECT_ENDPOINT = 'connect-client';

/** Connect errors the operator must fix (Blocked) vs. ones that pass on their own (Waiting). */
const OPERATOR_MUST_ACT: ReadonlySet<ConnectErrorKind> = new Set<ConnectErrorKind>(['invalid-config', 'tls', 'not-found']);

function connectErrorStatus(e: ConnectApiError, doing: string): CharmStatus {
  // Credentials: the message says what was refused; it is not an outage of Connect.
  if (e.kind === 'unauthorized') return { name: 'waiting', message: `${e.message}; retrying on every hook` };
  if (e.kind === 'forbidden') return { name: 'blocked', message: e.message };
  return OPERATOR_MUST_ACT.has(e.kind)
    ? { name: 'blocked', message: `cannot ${doing}: ${e.message}` }
    : { name: 'waiting', message: `cannot ${doing} yet: ${e.message}; retrying on the next hook` };
}

export class Reconciler {
  readonly peer: PeerState;
  private inputsCache: MirrorInputs | undefined;
  observation: Observation | undefined;
  /**
   * Creates a connector that does not exist on Connect yet, instead of a plain PUT, when it
   * returns an outcome (offsets-carry.ts: create STOPPED, write the carried-over offsets, resume).
   * Undefined (or an undefined result) = the plain PUT.
   */
  createHook?: (session: ConnectSession, action: Extract<ReconcileAction, { kind: 'put' }>) => Promise<ActionOutcome | undefined>;
  /**
   * Runs right before this charm deletes one of its connectors, with the config Connect reported
   * (offsets-carry.ts keeps a source connector's committed offsets for its successor).
   */
  beforeDeleteHook?: (session: ConnectSession, name: string, config: Readonly<Record<string, string>>) => Promise<void>;
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
   * Config and relation views (with every credential: Kafka Connect is always compared with what
   * the secrets say now), read once per dispatch; every secret seen is registered for redaction.
   */
  inputs(): MirrorInputs {
    if (this.inputsCache === undefined) {
      this.inputsCache = readInputs(this.model, this.requirers);
      // Secrets read through secret-get are already known to the framework's redactor; passwords
      // sent as plain databag fields and the basic-auth token are not.
      this.model.addSecretValues(...this.inputsCache.knownSecrets);
    }
    return this.inputsCache;
  }

  connectView(): ConnectView | undefined {
    const c = this.inputs().relations['connect-client'];
    return c.state === 'ready' ? c.view : undefined;
  }

  openSession(view: ConnectView): ConnectSession {
    return new ConnectSession(view, this.inputs().knownSecrets, this.logger, this.inputs().noConnectCaHint);
  }

  /**
   * Whether this unit may write to Kafka Connect in this hook: the leader, unless it is being
   * removed. A unit on its way out gets relation-departed for every remote unit and relation-broken
   * for every relation it leaves; none of those says anything about the flow, which the remaining
   * units keep running (a new leader converges on leader-elected). Only the last unit of the
   * application may tear down, on relation-broken, as the removal of a relation does.
   */
  mayWrite(event: HookEvent): boolean {
    if (!this.model.unit.isLeader()) return false;
    const departing = this.noteDeparture(event);
    if (departing === undefined) return true;
    if (departing === 'alone' && event instanceof RelationBrokenEvent) return true;
    this.logger.info(`this unit is being removed: Kafka Connect is left to the remaining units (${event.source.kind})`);
    return false;
  }

  /** Records this unit's own departure (unit state) and returns what is known of it. */
  private noteDeparture(event: HookEvent): 'with-peers' | 'alone' | undefined {
    const state = this.charm.framework.unitState;
    let known = state.get(DEPARTING) as 'with-peers' | 'alone' | undefined;
    if (event instanceof RelationDepartedEvent && event.departingUnit === this.model.unit.name) {
      const seen = event.relation.name === PEER_ENDPOINT ? 'with-peers' : 'alone';
      if (known !== 'with-peers' && known !== seen) {
        known = seen;
        state.set(DEPARTING, seen);
      }
    }
    return known === 'with-peers' || known === 'alone' ? known : undefined;
  }

  /**
   * Whether the live connect-client relation is going away, recorded on every unit (a follower may
   * lead by its relation-broken). Juju sends relation-departed for each remote unit and then
   * relation-broken, on each side in its own order: once no Kafka Connect unit is left, the Kafka
   * Connect charm deletes this relation's connectors and drops the REST credentials at its own pace.
   * Re-creating the connectors then would leave them behind for good (the credentials to delete
   * them may be gone by our relation-broken), so from that departure on this charm only deletes.
   * (Juju does not say whether a relation is dying: a Kafka Connect scaled to no unit looks the same,
   * and a unit joining again clears the mark.)
   */
  private noteConnectDeparture(event: HookEvent): void {
    if (!(event instanceof RelationEvent) || event.relation.name !== CONNECT_ENDPOINT) return;
    const state = this.charm.framework.unitState;
    if (event instanceof RelationDepartedEvent) {
      if (event.departingUnit !== this.model.unit.name && event.relation.units.length === 0)
        state.set(CONNECT_GOING, String(event.relation.id));
    } else if (event instanceof RelationJoinedEvent || event instanceof RelationBrokenEvent) {
      // A Kafka Connect unit (re)joined, or the relation is gone: nothing pending any more.
      state.set(CONNECT_GOING, null);
    }
  }

  /** Whether the live connect-client relation was seen going away (see noteConnectDeparture). */
  private connectGoing(): boolean {
    const id = this.inputs().connectRelationId;
    return id !== undefined && this.charm.framework.unitState.get(CONNECT_GOING) === String(id);
  }

  /** The reconcile hook (every hook event but stop/remove/collect-metrics). */
  readonly reconcile = async (event: HookEvent): Promise<void> => {
    this.noteConnectDeparture(event);
    if (!this.mayWrite(event)) return; // the leader alone talks to Connect, and not on its way out
    const inputs = this.inputs();
    if (this.connectGoing()) {
      await this.deleteWhileReadable(event);
      return;
    }
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
      return;
    }
    const session = this.openSession(view);
    try {
      await this.converge(session, inputs.desired, inputs.ownedPattern, inputs.desired.length === 0);
    } finally {
      session.close();
    }
  };

  /** The connect-client relation is going away: delete this charm's connectors if Connect can still be reached; never write one. */
  private async deleteWhileReadable(event: HookEvent): Promise<void> {
    const inputs = this.inputs();
    const view = this.connectView();
    this.peer.restartBackoff = { version: 1, connectors: {} };
    if (view === undefined || inputs.ownedPattern === undefined) {
      this.logger.info(
        `connect-client relation is going away (${event.source.kind}); its credentials can no longer be read: Kafka Connect left to the Kafka Connect charm`,
      );
      this.observation = { connect: { kind: 'not-queried' } };
      return;
    }
    this.logger.info(`connect-client relation is going away (${event.source.kind}): deleting this charm's connectors, creating none`);
    const session = this.openSession(view);
    try {
      await this.converge(session, [], inputs.ownedPattern, true);
    } finally {
      session.close();
    }
  }

  /** Observe Connect, plan, write only what differs, re-read for the status. */
  private async converge(
    session: ConnectSession,
    desired: NonNullable<MirrorInputs['desired']>,
    ownedPattern: RegExp,
    teardown: boolean,
  ): Promise<void> {
    let actual: ObservedConnectors;
    try {
      actual = await session.observe();
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      this.observation = unreachable(e);
      if (teardown) {
        this.logger.warning(`cannot delete this charm's connectors now (${e.message}); will retry on the next hook`);
      }
      return;
    }
    const plan = planReconcile({
      desired,
      actual,
      ownedPattern,
      intent: { paused: this.peer.paused },
      restartBackoff: this.peer.restartBackoff,
      now: runtime.now(),
    });
    // Persisted even if a restart below fails: the back-off counts attempts, not successes.
    this.peer.restartBackoff = plan.nextBackoff;
    if (plan.actions.length === 0) {
      this.observation = { connect: { kind: 'observed', actual } };
      return;
    }
    // Connect's own validation first, for every config about to be written: a config Connect
    // would refuse (an unknown converter class, …) blocks before any write, so no connector is
    // left half-updated (e.g. the source connector on the new config, the checkpoint one on the old).
    const refused = await this.refusedByConnect(session, plan.actions, desired);
    if (refused !== undefined) {
      this.observation = { connect: { kind: 'observed', actual }, writeFailure: refused };
      return;
    }
    const outcomes = await this.applyPlan(session, plan.actions, actual);
    this.logOutcomes(outcomes, teardown);
    const failed = outcomes.find((o) => o.error !== undefined);
    // Re-read once so the status reflects what the writes did.
    try {
      actual = await session.observe();
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      this.observation = unreachable(e);
      return;
    }
    this.observation = {
      connect: { kind: 'observed', actual },
      ...(failed?.error ? { writeFailure: connectErrorStatus(failed.error, verb(failed.action)) } : {}),
    };
  }

  /** The plan's writes; creations of absent connectors go through createHook when it takes them. */
  private async applyPlan(
    session: ConnectSession,
    actions: readonly ReconcileAction[],
    actual: ObservedConnectors,
  ): Promise<ActionOutcome[]> {
    const beforeDelete = this.beforeDeleteHook;
    if (beforeDelete !== undefined) {
      for (const a of actions) {
        const config = a.kind === 'delete' ? actual[a.name]?.info?.config : undefined;
        if (config !== undefined) await beforeDelete(session, a.name, config);
      }
    }
    const hook = this.createHook;
    if (hook === undefined) return session.applyAll(actions);
    const creates = actions.filter((a): a is Extract<ReconcileAction, { kind: 'put' }> => a.kind === 'put' && actual[a.name] === undefined);
    const outcomes = await session.applyAll(actions.filter((a) => !creates.includes(a as Extract<ReconcileAction, { kind: 'put' }>)));
    for (const a of creates) outcomes.push((await hook(session, a)) ?? (await session.applyAll([a]))[0]!);
    return outcomes;
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
      for (const k of validation.invalid)
        messages.push(session.client.redact(connectRefusal(kind, action.config, k.key, k.errors).message));
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
    const session = new ConnectSession(view, [...this.inputs().knownSecrets, view.password], this.logger, this.inputs().noConnectCaHint);
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
      return {
        ...summary,
        message: `${summary.message}; warning: ${warning.option} has a regex prone to catastrophic backtracking (see the log)`,
      };
    }
    return summary;
  }
}

function unreachable(e: ConnectApiError): Observation {
  if (OPERATOR_MUST_ACT.has(e.kind) || e.kind === 'unauthorized' || e.kind === 'forbidden')
    return { connect: { kind: 'unreachable', reason: e.message }, writeFailure: connectErrorStatus(e, 'read Kafka Connect') };
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
