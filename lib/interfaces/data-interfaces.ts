/**
 * data_interfaces v0, requirer side (the protocol itself is protocol.ts): the mechanics shared by `kafka_client`, `connect_client` and
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
 *   go by label. Every read takes the LATEST revision (`secret-get --refresh`), as Canonical's
 *   library does (`get_content(refresh=True)`): a provider changes its databag and its secrets in
 *   one hook, but the requirer gets relation-changed before secret-changed, and a read at the
 *   tracked revision would pair the new endpoints with the old TLS settings for a hook.
 *   secret-changed for such a label reports the fields whose values changed since the revision
 *   this unit tracked.
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
import {
  DEFAULT_REQUESTED_SECRETS,
  REQUESTED_SECRETS_KEY,
  SECRET_GROUP_FIELDS,
  SECRET_GROUPS,
  SNAPSHOT_KEY,
  RelationDataError,
  RemoteFields,
  decodeRequestedSecrets,
  encodeRequestedSecrets,
  groupOfSecretField,
  parseSecretLabel,
  secretFieldKey,
  secretGroupOf,
  secretLabel,
  secretXid,
  type RemoteDataChange,
  type SecretGroup,
} from './protocol';

export * from './protocol';

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

export type Bag = Record<string, string>;

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
      this.warn(
        `relation ${relation.name}:${relation.id}: the "${SNAPSHOT_KEY}" snapshot in this unit's databag is not a JSON map; rebuilding it`,
      );
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
   * label reads, and so secret-changed handling by label, see the old secret until its label is
   * released: a known gap).
   */
  private pin(relation: Relation, group: SecretGroup, uri: string, replaced: boolean): Readonly<Bag> | null {
    const label = secretLabel(this.endpoint, relation.id, group);
    try {
      const content = this.model.getSecretContent({ id: uri, label }, { refresh: true });
      this.contentCache.set(label, content);
      return content;
    } catch (e) {
      const why = e instanceof Error ? e.name : 'error';
      if (replaced) {
        try {
          const content = this.model.getSecretContent({ id: uri }, { refresh: true });
          this.warn(
            `relation ${relation.name}:${relation.id}: secret-${group} now names another secret; could not move label ${label} to it (${why})`,
          );
          return content;
        } catch {
          /* reported below */
        }
      }
      this.warn(
        `relation ${relation.name}:${relation.id}: cannot read the secret in secret-${group} yet (${why}); will try again on the next relation-changed`,
      );
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
        content = this.model.getSecretContent({ label }, { refresh: true });
      } catch (e) {
        if (!(e instanceof SecretNotFoundError)) throw e;
        content = this.model.getSecretContent({ id: uri, label }, { refresh: true });
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
