/**
 * Relations and their databags: lazy string maps whose writes are checked against ops' access
 * rules *before* Juju is asked, staged in the bag, and flushed by `Model.commitRelationData()` as
 * one `relation-set` per bag with only the changed keys.
 */
import type { HookToolBackend, RelationRef } from './backend';
import { RelationDataAccessError, RelationDataTypeError } from './errors';
import type { EndpointInfo } from './meta';

/**
 * What a relation needs from the model it belongs to (the `Model` implements it): who the local
 * unit and app are, the backend, and the model's policy for reads on a relation that may be gone.
 */
export interface RelationHost {
  readonly unit: { readonly name: string; isLeader(): boolean };
  readonly app: { readonly name: string };
  /** @internal */ readonly _backend: HookToolBackend;
  /** @internal */ _readRelation<T>(rel: Relation, read: () => T, fallback: T): T;
  /** @internal */ _remoteAppOf(ref: RelationRef): string | null;
}

export type BagKind = 'local-unit' | 'local-app' | 'remote-unit' | 'remote-app';

/** One databag of one relation: a lazy string map with staged writes. */
export class RelationDataBag {
  private base: Readonly<Record<string, string>> | null = null;
  private readonly writes = new Map<string, string>();

  /** @internal */
  constructor(
    private readonly relation: Relation,
    readonly owner: string,
    readonly kind: BagKind,
    private readonly model: RelationHost,
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
      this.base = this.model._readRelation(
        this.relation,
        () => this.model._backend.relationGet(this.relation.ref, this.owner, this.isApp),
        {},
      );
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

  /** @internal */
  constructor(
    readonly name: string,
    readonly id: number,
    readonly endpoint: EndpointInfo,
    private readonly live: boolean,
    private readonly model: RelationHost,
    knownRemoteApp?: string,
  ) {
    this.remoteAppName = knownRemoteApp;
  }

  /** False during this relation's own relation-broken: writes are refused. */
  get active(): boolean {
    return this.live;
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
      this.remoteAppName = this.isPeer
        ? this.model.app.name
        : this.model._readRelation(this, () => this.model._remoteAppOf(this.ref), null);
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
