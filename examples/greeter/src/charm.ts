/**
 * greeter: a small HTTP greeting service, written as the worked example of lib/ops.
 *
 * The workload (not part of this example) answers `GET /hello/<audience>` with
 * "<greeting>, <audience>!" on a TCP port and keeps its greetings in a key-value store.
 *
 * - `store` (requires, kv_store): the store publishes `endpoint` and `secret-id` (a secret with
 *   `username`/`password` it granted us) in its app bag, and `zone` in each unit bag. The
 *   workload cannot start without it, so `start` is deferred until the store is ready.
 * - `greeting` (provides, greeting_api): clients put `audience` in their app bag; the leader
 *   publishes `url` and `token-secret-id` (an app-owned API token, granted to that relation).
 * - `cluster` (peers): each unit says whether it serves; the leader sums that up in the app
 *   status. The leader also records itself in the peer app bag.
 *
 * Shape: specific observers record facts (a store became ready, credentials rotated, the
 * workload started); the `observeAll` reconcile converges ports and relation data from config +
 * relation data; collect-status derives the statuses. Nothing is written on a bad config value.
 */
import { randomBytes } from 'node:crypto';
import {
  ActionEvent,
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  CollectStatusEvent,
  ConfigData,
  CustomEvent,
  EventSource,
  Framework,
  HookEvent,
  MaintenanceStatus,
  Relation,
  RelationBrokenEvent,
  RelationChangedEvent,
  RelationCreatedEvent,
  RelationDataBag,
  RelationDepartedEvent,
  RelationJoinedEvent,
  Secret,
  SecretEvent,
  SecretNotFoundError,
  WaitingStatus,
} from '../../../lib/ops';
import type { ActionParams, CharmConfig } from './generated/charm-types';

/** The workload version this charm revision ships. */
export const WORKLOAD_VERSION = '2.4.1';
export const API_TOKEN_LABEL = 'api-token';
export const STORE_CREDENTIALS_LABEL = 'store-credentials';
export const PORT_RANGE = { min: 1024, max: 65535 } as const;

/** Keys of this charm's unit state (`framework.unitState`, kept in controller state). */
const STARTED = 'started';
const STORE_ENDPOINT = 'store-endpoint';
const RESTARTS = 'workload-restarts';

/** The config, typed from config.yaml by `tscharm gen` (src/generated/charm-types.ts). */
export type GreeterConfig = CharmConfig;

export type ConfigCheck = { readonly ok: true; readonly config: GreeterConfig } | { readonly ok: false; readonly problem: string };

/**
 * The charm's typed config. Types are already checked against config.yaml by the framework;
 * this adds the rules config.yaml cannot express.
 */
export function checkConfig(raw: ConfigData): ConfigCheck {
  const greeting = String(raw['greeting']).trim();
  const port = Number(raw['port']);
  if (greeting === '') return { ok: false, problem: 'config "greeting" is empty: set a word, e.g. juju config greeter greeting=Hello' };
  if (!Number.isInteger(port) || port < PORT_RANGE.min || port > PORT_RANGE.max) {
    return {
      ok: false,
      problem: `config "port" is ${port}: use ${PORT_RANGE.min}-${PORT_RANGE.max} (the greeter does not run as root)`,
    };
  }
  return { ok: true, config: { greeting, port, shout: raw['shout'] === true } };
}

export function composeGreeting(config: GreeterConfig, audience: string): string {
  const text = `${config.greeting}, ${audience}!`;
  return config.shout ? text.toUpperCase() : text;
}

export interface StoreConnection {
  readonly endpoint: string;
  readonly secretId: string;
}

export type GreetParams = ActionParams['greet'];

type StoreReady = { endpoint: string; zone: string | null };

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Stage only what differs. A bag that was never read is sent whole by the framework (it cannot
 * know what Juju holds), so read it first: one relation-get spares a relation-set, and with it a
 * relation-changed on every remote unit, whenever nothing changed.
 */
function writeChanges(bag: RelationDataBag, values: Readonly<Record<string, string>>): void {
  const current = bag.toObject();
  const changed = Object.entries(values).filter(([k, v]) => (current[k] ?? '') !== v);
  if (changed.length > 0) bag.update(Object.fromEntries(changed));
}

export class GreeterCharm extends CharmBase {
  /** Emitted when the store publishes (a new) endpoint and credentials. */
  readonly storeReady: EventSource<CustomEvent<StoreReady>>;
  private stopping = false;
  private apiToken: Secret | null = null;

  constructor(framework: Framework) {
    super(framework);
    this.storeReady = framework.defineEvent<StoreReady>('store-ready');
    const on = this.on;
    framework.observe(on.install, this.onInstall);
    framework.observe(on.leaderElected, this.onLeaderElected);
    framework.observe(on.configChanged, this.onConfigChanged);
    framework.observe(on.start, this.onStart);
    framework.observe(on.upgradeCharm, this.onUpgradeCharm);
    framework.observe(on.updateStatus, this.onUpdateStatus);
    framework.observe(on.stop, this.onStop);
    framework.observe(on.remove, this.onRemove);

    framework.observe(on.relationCreated('store'), this.onStoreCreated);
    framework.observe(on.relationJoined('store'), this.onStoreJoined);
    framework.observe(on.relationChanged('store'), this.onStoreChanged);
    framework.observe(on.relationDeparted('store'), this.onStoreDeparted);
    framework.observe(on.relationBroken('store'), this.onStoreBroken);
    framework.observe(this.storeReady, this.onStoreReady);
    framework.observe(on.secretChanged, this.onSecretChanged);

    framework.observe(on.relationJoined('greeting'), this.onClientJoined);
    framework.observe(on.relationDeparted('greeting'), this.onClientDeparted);
    framework.observe(on.relationBroken('greeting'), this.onClientBroken);

    framework.observe(on.action<GreetParams>('greet'), this.onGreet);
    framework.observe(on.action('rotate-token'), this.onRotateToken);

    framework.observe(on.collectUnitStatus, this.collectUnitStatus);
    framework.observe(on.collectAppStatus, this.collectAppStatus);
    framework.observeAll(this.reconcile);
  }

  private get log() {
    return this.framework.logger;
  }

  private get unitState() {
    return this.framework.unitState;
  }

  private get config(): ConfigCheck {
    return checkConfig(this.model.config);
  }

  /** The store's endpoint and credentials secret, once it has published both. */
  private storeConnection(): StoreConnection | null {
    const rel = this.model.getRelation('store');
    if (!rel) return null;
    const endpoint = rel.remoteAppData.get('endpoint');
    const secretId = rel.remoteAppData.get('secret-id');
    return endpoint && secretId ? { endpoint, secretId } : null;
  }

  private get started(): boolean {
    return this.unitState.get(STARTED) === 'true';
  }

  private get serving(): boolean {
    return this.started && this.storeConnection() !== null;
  }

  // ---- lifecycle --------------------------------------------------------------------------

  onInstall = (): void => {
    // Set at once: Juju shows it while the (long) install runs; collect-status replaces it.
    this.model.unit.setStatus(new MaintenanceStatus(`installing greeter ${WORKLOAD_VERSION}`));
    this.log.info(`installing greeter ${WORKLOAD_VERSION}`);
  };

  onLeaderElected = (): void => {
    this.ensureApiToken();
    this.model.peers('cluster')?.localAppData.set('leader', this.model.unit.name);
    this.log.info(`${this.model.unit.name} is the leader`);
  };

  onConfigChanged = (): void => {
    const check = this.config;
    if (!check.ok) this.log.warning(`${check.problem}; keeping the last good configuration`);
    else this.log.info(`configured: greeting "${check.config.greeting}" on port ${check.config.port}`);
  };

  onStart = (event: HookEvent): void => {
    if (this.storeConnection() === null) {
      this.log.info('cannot start the greeter before the store publishes its endpoint; start deferred');
      event.defer();
      return;
    }
    this.unitState.set(STARTED, 'true');
    this.model.unit.setWorkloadVersion(WORKLOAD_VERSION);
    this.log.info('greeter started');
  };

  onUpgradeCharm = (): void => {
    this.log.info(`charm upgraded; it ships greeter ${WORKLOAD_VERSION}`);
    if (this.started) this.model.unit.setWorkloadVersion(WORKLOAD_VERSION);
  };

  onUpdateStatus = (): void => {
    this.log.trace('update-status: checking the workload');
    this.log.debug(`greeter ${this.serving ? 'serving' : 'not serving'}; ${this.unitState.get(RESTARTS) ?? '0'} restart(s)`);
  };

  onStop = (): void => {
    this.stopping = true;
    this.unitState.set(STARTED, null);
    this.model.unit.setPorts();
    this.model.peers('cluster')?.localUnitData.set('serving', 'false');
    this.log.info('greeter stopped');
  };

  onRemove = (): void => {
    this.stopping = true;
    if (!this.model.unit.isLeader()) return;
    const token = this.findApiToken();
    if (token) {
      token.removeAllRevisions();
      this.log.info('removed the API token secret');
    }
  };

  // ---- the store (requires) ----------------------------------------------------------------

  onStoreCreated = (event: RelationCreatedEvent): void => {
    this.log.info(`related to store ${event.app} (relation ${event.relation.id})`);
  };

  onStoreJoined = (event: RelationJoinedEvent): void => {
    this.log.debug(`store unit ${event.unit ?? '?'} joined`);
  };

  onStoreChanged = async (event: RelationChangedEvent): Promise<void> => {
    const conn = this.storeConnection();
    if (!conn) {
      this.log.debug(`store ${event.app} has not published its endpoint and credentials yet`);
      return;
    }
    // First read as a consumer: label it, so secret-changed names it and later reads are by label.
    const creds = this.model.getSecret({ id: conn.secretId, label: STORE_CREDENTIALS_LABEL }).getContent();
    if (!creds['username'] || !creds['password']) {
      this.log.error(`the store's credentials secret lacks username or password; ask the store's operator`);
      return;
    }
    if (conn.endpoint !== this.unitState.get(STORE_ENDPOINT)) {
      const zone = event.unit ? (event.relation.remoteUnitData(event.unit).get('zone') ?? null) : null;
      await this.framework.emit(this.storeReady, { endpoint: conn.endpoint, zone });
    }
  };

  onStoreReady = (event: CustomEvent<StoreReady>): void => {
    this.unitState.set(STORE_ENDPOINT, event.data.endpoint);
    this.log.info(`store ready at ${event.data.endpoint}${event.data.zone ? ` (zone ${event.data.zone})` : ''}`);
  };

  onStoreDeparted = (event: RelationDepartedEvent): void => {
    const gone = event.departingUnit;
    // The departing unit's bag is still readable in its departed hook.
    const zone = gone ? event.relation.remoteUnitData(gone).get('zone') : undefined;
    this.log.warning(`store unit ${gone ?? '?'} (zone ${zone ?? 'unknown'}) left; ${event.relation.units.length} remain`);
  };

  onStoreBroken = (event: RelationBrokenEvent): void => {
    this.unitState.set(STORE_ENDPOINT, null);
    this.log.warning(`the relation to store ${event.app} is gone; the greeter stops serving`);
  };

  onSecretChanged = (event: SecretEvent): void => {
    if (event.secretLabel !== STORE_CREDENTIALS_LABEL) return;
    const creds = event.secret.getContent({ refresh: true });
    if (!creds['username'] || !creds['password']) {
      this.log.error(`the store's new credentials lack username or password; the greeter keeps the old ones`);
      return;
    }
    const restarts = Number(this.unitState.get(RESTARTS) ?? '0') + 1;
    this.unitState.set(RESTARTS, String(restarts));
    this.log.info(`store credentials rotated; greeter restarted to use them (restart ${restarts})`);
  };

  // ---- clients (provides) -----------------------------------------------------------------

  onClientJoined = (event: RelationJoinedEvent): void => {
    this.log.debug(`client unit ${event.unit ?? '?'} of ${event.app} joined`);
  };

  onClientDeparted = (event: RelationDepartedEvent): void => {
    const gone = event.departingUnit;
    const name = gone ? event.relation.remoteUnitData(gone).get('client-name') : undefined;
    this.log.info(`client ${name ?? gone ?? '?'} of ${event.app} left`);
  };

  onClientBroken = (event: RelationBrokenEvent): void => {
    if (!this.model.unit.isLeader()) return;
    const token = this.findApiToken();
    if (token) token.revoke(event.relation);
    this.log.info(`client ${event.app} is gone; its access to the API token was revoked`);
  };

  // ---- secrets we own -----------------------------------------------------------------------

  private findApiToken(): Secret | null {
    if (this.apiToken) return this.apiToken;
    try {
      this.apiToken = this.model.getSecret({ label: API_TOKEN_LABEL });
    } catch (e) {
      if (!(e instanceof SecretNotFoundError)) throw e;
    }
    return this.apiToken;
  }

  /** The app's API token (leader only): found by label, or created. */
  private ensureApiToken(): Secret {
    const found = this.findApiToken();
    if (found) return found;
    this.apiToken = this.model.app.addSecret({ token: newToken() }, { label: API_TOKEN_LABEL, description: 'greeter API token' });
    this.log.info('created the API token secret');
    return this.apiToken;
  }

  // ---- reconcile ----------------------------------------------------------------------------

  reconcile = (_event: HookEvent): void => {
    const check = this.config;
    // A bad value changes nothing: the workload keeps its last good configuration.
    if (!check.ok) return;
    const serving = this.serving;
    this.model.unit.setPorts(...(serving ? [{ protocol: 'tcp' as const, port: check.config.port }] : []));
    const peerBag = this.model.peers('cluster')?.localUnitData;
    if (peerBag) writeChanges(peerBag, { serving: String(serving), port: String(check.config.port) });
    if (this.model.unit.isLeader()) this.publishToClients(check.config, serving);
  };

  /** Leader: every client's app bag gets the URL (while serving) and the API token's id. */
  private publishToClients(config: GreeterConfig, serving: boolean): void {
    const clients = this.model.relations('greeting');
    if (clients.length === 0) return;
    const token = this.ensureApiToken();
    const tokenId = token.id ?? token.getInfo().id;
    for (const rel of clients) {
      const bag = rel.localAppData;
      if (bag.get('token-secret-id') !== tokenId) token.grant(rel);
      writeChanges(bag, { url: serving ? this.urlFor(rel, config) : '', 'token-secret-id': tokenId });
    }
  }

  private urlFor(rel: Relation, config: GreeterConfig): string {
    const audience = rel.remoteAppData.get('audience') ?? 'world';
    const address = rel.localUnitData.get('ingress-address') ?? 'localhost';
    return `http://${address}:${config.port}/hello/${encodeURIComponent(audience)}`;
  }

  // ---- status -------------------------------------------------------------------------------

  collectUnitStatus = (event: CollectStatusEvent): void => {
    if (this.stopping) {
      // The unit is going away: nothing else it could say is actionable.
      event.addStatus(new MaintenanceStatus('greeter stopped'));
      return;
    }
    const check = this.config;
    if (!check.ok) event.addStatus(new BlockedStatus(check.problem));
    if (this.model.getRelation('store') === null) event.addStatus(new BlockedStatus('needs a store: juju integrate greeter <kv-store>'));
    else if (this.storeConnection() === null)
      event.addStatus(new WaitingStatus('waiting for the store to publish its endpoint and credentials'));
    if (!this.started) event.addStatus(new WaitingStatus('waiting to start'));
    if (check.ok) event.addStatus(new ActiveStatus(`serving "${check.config.greeting}" on :${check.config.port}`));
  };

  collectAppStatus = (event: CollectStatusEvent): void => {
    const peers = this.model.peers('cluster');
    const units = [this.model.unit.name, ...(peers?.units ?? [])];
    const serving = units.filter((u) => peers?.remoteUnitData(u).get('serving') === 'true').length;
    event.addStatus(
      serving > 0 ? new ActiveStatus(`${serving}/${units.length} units serving`) : new WaitingStatus('no unit is serving yet'),
    );
  };

  // ---- actions ------------------------------------------------------------------------------

  onGreet = (event: ActionEvent<GreetParams>): void => {
    const check = this.config;
    if (!check.ok) return event.fail(`cannot greet: ${check.problem}`);
    if (!this.serving) return event.fail('cannot greet: the greeter is not serving yet (it needs a store, then start)');
    const { name, times } = event.params;
    event.log(`greeting ${name} ${times} time(s)`);
    const text = composeGreeting(check.config, name);
    event.setResults({
      greeting: { text: Array.from({ length: times }, () => text).join(' '), times },
      'served-by': { unit: this.model.unit.name, port: check.config.port },
    });
  };

  onRotateToken = (event: ActionEvent): void => {
    if (!this.model.unit.isLeader())
      return event.fail('only the leader can rotate the API token: run it on the leader unit (greeter/leader)');
    const token = this.findApiToken();
    if (!token) return event.fail('there is no API token yet: it is created when the leader is elected');
    event.log('rotating the API token');
    token.setContent({ token: newToken() });
    event.setResults({ rotated: true, clients: this.model.relations('greeting').length });
  };
}
