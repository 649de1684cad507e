/**
 * data_interfaces v0, the protocol both sides share: databag keys, secret groups and their labels,
 * the `requested-secrets` encoding, the errors and typed views of remote data, and the reading of
 * published values (`endpoints`, `tls`, `tls-ca`). No hook tools: the requirer that uses these is
 * data-interfaces.ts, the provider helpers are providers.ts.
 */
import { OpsError } from '../ops/errors';
import type { Relation } from '../ops/relations';
import { parseHostPortList, parseRestEndpoints, pemCertificateBlocks } from './values';

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

export function groupOfSecretField(key: string): SecretGroup | null {
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
export function secretXid(uri: string): string {
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
  { readonly ready: true; readonly data: T } | { readonly ready: false; readonly relationId: number; readonly missing: readonly string[] };

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
    if (pemCertificateBlocks(v).length > 0) return v.trim();
    throw this.error('tls-ca', 'malformed', 'expected a PEM certificate ("-----BEGIN CERTIFICATE-----"), "enabled" or "disabled"');
  }
}

/**
 * `endpoints` of a kafka_client provider (`a:1,b:2`) as a list, or a `RelationDataError` naming the
 * relation and the field (the value is not quoted when it came from a secret).
 */
export function hostPortEndpoints(raw: string, fields: RemoteFields, field: string): string[] {
  const r = parseHostPortList(raw);
  if (r.ok) return r.endpoints;
  const why = fields.secretFields.has(field) ? 'is not a host:port list' : r.reason;
  throw fields.error(field, 'malformed', `${why} (expected a comma-separated list such as "10.0.0.1:9092,10.0.0.2:9092")`);
}

/** `endpoints` of a connect_client provider (`https://10.0.0.1:8083,…`), as above. */
export function urlEndpoints(raw: string, fields: RemoteFields, field: string): string[] {
  const r = parseRestEndpoints(raw);
  if (r.ok) return r.endpoints;
  const why = fields.secretFields.has(field) ? 'is not a list of http(s) URLs' : r.reason;
  throw fields.error(field, 'malformed', `${why} (expected a comma-separated list such as "http://10.0.0.1:8083,http://10.0.0.2:8083")`);
}
