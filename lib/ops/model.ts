/**
 * The charm's view of the Juju model for one dispatch: app, unit, config, relations and their
 * databags, secrets, leadership, status, ports and workload version.
 *
 * Reads are lazy and memoised (the backend caches tool answers; bags are loaded once). The
 * pieces live in their own modules — `relations.ts`, `secrets.ts`, `units.ts` — and are
 * re-exported here.
 */
import type { HookToolBackend, RelationRef, SecretLookup } from './backend';
import type { JujuContext } from './context';
import { ConfigError, OpsError, TooManyRelatedAppsError } from './errors';
import { CharmMeta, EndpointInfo, endpointsOf } from './meta';
import { Relation, RelationHost } from './relations';
import { Secret } from './secrets';
import { capStatusMessage, type StatusBase } from './status';
import { Application, settable, Unit, UnitHost } from './units';
import { CompiledValidator, compileSchema, configExpectations, configSchema, describeValidationErrors } from './validation';

export { Relation, RelationDataBag } from './relations';
export type { RelationHost } from './relations';
export { Secret } from './secrets';
export type { AddSecretOptions } from './secrets';
export { Application, Unit } from './units';
export type { Port, PortProtocol, UnitHost } from './units';

export type ConfigValue = string | number | boolean;
export type ConfigData = Readonly<Record<string, ConfigValue>>;

/** Where the last status the framework set is remembered (controller state, see framework). */
export interface StatusMemory {
  get(scope: 'unit' | 'app'): { name: string; message: string } | undefined;
  put(scope: 'unit' | 'app', status: { name: string; message: string }): void;
}

/**
 * Where the remote application of each (non-peer) relation is remembered across dispatches
 * (controller state, see framework). A relation's remote application never changes and relation
 * ids are never reused, so once known — from `JUJU_REMOTE_APP` in that relation's hooks or one
 * `relation-list --app` — later hooks need not ask again.
 */
export interface RemoteAppMemory {
  get(relationId: number): string | undefined;
  put(relationId: number, app: string): void;
  forget(relationId: number): void;
}

export interface ModelOptions {
  readonly configValidator?: CompiledValidator;
  readonly statusMemory?: StatusMemory;
  /** Scopes whose status memory must not be trusted in this dispatch (always set them). */
  readonly ignoreStatusMemory?: readonly ('unit' | 'app')[];
  /** Remote application names learnt in earlier dispatches (saves `relation-list --app`). */
  readonly remoteAppMemory?: RemoteAppMemory;
}

export class Model implements RelationHost, UnitHost {
  readonly app: Application;
  readonly unit: Unit;
  private readonly endpoints: ReadonlyMap<string, EndpointInfo>;
  private readonly relationCache = new Map<number, Relation>();
  private configCache: ConfigData | null = null;
  private readonly rememberedAtStart = new Map<'unit' | 'app', { name: string; message: string } | undefined>();

  /** @internal */
  constructor(
    readonly context: JujuContext,
    /** @internal */ readonly _backend: HookToolBackend,
    readonly meta: CharmMeta,
    private readonly options: ModelOptions = {},
  ) {
    this.app = new Application(context.appName, this);
    this.unit = new Unit(context.unitName, this.app, this);
    this.endpoints = endpointsOf(meta);
  }

  get name(): string {
    return this.context.modelName;
  }

  /**
   * Secret values the charm learnt other than through `secret-get` (e.g. a password found in a
   * workload's own config): from now on they are redacted from every log line, error and
   * tool-call trace of this dispatch, like secret content is.
   */
  addSecretValues(...values: readonly string[]): void {
    this._backend.redactor.add(...values);
  }

  /** `text` with every secret value known to this dispatch replaced by `<redacted>`. */
  redact(text: string): string {
    return this._backend.redactor.redact(text);
  }

  get uuid(): string {
    return this.context.modelUuid;
  }

  get jujuVersion(): string {
    return this.context.jujuVersion;
  }

  /**
   * The charm config, validated against config.yaml (ajv, compiled on first use). Throws
   * `ConfigError` naming each bad option and what it expected.
   */
  get config(): ConfigData {
    if (this.configCache === null) {
      const raw = this._backend.configGet();
      const validate = this.options.configValidator ?? compileSchema(configSchema(this.meta.config));
      if (!validate(raw)) {
        throw new ConfigError(describeValidationErrors(validate.errors ?? [], raw, 'option', configExpectations(this.meta.config)));
      }
      const out: Record<string, ConfigValue> = {};
      for (const [k, v] of Object.entries(raw)) if (v !== null && v !== undefined) out[k] = v as ConfigValue;
      this.configCache = Object.freeze(out);
    }
    return this.configCache;
  }

  private endpoint(name: string): EndpointInfo {
    const ep = this.endpoints.get(name);
    if (!ep) {
      throw new OpsError(
        `endpoint "${name}" is not declared in metadata.yaml (declared: ${[...this.endpoints.keys()].join(', ') || 'none'})`,
      );
    }
    return ep;
  }

  /** The relation being broken in this dispatch, if any: excluded from `relations()`. */
  private get brokenRelationId(): number | null {
    return this.context.target.kind === 'relation-broken' && this.context.relation ? this.context.relation.id : null;
  }

  /** @internal a Relation object for a known id (also used to rebuild deferred events). */
  _relation(endpoint: string, id: number, knownRemoteApp?: string): Relation {
    let rel = this.relationCache.get(id);
    if (!rel) {
      const ctxRel = this.context.relation;
      const remote = knownRemoteApp ?? (ctxRel && ctxRel.id === id ? ctxRel.remoteApp : undefined);
      const info = this.endpoint(endpoint);
      rel = new Relation(endpoint, id, info, id !== this.brokenRelationId, this, remote);
      this.relationCache.set(id, rel);
      const memory = this.options.remoteAppMemory;
      if (memory && info.role !== 'peer' && ctxRel && ctxRel.id === id) {
        // The relation's own hooks name its remote app for free: remember it for later hooks,
        // and drop it when the relation is gone (ids are not reused, but state should not grow).
        if (id === this.brokenRelationId) memory.forget(id);
        else if (ctxRel.remoteApp) memory.put(id, ctxRel.remoteApp);
      }
    }
    return rel;
  }

  /** @internal The remote app of a non-peer relation: remembered, or one `relation-list --app`. */
  _remoteAppOf(ref: RelationRef): string | null {
    const memory = this.options.remoteAppMemory;
    const remembered = ref.id === this.brokenRelationId ? undefined : memory?.get(ref.id);
    if (remembered !== undefined) return remembered;
    const app = this._backend.relationRemoteApp(ref);
    if (app !== null && ref.id !== this.brokenRelationId) memory?.put(ref.id, app);
    return app;
  }

  /** The live relation ids of `endpoint` (the one being broken left out): one `relation-ids` per dispatch. */
  private relationIdsOf(endpoint: string): readonly number[] {
    const broken = this.brokenRelationId;
    return this._backend.relationIds(endpoint).filter((id) => id !== broken);
  }

  /** @internal A read on `rel`: a relation being broken (not this hook's own) reads as `fallback`. */
  _readRelation<T>(rel: Relation, read: () => T, fallback: T): T {
    if (!rel.active && rel.id !== this.brokenRelationId) return fallback;
    return read();
  }

  /** Every live relation on `endpoint` (the one being broken is left out, as in ops). */
  relations(endpoint: string): Relation[] {
    this.endpoint(endpoint);
    return this.relationIdsOf(endpoint)
      .map((id) => this._relation(endpoint, id))
      .filter((rel) => rel.active);
  }

  /**
   * One relation: by id (also the one being broken, with `active` false), or the only one on the
   * endpoint (null if none; `TooManyRelatedAppsError` if several).
   */
  getRelation(endpoint: string, id?: number): Relation | null {
    this.endpoint(endpoint);
    if (id !== undefined) {
      if (id === this.brokenRelationId) return this._relation(endpoint, id);
      return this.relationIdsOf(endpoint).includes(id) ? this._relation(endpoint, id) : null;
    }
    const rels = this.relations(endpoint);
    if (rels.length > 1) {
      throw new TooManyRelatedAppsError(`endpoint "${endpoint}" has ${rels.length} relations; pass the relation id`);
    }
    return rels[0] ?? null;
  }

  /** The peer relation (on `endpoint`, or the only peer endpoint); null before it exists. */
  peers(endpoint?: string): Relation | null {
    const peerEndpoints = [...this.endpoints.values()].filter((e) => e.role === 'peer');
    const name = endpoint ?? (peerEndpoints.length === 1 ? peerEndpoints[0].name : undefined);
    if (name === undefined) throw new OpsError(`name the peer endpoint: metadata.yaml declares ${peerEndpoints.length} peer endpoints`);
    if (this.endpoint(name).role !== 'peer') throw new OpsError(`endpoint "${name}" is not a peer endpoint`);
    return this.getRelation(name);
  }

  /** A secret by id and/or label; checks it is readable (one `secret-get`, cached). */
  getSecret(lookup: SecretLookup): Secret {
    if (!lookup.id && !lookup.label) throw new OpsError('getSecret needs an id or a label');
    this._backend.secretGet(lookup, 'pinned');
    return new Secret(this._backend, lookup.id ?? null, lookup.label ?? null);
  }

  /**
   * A secret's content in ONE `secret-get` (getSecret + getContent costs two). `refresh`: the
   * latest revision, which this unit then tracks (Python ops' `get_content(refresh=True)`).
   * With both id and label, the label is set on the secret for this unit (label pinning).
   */
  getSecretContent(lookup: SecretLookup, opts: { refresh?: boolean } = {}): Readonly<Record<string, string>> {
    if (!lookup.id && !lookup.label) throw new OpsError('getSecretContent needs an id or a label');
    return this._backend.secretGet(lookup, opts.refresh ? 'refresh' : 'pinned');
  }

  /** @internal a secret handle without a lookup (for secret events). */
  _secret(id: string, label: string | null): Secret {
    return new Secret(this._backend, id, label);
  }

  /** @internal set a status now unless it equals the last one the framework set. */
  _setStatus(scope: 'unit' | 'app', requested: StatusBase): void {
    const name = settable(requested);
    const message = capStatusMessage(requested.message);
    const status = message === requested.message ? requested : { name: requested.name, message };
    if (scope === 'app' && !this.unit.isLeader()) {
      throw new OpsError(`unit ${this.unit.name} is not the leader, so it cannot set the application status`);
    }
    const memory = this.options.statusMemory;
    const trusted = !(this.options.ignoreStatusMemory ?? []).includes(scope);
    const last = memory?.get(scope);
    if (trusted && last && last.name === status.name && last.message === status.message) return;
    if (!this.rememberedAtStart.has(scope)) this.rememberedAtStart.set(scope, last);
    this._backend.statusSet(name, status.message, scope === 'app');
    memory?.put(scope, { name: status.name, message: status.message });
  }

  /**
   * @internal After a failed dispatch: the status-set calls it made were applied at once, but
   * the memory of them (controller state) is not committed. Put back the remembered status, so
   * what Juju shows and what the next dispatch compares against agree again.
   */
  _restoreStatusAfterFailure(): void {
    for (const [scope, remembered] of this.rememberedAtStart) {
      if (
        remembered &&
        (remembered.name === 'active' ||
          remembered.name === 'blocked' ||
          remembered.name === 'maintenance' ||
          remembered.name === 'waiting')
      ) {
        this._backend.statusSet(remembered.name, remembered.message, scope === 'app');
      }
    }
    this.rememberedAtStart.clear();
  }

  /** @internal one relation-set per changed bag (none for a relation found gone). */
  commitRelationData(): void {
    for (const rel of this.relationCache.values()) {
      if (!rel.active && rel.id !== this.brokenRelationId) continue;
      for (const bag of rel._bags()) bag._flush();
    }
  }
}
