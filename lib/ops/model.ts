/**
 * The charm's view of the Juju model for one dispatch: app, unit, config, relations and their
 * databags, secrets, leadership, status, ports and workload version.
 *
 * Reads are lazy and memoised (the backend caches tool answers; bags are loaded once). Relation
 * writes are checked against ops' access rules *before* Juju is asked, staged in the bag, and
 * flushed by `commitRelationData()` as one `relation-set` per bag with only the changed keys.
 */
import {
  HookToolBackend,
  RelationRef,
  RotatePolicy,
  SecretInfo,
  SecretLookup,
  SecretMetaOptions,
  SettableStatus,
} from './backend';
import type { JujuContext } from './context';
import {
  ConfigError,
  OpsError,
  RelationDataAccessError,
  RelationDataTypeError,
  RelationNotFoundError,
  SecretContentError,
  TooManyRelatedAppsError,
} from './errors';
import { CharmMeta, EndpointInfo, endpointsOf } from './meta';
import { StatusBase, statusFromName } from './status';
import {
  CompiledValidator,
  compileSchema,
  configExpectations,
  configSchema,
  describeValidationErrors,
} from './validation';

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

/**
 * Where each endpoint's relation ids are remembered across dispatches (controller state, see
 * framework and lib/ops/README.md "Relation-id memory"). `at` is when a real `relation-ids`
 * call last confirmed the list (epoch ms).
 */
export interface RelationIdMemory {
  get(endpoint: string): { ids: readonly number[]; at: number } | undefined;
  put(endpoint: string, ids: readonly number[], at: number): void;
  /** Drop everything (upgrade-charm: another charm revision may have run hooks in between). */
  forgetAll(): void;
}

/** A remembered list older than this is confirmed again with a real `relation-ids`. */
export const RELATION_ID_MEMORY_MAX_AGE_MS = 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// Relation data

type BagKind = 'local-unit' | 'local-app' | 'remote-unit' | 'remote-app';

/** One databag of one relation: a lazy string map with staged writes. */
export class RelationDataBag {
  private base: Readonly<Record<string, string>> | null = null;
  private readonly writes = new Map<string, string>();

  /** @internal */
  constructor(
    private readonly relation: Relation,
    readonly owner: string,
    readonly kind: BagKind,
    private readonly model: Model,
  ) {}

  private get isApp(): boolean {
    return this.kind === 'local-app' || this.kind === 'remote-app';
  }

  private checkReadable(): void {
    if (this.kind === 'local-app' && !this.relation.isPeer && !this.model.unit.isLeader()) {
      throw new RelationDataAccessError(
        `unit ${this.model.unit.name} is not the leader, so it cannot read its own application's databag ` +
          `on relation ${this.relation.name}:${this.relation.id} (only peer app bags are readable by every unit)`,
      );
    }
  }

  private checkWritable(key: string, value: unknown): void {
    const where = `relation ${this.relation.name}:${this.relation.id}`;
    if (this.kind === 'remote-unit' || this.kind === 'remote-app') {
      throw new RelationDataAccessError(`cannot write the remote databag of ${this.owner} on ${where}: remote bags are read-only`);
    }
    if (this.kind === 'local-app' && !this.model.unit.isLeader()) {
      throw new RelationDataAccessError(
        `unit ${this.model.unit.name} is not the leader, so it cannot write the application databag on ${where}`,
      );
    }
    if (!this.relation.active) {
      throw new RelationDataAccessError(`cannot write to ${where}: it is being broken`);
    }
    if (typeof key !== 'string' || key === '') throw new RelationDataTypeError(`databag keys must be non-empty strings (on ${where})`);
    if (typeof value !== 'string') {
      throw new RelationDataTypeError(
        `databag values must be strings; key "${key}" on ${where} got ${value === null ? 'null' : typeof value} ` +
          `(encode it, e.g. with JSON.stringify)`,
      );
    }
  }

  private load(): Readonly<Record<string, string>> {
    if (this.base === null) {
      this.checkReadable();
      this.base = this.model._readRelation(this.relation, () => this.model._backend.relationGet(this.relation.ref, this.owner, this.isApp), {});
    }
    return this.base;
  }

  /** Every key, with this dispatch's staged writes applied. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = { ...this.load() };
    for (const [k, v] of this.writes) {
      if (v === '') delete out[k];
      else out[k] = v;
    }
    return out;
  }

  get(key: string): string | undefined {
    if (this.writes.has(key)) {
      const v = this.writes.get(key) as string;
      return v === '' ? undefined : v;
    }
    return this.load()[key];
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  keys(): string[] {
    return Object.keys(this.toObject());
  }

  /** Stage a write; `''` deletes the key. Sent at the end of the dispatch. */
  set(key: string, value: string): void {
    this.checkWritable(key, value);
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.set(key, '');
  }

  update(values: Readonly<Record<string, string>>): void {
    for (const [k, v] of Object.entries(values)) this.checkWritable(k, v);
    for (const [k, v] of Object.entries(values)) this.writes.set(k, v);
  }

  /** @internal the keys to send: only changed ones when the bag was read. */
  _pendingChanges(): Record<string, string> | null {
    if (this.writes.size === 0) return null;
    const out: Record<string, string> = {};
    for (const [k, v] of this.writes) {
      if (this.base === null) out[k] = v;
      else if (v === '' ? this.base[k] !== undefined : this.base[k] !== v) out[k] = v;
    }
    return Object.keys(out).length > 0 ? out : null;
  }

  /** @internal */
  _flush(): void {
    const changes = this._pendingChanges();
    if (changes) this.model._backend.relationSet(this.relation.ref, this.isApp, changes);
    this.writes.clear();
    this.base = null;
  }
}

export class Relation {
  private bags = new Map<string, RelationDataBag>();
  private remoteAppName: string | null | undefined;
  private gone = false;

  /** @internal */
  constructor(
    readonly name: string,
    readonly id: number,
    readonly endpoint: EndpointInfo,
    private readonly live: boolean,
    private readonly model: Model,
    knownRemoteApp?: string,
  ) {
    this.remoteAppName = knownRemoteApp;
  }

  /**
   * False during this relation's own relation-broken, and for a remembered relation that Juju
   * no longer knows (see `_markGone`): its bags read as empty and writes are refused.
   */
  get active(): boolean {
    return this.live && !this.gone;
  }

  /** @internal the relation came from the relation-id memory and Juju says it does not exist. */
  _markGone(): void {
    this.gone = true;
  }

  get ref(): RelationRef {
    return { endpoint: this.name, id: this.id };
  }

  get isPeer(): boolean {
    return this.endpoint.role === 'peer';
  }

  /** The remote application's name (own app for peers); null if Juju does not know it. */
  get app(): string | null {
    if (this.remoteAppName === undefined) {
      this.remoteAppName = this.isPeer ? this.model.app.name : this.model._readRelation(this, () => this.model._remoteAppOf(this.ref), null);
    }
    return this.remoteAppName;
  }

  /** Remote units that have joined and not departed (`relation-list`). */
  get units(): readonly string[] {
    return this.model._readRelation(this, () => this.model._backend.relationList(this.ref), []);
  }

  private bag(owner: string, kind: BagKind): RelationDataBag {
    let b = this.bags.get(`${kind}\0${owner}`);
    if (!b) {
      b = new RelationDataBag(this, owner, kind, this.model);
      this.bags.set(`${kind}\0${owner}`, b);
    }
    return b;
  }

  get localUnitData(): RelationDataBag {
    return this.bag(this.model.unit.name, 'local-unit');
  }

  get localAppData(): RelationDataBag {
    return this.bag(this.model.app.name, 'local-app');
  }

  /** The remote app's bag (on a peer relation this is the shared peer app bag itself). */
  get remoteAppData(): RelationDataBag {
    if (this.isPeer) return this.localAppData;
    const app = this.app;
    // A relation found gone reads as empty (see Model._readRelation).
    if (app === null && this.gone) return this.bag('', 'remote-app');
    if (app === null) throw new RelationDataAccessError(`relation ${this.name}:${this.id} has no known remote application`);
    return this.bag(app, 'remote-app');
  }

  /** Any remote unit's bag, including a departing/departed unit's (readable in departed/broken). */
  remoteUnitData(unit: string): RelationDataBag {
    if (unit === this.model.unit.name) return this.localUnitData;
    return this.bag(unit, 'remote-unit');
  }

  /** The bag of `owner`, a unit name (`app/0`) or an application name. */
  data(owner: string): RelationDataBag {
    if (owner.includes('/')) return this.remoteUnitData(owner);
    if (owner === this.model.app.name) return this.localAppData;
    if (owner !== this.app) {
      throw new RelationDataAccessError(`application "${owner}" is not on relation ${this.name}:${this.id}`);
    }
    return this.remoteAppData;
  }

  /** @internal */
  _bags(): Iterable<RelationDataBag> {
    return this.bags.values();
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets

const SECRET_KEY = /^([a-z](?:-?[a-z0-9]){2,})$/;

function checkSecretContent(content: Readonly<Record<string, unknown>>): Record<string, string> {
  const keys = Object.keys(content);
  if (keys.length === 0) throw new SecretContentError('secret content must have at least one key');
  const out: Record<string, string> = {};
  for (const k of keys) {
    if (!SECRET_KEY.test(k)) {
      throw new SecretContentError(
        `secret content key "${k}" is invalid: use at least 3 lowercase letters/digits, starting with a letter, single inner hyphens`,
      );
    }
    const v = content[k];
    // The value itself never goes into the message.
    if (typeof v !== 'string' || v === '') throw new SecretContentError(`secret content key "${k}" needs a non-empty string value`);
    out[k] = v;
  }
  return out;
}

export interface AddSecretOptions extends SecretMetaOptions {
  readonly rotate?: RotatePolicy;
}

export class Secret {
  /** @internal */
  constructor(
    private readonly model: Model,
    private secretId: string | null,
    private secretLabel: string | null,
  ) {}

  get id(): string | null {
    return this.secretId;
  }

  get label(): string | null {
    return this.secretLabel;
  }

  private lookup(): SecretLookup {
    return { ...(this.secretId ? { id: this.secretId } : {}), ...(this.secretLabel ? { label: this.secretLabel } : {}) };
  }

  /** The id, resolved through secret-info-get when only a label is known (owner side). */
  private requireId(): string {
    if (!this.secretId) this.secretId = this.getInfo().id;
    return this.secretId;
  }

  /** Content of the tracked revision; `refresh` moves tracking to the latest revision. */
  getContent(opts: { refresh?: boolean } = {}): Readonly<Record<string, string>> {
    return this.model._backend.secretGet(this.lookup(), opts.refresh ? 'refresh' : 'pinned');
  }

  /** Content of the latest revision, without tracking it. */
  peekContent(): Readonly<Record<string, string>> {
    return this.model._backend.secretGet(this.lookup(), 'peek');
  }

  getInfo(): SecretInfo {
    return this.model._backend.secretInfoGet(this.secretId ? { id: this.secretId } : { label: this.secretLabel ?? '' });
  }

  /** A new revision with this content (owner only). Content goes via temp files, never argv. */
  setContent(content: Readonly<Record<string, string>>): void {
    this.model._backend.secretSet(this.requireId(), checkSecretContent(content));
  }

  setInfo(opts: SecretMetaOptions): void {
    this.model._backend.secretSet(this.requireId(), null, opts);
    if (opts.label !== undefined) this.secretLabel = opts.label;
  }

  grant(relation: Relation, unit?: string): void {
    this.model._backend.secretGrant(this.requireId(), relation.ref, unit);
  }

  revoke(relation: Relation, unit?: string): void {
    this.model._backend.secretRevoke(this.requireId(), relation.ref, unit);
  }

  removeRevision(revision: number): void {
    this.model._backend.secretRemove(this.requireId(), revision);
  }

  removeAllRevisions(): void {
    this.model._backend.secretRemove(this.requireId());
  }
}

// ---------------------------------------------------------------------------------------------
// App and unit

function settable(status: StatusBase): SettableStatus {
  if (status.name === 'error' || status.name === 'unknown') {
    throw new OpsError(`a charm cannot set the "${status.name}" status; use active, blocked, maintenance or waiting`);
  }
  return status.name;
}

export class Application {
  /** @internal */
  constructor(
    readonly name: string,
    private readonly model: Model,
  ) {}

  /** Set the application status now (leader only). Skipped when equal to the last one set. */
  setStatus(status: StatusBase): void {
    this.model._setStatus('app', status);
  }

  getStatus(): StatusBase {
    const s = this.model._backend.statusGet(true);
    return statusFromName(s.status, s.message);
  }

  /** Create an application-owned secret (leader only). */
  addSecret(content: Readonly<Record<string, string>>, opts: AddSecretOptions = {}): Secret {
    const id = this.model._backend.secretAdd(checkSecretContent(content), { ...opts, owner: 'application' });
    return new Secret(this.model, id, opts.label ?? null);
  }
}

export type PortProtocol = 'tcp' | 'udp' | 'icmp';

export interface Port {
  readonly protocol: PortProtocol;
  /** Absent for icmp. */
  readonly port?: number;
  /** End of a range (`from-to`). */
  readonly toPort?: number;
}

function portSpec(p: Port): string {
  if (p.protocol === 'icmp') return 'icmp';
  if (p.port === undefined || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
    throw new OpsError(`invalid ${p.protocol} port ${String(p.port)}: use an integer 1-65535`);
  }
  return `${p.port}${p.toPort !== undefined ? `-${p.toPort}` : ''}/${p.protocol}`;
}

function parsePort(s: string): Port {
  if (s === 'icmp') return { protocol: 'icmp' };
  const m = /^(\d+)(?:-(\d+))?\/(tcp|udp)$/.exec(s);
  if (!m) throw new OpsError(`opened-ports printed an unexpected entry "${s}"`);
  return { protocol: m[3] as PortProtocol, port: Number(m[1]), ...(m[2] ? { toPort: Number(m[2]) } : {}) };
}

export class Unit {
  /** @internal */
  constructor(
    readonly name: string,
    readonly app: Application,
    private readonly model: Model,
  ) {}

  /** Leadership, asked once per dispatch (a `true` holds for 30 s, longer than any hook should run). */
  isLeader(): boolean {
    return this.model._backend.isLeader();
  }

  /** Set the unit status now. Skipped when equal to the last one the framework set. */
  setStatus(status: StatusBase): void {
    this.model._setStatus('unit', status);
  }

  getStatus(): StatusBase {
    const s = this.model._backend.statusGet(false);
    return statusFromName(s.status, s.message);
  }

  addSecret(content: Readonly<Record<string, string>>, opts: AddSecretOptions = {}): Secret {
    const id = this.model._backend.secretAdd(checkSecretContent(content), { ...opts, owner: 'unit' });
    return new Secret(this.model, id, opts.label ?? null);
  }

  setWorkloadVersion(version: string): void {
    this.model._backend.applicationVersionSet(version);
  }

  openPort(protocol: PortProtocol, port?: number): void {
    this.model._backend.openPort(portSpec({ protocol, port }));
  }

  closePort(protocol: PortProtocol, port?: number): void {
    this.model._backend.closePort(portSpec({ protocol, port }));
  }

  openedPorts(): Port[] {
    return this.model._backend.openedPorts().map(parsePort);
  }

  /** Make the opened ports exactly `ports` (opens and closes only the difference). */
  setPorts(...ports: readonly Port[]): void {
    const wanted = new Set(ports.map(portSpec));
    const current = new Set(this.openedPorts().map(portSpec));
    for (const p of current) if (!wanted.has(p)) this.model._backend.closePort(p);
    for (const p of wanted) if (!current.has(p)) this.model._backend.openPort(p);
  }
}

// ---------------------------------------------------------------------------------------------
// Model

export interface ModelOptions {
  readonly configValidator?: CompiledValidator;
  readonly statusMemory?: StatusMemory;
  /** Scopes whose status memory must not be trusted in this dispatch (always set them). */
  readonly ignoreStatusMemory?: readonly ('unit' | 'app')[];
  /** Remote application names learnt in earlier dispatches (saves `relation-list --app`). */
  readonly remoteAppMemory?: RemoteAppMemory;
  /** Relation ids per endpoint learnt in earlier dispatches (saves `relation-ids`). */
  readonly relationIdMemory?: RelationIdMemory;
  /** Age after which remembered relation ids are confirmed again (default 1 h). */
  readonly relationIdMaxAgeMs?: number;
  /** Clock for the relation-id memory (tests). */
  readonly now?: () => number;
}

export class Model {
  readonly app: Application;
  readonly unit: Unit;
  private readonly endpoints: ReadonlyMap<string, EndpointInfo>;
  private readonly relationCache = new Map<number, Relation>();
  private configCache: ConfigData | null = null;
  private readonly rememberedAtStart = new Map<'unit' | 'app', { name: string; message: string } | undefined>();
  /** Endpoints whose ids were confirmed by a real `relation-ids` in this dispatch. */
  private readonly confirmedIds = new Map<string, readonly number[]>();
  /** Endpoints answered from the relation-id memory in this dispatch. */
  private readonly rememberedIds = new Map<string, readonly number[]>();
  private relationIdMemoryPrepared = false;

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

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Once per dispatch, before the memory is used or committed: upgrade-charm forgets everything
   * (another revision may have run hooks without keeping it), relation-broken drops its own id.
   */
  private prepareRelationIdMemory(memory: RelationIdMemory): void {
    if (this.relationIdMemoryPrepared) return;
    this.relationIdMemoryPrepared = true;
    const { target, relation } = this.context;
    if (target.kind === 'upgrade-charm') {
      memory.forgetAll();
      return;
    }
    if (target.kind === 'relation-broken' && relation) {
      const known = memory.get(relation.endpoint);
      if (known && known.ids.includes(relation.id)) {
        memory.put(relation.endpoint, known.ids.filter((id) => id !== relation.id), known.at);
      }
    }
  }

  /** @internal end of dispatch: apply the lifecycle rules even if no relation was asked for. */
  _maintainMemories(): void {
    const memory = this.options.relationIdMemory;
    if (memory) this.prepareRelationIdMemory(memory);
  }

  /**
   * The live relation ids of `endpoint` (the one being broken left out): remembered, or one
   * `relation-ids`. The memory is not used when it is older than the max age, or when this
   * hook's own relation is on `endpoint` and not in it (a relation-created the memory missed);
   * `mustInclude` forces a real call for an id the memory does not know.
   */
  private relationIdsOf(endpoint: string, mustInclude?: number): readonly number[] {
    const confirmed = this.confirmedIds.get(endpoint);
    if (confirmed) return confirmed;
    const memory = this.options.relationIdMemory;
    const broken = this.brokenRelationId;
    if (memory) {
      this.prepareRelationIdMemory(memory);
      const known = memory.get(endpoint);
      const own = this.context.relation;
      const ownUnknown = own != null && own.endpoint === endpoint && own.id !== broken && !(known?.ids.includes(own.id) ?? false);
      const fresh = known !== undefined && this.now() - known.at < (this.options.relationIdMaxAgeMs ?? RELATION_ID_MEMORY_MAX_AGE_MS) && known.at <= this.now();
      const covers = mustInclude === undefined || (known?.ids.includes(mustInclude) ?? false);
      if (known && fresh && !ownUnknown && covers) {
        const ids = known.ids.filter((id) => id !== broken);
        this.rememberedIds.set(endpoint, ids);
        return ids;
      }
    }
    return this.confirmRelationIds(endpoint);
  }

  /** One real `relation-ids` for `endpoint`; the memory learns the answer. */
  private confirmRelationIds(endpoint: string): readonly number[] {
    const broken = this.brokenRelationId;
    const ids = this._backend.relationIds(endpoint).filter((id) => id !== broken);
    this.confirmedIds.set(endpoint, ids);
    this.rememberedIds.delete(endpoint);
    this.options.relationIdMemory?.put(endpoint, ids, this.now());
    return ids;
  }

  /**
   * @internal A read on `rel`. If the relation came from the memory and Juju answers
   * `relation not found`, the memory was stale (a relation-broken that failed and was skipped
   * with `juju resolved --no-retry`, or a forced removal): confirm the endpoint's ids for real
   * (the memory learns them, committed at the end of this dispatch), mark the relation gone and
   * answer `fallback`, so the hook converges instead of failing on every retry.
   */
  _readRelation<T>(rel: Relation, read: () => T, fallback: T): T {
    if (!rel.active && rel.id !== this.brokenRelationId) return fallback;
    try {
      return read();
    } catch (e) {
      const fromMemory = this.rememberedIds.get(rel.name)?.includes(rel.id) ?? false;
      if (!(e instanceof RelationNotFoundError) || !fromMemory) throw e;
      const ids = this.confirmRelationIds(rel.name);
      if (ids.includes(rel.id)) throw e;
      rel._markGone();
      this.options.remoteAppMemory?.forget(rel.id);
      return fallback;
    }
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
      return this.relationIdsOf(endpoint, id).includes(id) ? this._relation(endpoint, id) : null;
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
    return new Secret(this, lookup.id ?? null, lookup.label ?? null);
  }

  /** @internal a secret handle without a lookup (for secret events). */
  _secret(id: string, label: string | null): Secret {
    return new Secret(this, id, label);
  }

  /** @internal set a status now unless it equals the last one the framework set. */
  _setStatus(scope: 'unit' | 'app', status: StatusBase): void {
    const name = settable(status);
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
      if (remembered && (remembered.name === 'active' || remembered.name === 'blocked' || remembered.name === 'maintenance' || remembered.name === 'waiting')) {
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
