/**
 * data_interfaces v0, provider side, kept small: what a provider charm (Charmed Kafka, Charmed
 * Kafka Connect, or the local model's stand-ins) does to answer a requirer.
 *
 * Fields the requirer listed in `requested-secrets` go into one application-owned Juju secret
 * per group (label `<provider endpoint>.<relation id>.<group>.secret`, granted to the relation),
 * whose URI is published as `secret-<group>`; every other field goes into the app databag as is.
 * Leader only. Writes happen only for values that differ.
 */
import { SecretNotFoundError } from '../ops/errors';
import type { Model } from '../ops/model';
import type { Relation } from '../ops/relations';
import type { Secret } from '../ops/secrets';
import {
  decodeRequestedSecrets,
  REQUESTED_SECRETS_KEY,
  SecretGroup,
  secretFieldKey,
  secretGroupOf,
  secretLabel,
  SNAPSHOT_KEY,
} from './data-interfaces';

export interface RequirerRequest {
  /** The requirer's `requested-secrets`, or null if it did not send a valid one. */
  readonly requestedSecrets: readonly string[] | null;
  /** Its other app-databag fields (`topic`, `extra-user-roles`, `plugin-url`…), `data` left out. */
  readonly fields: Readonly<Record<string, string>>;
}

/** What the requirer asked for (reads the remote app databag). */
export function readRequest(relation: Relation): RequirerRequest {
  const bag = relation.remoteAppData.toObject();
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(bag)) if (k !== SNAPSHOT_KEY && k !== REQUESTED_SECRETS_KEY) fields[k] = v;
  return { requestedSecrets: decodeRequestedSecrets(bag[REQUESTED_SECRETS_KEY]), fields };
}

/**
 * Publish `fields` to the requirer of `relation`: requested ones in secrets, the rest in the app
 * databag. An empty value removes a plain field. Leader only.
 */
export function publishFields(model: Model, relation: Relation, fields: Readonly<Record<string, string>>): void {
  const requested = new Set(readRequest(relation).requestedSecrets ?? []);
  const groups = new Map<SecretGroup, Record<string, string>>();
  const bag = relation.localAppData;
  for (const [k, v] of Object.entries(fields)) {
    if (requested.has(k) && v !== '') {
      const group = secretGroupOf(k);
      groups.set(group, { ...(groups.get(group) ?? {}), [k]: v });
    } else if (bag.get(k) !== (v === '' ? undefined : v)) {
      bag.set(k, v);
    }
  }
  for (const [group, content] of groups) upsertGroupSecret(model, relation, group, content);
}

/**
 * Create the group's secret (owner: application, labelled, granted to the relation) or merge
 * `content` into it (a new revision only when a value differs, which fires secret-changed on the
 * consumers); make sure `secret-<group>` names it.
 */
export function upsertGroupSecret(model: Model, relation: Relation, group: SecretGroup, content: Readonly<Record<string, string>>): Secret {
  const label = secretLabel(relation.name, relation.id, group);
  const bag = relation.localAppData;
  const key = secretFieldKey(group);
  let secret: Secret;
  try {
    secret = model.getSecret({ label });
  } catch (e) {
    if (!(e instanceof SecretNotFoundError)) throw e;
    secret = model.app.addSecret(content, { label, description: `${relation.name}:${relation.id} ${group}` });
    secret.grant(relation);
    bag.set(key, secret.id as string);
    return secret;
  }
  const current = secret.getContent();
  const merged = { ...current, ...content };
  if (Object.keys(merged).some((k) => merged[k] !== current[k])) secret.setContent(merged);
  if (bag.get(key) === undefined) bag.set(key, secret.getInfo().id);
  return secret;
}

export interface KafkaClientPublication {
  readonly endpoints: readonly string[];
  readonly username: string;
  readonly password: string;
  readonly tls: boolean;
  /**
   * The CA PEM (Kafka 4 behaviour). Omitted: `tls-ca` repeats "enabled"/"disabled", as Kafka 3
   * does (its "TODO: fix tls-ca").
   */
  readonly tlsCa?: string;
  readonly topic: string;
  readonly consumerGroupPrefix?: string;
}

/** What Charmed Kafka writes for a `kafka_client` requirer (docs/real-providers.md). */
export function publishKafkaClient(model: Model, relation: Relation, p: KafkaClientPublication): void {
  const tls = p.tls ? 'enabled' : 'disabled';
  publishFields(model, relation, {
    endpoints: [...p.endpoints].sort().join(','),
    topic: p.topic,
    username: p.username,
    password: p.password,
    tls,
    'tls-ca': p.tlsCa ?? tls,
    ...(p.consumerGroupPrefix ? { 'consumer-group-prefix': p.consumerGroupPrefix } : {}),
  });
}

export interface ConnectClientPublication {
  /** `http(s)://host:port` of every Connect worker. */
  readonly endpoints: readonly string[];
  readonly username: string;
  readonly password: string;
  /** Connect writes tls/tls-ca only once its endpoints changed; omit to leave them out. */
  readonly tls?: { readonly enabled: boolean; readonly ca?: string };
}

/** What Charmed Kafka Connect writes for a `connect_client` requirer (docs/real-providers.md). */
export function publishConnectClient(model: Model, relation: Relation, p: ConnectClientPublication): void {
  publishFields(model, relation, {
    endpoints: p.endpoints.join(','),
    username: p.username,
    password: p.password,
    ...(p.tls ? { tls: p.tls.enabled ? 'enabled' : 'disabled', 'tls-ca': p.tls.ca ?? 'disabled' } : {}),
  });
}
