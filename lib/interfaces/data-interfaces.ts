/**
 * data_interfaces v0, requirer side: the mechanics shared by `kafka_client`, `connect_client` and
 * any other interface built on Canonical's `data_platform_libs.v0.data_interfaces` protocol.
 *
 * - The leader writes `requested-secrets` and the interface's resource fields (e.g. `topic`) into
 *   its app databag on relation-created, and re-asserts them when they are missing or differ
 *   (relation-changed, leader-elected, upgrade-charm).
 * - Every unit diffs the remote app databag against a JSON snapshot kept under `data` in its own
 *   unit databag. The snapshot is rewritten only when the remote data changed, so a steady state
 *   costs no `relation-set`.
 * - A `secret-<group>` field seen for the first time (or with a new URI) is read once by id with
 *   the local label `<endpoint>.<relation id>.<group>.secret`, which pins that label; later reads
 *   go by label. secret-changed for such a label refreshes the tracked revision and reports the
 *   fields whose values changed.
 *
 * Nothing here puts a secret value into a log line, an error message or an event payload (event
 * payloads are stored in controller state when a handler defers).
 */
import type { CharmBase } from '../ops/charm';
import { OpsError, SecretNotFoundError } from '../ops/errors';
import type { HookEvent, RelationChangedEvent, RelationCreatedEvent, SecretEvent } from '../ops/events';
import type { Logger } from '../ops/log';
import type { Model } from '../ops/model';
import type { Relation } from '../ops/relations';

/** What a requirer asks to receive in secrets unless told otherwise (`RequirerData.SECRET_FIELDS`). */
export const DEFAULT_REQUESTED_SECRETS: readonly string[] = ['username', 'password', 'tls', 'tls-ca', 'uris'];
/** Key of the diff snapshot in each requirer unit's own databag; readers ignore it. */
export const SNAPSHOT_KEY = 'data';
export const REQUESTED_SECRETS_KEY = 'requested-secrets';

export type SecretGroup = 'user' | 'tls' | 'extra';
export const SECRET_GROUPS: readonly SecretGroup[] = ['user', 'tls', 'extra'];
/** The fields each fixed group holds; any other requested field goes to `extra`. */
export const SECRET_GROUP_FIELDS: Readonly<Record<'user' | 'tls', readonly string[]>> = {
  user: ['username', 'password', 'uris'],
  tls: ['tls', 'tls-ca'],
};

export function secretGroupOf(field: string): SecretGroup {
  if (SECRET_GROUP_FIELDS.user.includes(field)) return 'user';
  if (SECRET_GROUP_FIELDS.tls.includes(field)) return 'tls';
  return 'extra';
}

/** The databag key under which a provider publishes a group's secret URI: `secret-user`… */
export function secretFieldKey(group: SecretGroup): string {
  return `secret-${group}`;
}

const SECRET_FIELD_RE = /^secret-(user|tls|extra)$/;

function groupOfSecretField(key: string): SecretGroup | null {
  const m = SECRET_FIELD_RE.exec(key);
  return m ? (m[1] as SecretGroup) : null;
}

/** `<endpoint>.<relation id>.<group>.secret`: the label both sides use for a group's secret. */
export function secretLabel(endpoint: string, relationId: number, group: SecretGroup): string {
  return `${endpoint}.${relationId}.${group}.secret`;
}

export function parseSecretLabel(label: string): { endpoint: string; relationId: number; group: SecretGroup } | null {
  const m = /^(.+)\.(\d+)\.(user|tls|extra)\.secret$/.exec(label);
  return m ? { endpoint: m[1], relationId: Number(m[2]), group: m[3] as SecretGroup } : null;
}

/**
 * `requested-secrets` as Python's `json.dumps` writes it (`", "` separators), so a charm that
 * replaces a Python one does not rewrite an equal value.
 */
export function encodeRequestedSecrets(fields: readonly string[]): string {
  return `[${fields.map((f) => JSON.stringify(f)).join(', ')}]`;
}

/** The list a requirer asked for, or null when absent or not a JSON list of strings. */
export function decodeRequestedSecrets(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
  } catch {
    return null;
  }
}

/** The xid at the end of a secret URI (`secret:<xid>` or `secret://<model>/<xid>`). */
function secretXid(uri: string): string {
  return uri.slice(uri.lastIndexOf(uri.includes('/') ? '/' : ':') + 1);
}

// ---------------------------------------------------------------------------------------------
// Errors and views

export type RelationDataProblem = 'missing' | 'malformed' | 'unreadable';

/**
 * Remote relation data is missing or wrong. The message names the relation and the field and
 * says what was expected; it never quotes a value that came from a secret.
 */
export class RelationDataError extends OpsError {
  constructor(
    /** `endpoint:id`, e.g. `source:7`. */
    readonly relation: string,
    readonly remoteApp: string | null,
    readonly field: string,
    readonly problem: RelationDataProblem,
    detail: string,
  ) {
    super(`relation ${relation}${remoteApp ? ` (${remoteApp})` : ''}: field "${field}" ${PROBLEM_TEXT[problem]}: ${detail}`);
    this.name = 'RelationDataError';
  }
}

const PROBLEM_TEXT: Record<RelationDataProblem, string> = {
  missing: 'is missing',
  malformed: 'is malformed',
  unreadable: 'cannot be read',
};

/** A typed view of one relation: the data, or which required fields have not arrived yet. */
export type RequirerView<T> =
  | { readonly ready: true; readonly data: T }
  | { readonly ready: false; readonly relationId: number; readonly missing: readonly string[] };

/** Payload of the interfaces' custom events (JSON, no secret values: it may be deferred). */
export type InterfaceChange = {
  relationId: number;
  /** Field names (as the interface defines them, e.g. `username`, `endpoints`) that changed. */
  fields: string[];
};

/** What changed in one relation's remote data. */
export interface RemoteDataChange {
  readonly relation: Relation;
  readonly cause: 'relation-changed' | 'secret-changed';
  /** Raw databag keys (e.g. `secret-user`, `endpoints`) added, changed or removed. */
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** Logical fields affected, secret groups resolved to their field names; sorted. */
  readonly fields: readonly string[];
}

/**
 * Read helper over the merged (secret-resolved) remote fields of one relation: the building block
 * of the interfaces' typed views.
 */
export class RemoteFields {
  constructor(
    readonly relation: Relation,
    readonly values: Readonly<Record<string, string>>,
    /** Fields whose value came from a secret: never quoted in messages. */
    readonly secretFields: ReadonlySet<string>,
    /** Groups whose `secret-<group>` URI is published but whose content was not read (on request). */
    readonly unreadSecretGroups: ReadonlySet<SecretGroup> = new Set(),
  ) {}

  get where(): string {
    return `${this.relation.name}:${this.relation.id}`;
  }

  error(field: string, problem: RelationDataProblem, detail: string): RelationDataError {
    return new RelationDataError(this.where, this.relation.app, field, problem, detail);
  }

  /** A non-empty value, or undefined. */
  get(field: string): string | undefined {
    const v = this.values[field];
    return v === undefined || v.trim() === '' ? undefined : v;
  }

  /** `value` quoted for a message unless it came from a secret. */
  quote(field: string, value: string): string {
    return this.secretFields.has(field) ? 'the value (from a secret, not shown)' : JSON.stringify(value);
  }

  /** `tls`: "enabled" → true, "disabled" or absent → false. */
  tlsEnabled(): boolean {
    const v = this.get('tls');
    if (v === undefined || v === 'disabled') return false;
    if (v === 'enabled') return true;
    throw this.error('tls', 'malformed', `${this.quote('tls', v)} is neither "enabled" nor "disabled"`);
  }

  /**
   * `tls-ca`: a PEM certificate, or undefined. Kafka 3 writes the same "enabled"/"disabled" as
   * `tls` here (a known upstream bug), which is not a CA.
   */
  tlsCa(): string | undefined {
    const v = this.get('tls-ca');
    if (v === undefined || v === 'enabled' || v === 'disabled') return undefined;
    if (/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(v)) return v.trim();
    throw this.error('tls-ca', 'malformed', 'expected a PEM certificate ("-----BEGIN CERTIFICATE-----"), "enabled" or "disabled"');
  }
}

/** Parse `a:1,b:2` into `["a:1","b:2"]`; every entry must be host:port with a port in 1-65535. */
export function parseHostPortList(raw: string, fields: RemoteFields, field: string): string[] {
  const entries = raw.split(',').map((s) => s.trim());
  const out: string[] = [];
  for (const entry of entries) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) {
      throw fields.error(
        field,
        'malformed',
        `${JSON.stringify(entry)} in ${fields.quote(field, raw)} is not host:port (expected a comma-separated list such as "10.0.0.1:9092,10.0.0.2:9092")`,
      );
    }
    out.push(entry);
  }
  return out;
}

/** Parse a comma-separated list of http(s) URLs (`https://10.0.0.1:8083,…`). */
export function parseUrlList(raw: string, fields: RemoteFields, field: string): string[] {
  const out: string[] = [];
  for (const entry of raw.split(',').map((s) => s.trim())) {
    let url: URL | null = null;
    try {
      url = new URL(entry);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.username !== '' || url.password !== '') {
      throw fields.error(
        field,
        'malformed',
        `${JSON.stringify(entry)} in ${fields.quote(field, raw)} is not an http(s) URL with a host ` +
          '(expected a comma-separated list such as "http://10.0.0.1:8083,http://10.0.0.2:8083")',
      );
    }
    out.push(entry.replace(/\/+$/, ''));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The requirer

export interface DataInterfacesRequirerOptions {
  readonly endpoint: string;
  /** Resource fields the leader writes into its app databag, e.g. `{topic, 'extra-user-roles'}`. */
  readonly requestFields: Readonly<Record<string, string>>;
  /** Fields asked for in secrets; default `DEFAULT_REQUESTED_SECRETS`. */
  readonly requestedSecrets?: readonly string[];
  /** Called (and awaited) when one relation's remote data changed. */
  readonly onChange?: (change: RemoteDataChange) => void | Promise<void>;
}

type Bag = Record<string, string>;

function withoutSnapshot(bag: Readonly<Bag>): Bag {
  const out: Bag = {};
  for (const k of Object.keys(bag).sort()) if (k !== SNAPSHOT_KEY) out[k] = bag[k];
  return out;
}

function parseSnapshot(raw: string | undefined): Bag | null {
  if (raw === undefined) return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    const out: Bag = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = String(val);
    return out;
  } catch {
    return null;
  }
}

function diffBags(before: Readonly<Bag>, after: Readonly<Bag>): { added: string[]; changed: string[]; removed: string[] } {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const k of Object.keys(after)) {
    if (!(k in before)) added.push(k);
    else if (before[k] !== after[k]) changed.push(k);
  }
  for (const k of Object.keys(before)) if (!(k in after)) removed.push(k);
  return { added: added.sort(), changed: changed.sort(), removed: removed.sort() };
}

function diffKeys(before: Readonly<Bag>, after: Readonly<Bag>): string[] {
  const d = diffBags(before, after);
  return [...d.added, ...d.changed, ...d.removed].sort();
}

export class DataInterfacesRequirer {
  readonly endpoint: string;
  private readonly model: Model;
  private readonly logger: Logger;
  private readonly requested: readonly string[];
  private readonly requestFields: Readonly<Record<string, string>>;
  private readonly onChange: DataInterfacesRequirerOptions['onChange'];
  /** Per-dispatch caches (this object lives for one dispatch). */
  private readonly fieldsCache = new Map<number, RemoteFields>();
  private readonly contentCache = new Map<string, Readonly<Bag>>();

  constructor(charm: CharmBase, opts: DataInterfacesRequirerOptions) {
    this.endpoint = opts.endpoint;
    this.model = charm.model;
    this.logger = charm.framework.logger;
    this.requested = opts.requestedSecrets ?? DEFAULT_REQUESTED_SECRETS;
    this.requestFields = { ...opts.requestFields };
    this.onChange = opts.onChange;
    for (const [k, v] of Object.entries(this.requestFields)) {
      if (k === REQUESTED_SECRETS_KEY || k === SNAPSHOT_KEY || k === '' || typeof v !== 'string') {
        throw new OpsError(`data_interfaces requirer on "${opts.endpoint}": request field "${k}" is reserved or not a string`);
      }
    }
    const fw = charm.framework;
    const id = (what: string) => ({ id: `data-interfaces:${this.endpoint}:${what}` });
    fw.observe(charm.on.relationCreated(this.endpoint), this.onRelationCreated, id('relation-created'));
    fw.observe(charm.on.relationChanged(this.endpoint), this.onRelationChanged, id('relation-changed'));
    fw.observe(charm.on.leaderElected, this.onReassert, id('leader-elected'));
    fw.observe(charm.on.upgradeCharm, this.onReassert, id('upgrade-charm'));
    fw.observe(charm.on.secretChanged, this.onSecretChanged, id('secret-changed'));
  }

  /** Live relations on this endpoint. */
  get relations(): Relation[] {
    return this.model.relations(this.endpoint);
  }

  /** A relation by id (or the only one), null if there is none. */
  relation(id?: number): Relation | null {
    return this.model.getRelation(this.endpoint, id);
  }

  // ---- leader: the request ----------------------------------------------------------------

  /** What the leader keeps in its app databag. */
  get request(): Readonly<Bag> {
    return { [REQUESTED_SECRETS_KEY]: encodeRequestedSecrets(this.requested), ...this.requestFields };
  }

  /**
   * Leader only: stage the request fields that are missing or differ (one relation-get of the
   * own app bag; a relation-set at commit only if something differs).
   */
  assertRequest(relation: Relation): void {
    if (!relation.active || !this.model.unit.isLeader()) return;
    const bag = relation.localAppData;
    for (const [k, v] of Object.entries(this.request)) {
      const current = bag.get(k);
      if (k === REQUESTED_SECRETS_KEY && current !== undefined) {
        const parsed = decodeRequestedSecrets(current);
        if (parsed && parsed.length === this.requested.length && parsed.every((f, i) => f === this.requested[i])) continue;
      }
      if (current !== v) bag.set(k, v);
    }
  }

  private readonly onRelationCreated = (event: RelationCreatedEvent): void => {
    this.assertRequest(event.relation);
  };

  private readonly onReassert = (_event: HookEvent): void => {
    if (!this.model.unit.isLeader()) return;
    for (const rel of this.relations) this.assertRequest(rel);
  };

  private readonly onRelationChanged = async (event: RelationChangedEvent): Promise<void> => {
    this.assertRequest(event.relation);
    await this.processRemote(event.relation);
  };

  // ---- every unit: the diff -------------------------------------------------------------

  /**
   * Diff the remote app databag against this unit's snapshot; pin labels of new secrets; rewrite
   * the snapshot and report the change only if something differs. Returns the change, or null.
   */
  async processRemote(relation: Relation): Promise<RemoteDataChange | null> {
    const remote = withoutSnapshot(relation.remoteAppData.toObject());
    const own = relation.localUnitData;
    const rawSnapshot = own.get(SNAPSHOT_KEY);
    let before = parseSnapshot(rawSnapshot);
    if (before === null) {
      this.warn(`relation ${relation.name}:${relation.id}: the "${SNAPSHOT_KEY}" snapshot in this unit's databag is not a JSON map; rebuilding it`);
      before = {};
    }
    const { added, changed, removed } = diffBags(before, remote);
    if (added.length + changed.length + removed.length === 0) return null;

    const fields = new Set<string>();
    // What the snapshot will record: a secret that could not be read keeps its old entry (or
    // none), so the next relation-changed tries again and reports it then.
    const recorded: Bag = { ...remote };
    const unread = new Set<string>();
    for (const key of [...added, ...changed]) {
      const group = groupOfSecretField(key);
      if (group === null) {
        fields.add(key);
        continue;
      }
      const content = this.pin(relation, group, remote[key], changed.includes(key));
      if (content) {
        for (const f of Object.keys(content)) fields.add(f);
      } else {
        unread.add(key);
        if (key in before) recorded[key] = before[key];
        else delete recorded[key];
      }
    }
    for (const key of removed) {
      const group = groupOfSecretField(key);
      if (group === null) fields.add(key);
      else for (const f of this.defaultGroupFields(group)) fields.add(f);
    }
    own.set(SNAPSHOT_KEY, JSON.stringify(recorded));
    this.fieldsCache.delete(relation.id);
    const keep = (keys: string[]) => keys.filter((k) => !unread.has(k));
    if (fields.size === 0 && unread.size > 0) return null;
    const change: RemoteDataChange = {
      relation,
      cause: 'relation-changed',
      added: keep(added),
      changed: keep(changed),
      removed,
      fields: [...fields].sort(),
    };
    if (this.onChange) await this.onChange(change);
    return change;
  }

  private defaultGroupFields(group: SecretGroup): readonly string[] {
    return group === 'extra' ? this.requested.filter((f) => secretGroupOf(f) === 'extra') : SECRET_GROUP_FIELDS[group];
  }

  /**
   * Read a group's secret by id, setting this unit's label on it (label pinning). A URI that
   * replaced another one may find the label taken by the old secret: read it by id then (later
   * label reads will see the old secret until the label is released; see the report's gaps).
   */
  private pin(relation: Relation, group: SecretGroup, uri: string, replaced: boolean): Readonly<Bag> | null {
    const label = secretLabel(this.endpoint, relation.id, group);
    try {
      const content = this.model.getSecret({ id: uri, label }).getContent();
      this.contentCache.set(label, content);
      return content;
    } catch (e) {
      const why = e instanceof Error ? e.name : 'error';
      if (replaced) {
        try {
          const content = this.model.getSecret({ id: uri }).getContent();
          this.warn(`relation ${relation.name}:${relation.id}: secret-${group} now names another secret; could not move label ${label} to it (${why})`);
          return content;
        } catch {
          /* reported below */
        }
      }
      this.warn(`relation ${relation.name}:${relation.id}: cannot read the secret in secret-${group} yet (${why}); will try again on the next relation-changed`);
      return null;
    }
  }

  private readonly onSecretChanged = async (event: SecretEvent): Promise<void> => {
    const found = this.findSecretOwner(event);
    if (!found) return;
    const { relation, group, label } = found;
    let before: Readonly<Bag>;
    let after: Readonly<Bag>;
    try {
      const secret = this.model.getSecret({ label });
      before = secret.getContent();
      after = secret.getContent({ refresh: true });
    } catch (e) {
      this.warn(`relation ${relation.name}:${relation.id}: cannot refresh secret ${label} (${e instanceof Error ? e.name : 'error'})`);
      return;
    }
    this.contentCache.set(label, after);
    this.fieldsCache.delete(relation.id);
    const fields = diffKeys(before, after);
    if (fields.length === 0 || !this.onChange) return;
    await this.onChange({ relation, cause: 'secret-changed', added: [], changed: [secretFieldKey(group)], removed: [], fields });
  };

  /** The relation and group a secret-changed event is about, if it is one of ours. */
  private findSecretOwner(event: SecretEvent): { relation: Relation; group: SecretGroup; label: string } | null {
    const label = event.secretLabel;
    if (label) {
      const parsed = parseSecretLabel(label);
      if (!parsed || parsed.endpoint !== this.endpoint) return null;
      const relation = this.relation(parsed.relationId);
      return relation ? { relation, group: parsed.group, label } : null;
    }
    // No label in the event (never pinned): look for the URI in the remote databags.
    const xid = secretXid(event.secretId);
    for (const relation of this.relations) {
      const remote = relation.remoteAppData.toObject();
      for (const group of SECRET_GROUPS) {
        const uri = remote[secretFieldKey(group)];
        if (uri && secretXid(uri) === xid) return { relation, group, label: secretLabel(this.endpoint, relation.id, group) };
      }
    }
    return null;
  }

  // ---- reads ----------------------------------------------------------------------------

  /**
   * The remote app's fields with secrets resolved (secret content wins over a plain field of
   * the same name); `data` and `secret-*` keys left out. Cached for the dispatch.
   */
  remoteFields(relation: Relation, opts: { readonly skipSecretGroups?: readonly SecretGroup[] } = {}): RemoteFields {
    const skip = new Set(opts.skipSecretGroups ?? []);
    if (skip.size > 0) return this.remoteFieldsSkipping(relation, skip);
    const cached = this.fieldsCache.get(relation.id);
    if (cached) return cached;
    const remote = relation.remoteAppData.toObject();
    const values: Bag = {};
    const fromSecret = new Set<string>();
    for (const [k, v] of Object.entries(remote)) {
      if (k !== SNAPSHOT_KEY && groupOfSecretField(k) === null) values[k] = v;
    }
    for (const group of SECRET_GROUPS) {
      const uri = remote[secretFieldKey(group)];
      if (!uri) continue;
      const content = this.secretContent(relation, group, uri);
      for (const [k, v] of Object.entries(content)) {
        values[k] = v;
        fromSecret.add(k);
      }
    }
    const fields = new RemoteFields(relation, values, fromSecret);
    this.fieldsCache.set(relation.id, fields);
    return fields;
  }

  /**
   * The remote fields without reading the secrets of the `skip` groups (no secret-get for them):
   * their fields are absent and the groups are listed in `unreadSecretGroups`. For callers that
   * need the secret content only to write something, and read it then (not cached as complete).
   */
  private remoteFieldsSkipping(relation: Relation, skip: ReadonlySet<SecretGroup>): RemoteFields {
    const full = this.fieldsCache.get(relation.id);
    if (full) return full;
    const remote = relation.remoteAppData.toObject();
    const values: Bag = {};
    const fromSecret = new Set<string>();
    const unread = new Set<SecretGroup>();
    for (const [k, v] of Object.entries(remote)) {
      if (k !== SNAPSHOT_KEY && groupOfSecretField(k) === null) values[k] = v;
    }
    for (const group of SECRET_GROUPS) {
      const uri = remote[secretFieldKey(group)];
      if (!uri) continue;
      if (skip.has(group)) {
        unread.add(group);
        continue;
      }
      for (const [k, v] of Object.entries(this.secretContent(relation, group, uri))) {
        values[k] = v;
        fromSecret.add(k);
      }
    }
    return new RemoteFields(relation, values, fromSecret, unread);
  }

  /** A group's content: by the pinned label, or by id (pinning the label) when not pinned yet. */
  private secretContent(relation: Relation, group: SecretGroup, uri: string): Readonly<Bag> {
    const label = secretLabel(this.endpoint, relation.id, group);
    const cached = this.contentCache.get(label);
    if (cached) return cached;
    let content: Readonly<Bag>;
    try {
      try {
        content = this.model.getSecret({ label }).getContent();
      } catch (e) {
        if (!(e instanceof SecretNotFoundError)) throw e;
        content = this.model.getSecret({ id: uri, label }).getContent();
      }
    } catch (e) {
      throw new RelationDataError(
        `${relation.name}:${relation.id}`,
        relation.app,
        secretFieldKey(group),
        'unreadable',
        `the secret it names could not be read (${e instanceof Error ? e.name : 'error'}); has the provider granted it to this relation?`,
      );
    }
    this.contentCache.set(label, content);
    return content;
  }

  /** Resolve `Relation | id` for this endpoint, or fail clearly. */
  resolve(relation: Relation | number): Relation {
    if (typeof relation !== 'number') return relation;
    const rel = this.relation(relation);
    if (!rel) throw new OpsError(`there is no relation ${this.endpoint}:${relation}`);
    return rel;
  }

  private warn(message: string): void {
    this.logger.warning(message);
  }
}
