/**
 * The immutable State a harness run takes in and gives back, and builders with sensible defaults.
 *
 * State describes what one unit can observe of Juju: its config, leadership, relations with the
 * remote side's data, secrets, controller-held charm state (where the framework keeps its
 * deferred queue), ports and statuses. Everything is plain, deeply frozen data.
 */
import type { ConfigValue } from '../sim';

export type Bag = Readonly<Record<string, string>>;

export interface StatusState {
  readonly name: 'active' | 'blocked' | 'maintenance' | 'waiting' | 'unknown' | 'error';
  readonly message: string;
}

export interface RelationState {
  readonly kind: 'regular';
  readonly id: number;
  readonly endpoint: string;
  readonly remoteApp: string;
  /** The remote application's endpoint name (defaults to the local one). */
  readonly remoteEndpoint: string;
  readonly remoteAppData: Bag;
  /** Remote units in scope, by unit name ("kafka/0"), with their bags. */
  readonly remoteUnitsData: Readonly<Record<string, Bag>>;
  readonly localAppData: Bag;
  readonly localUnitData: Bag;
}

export interface PeerRelationState {
  readonly kind: 'peer';
  readonly id: number;
  readonly endpoint: string;
  readonly localAppData: Bag;
  readonly localUnitData: Bag;
  /** The other units of this application in scope, by unit name, with their bags. */
  readonly peersData: Readonly<Record<string, Bag>>;
}

export type AnyRelationState = RelationState | PeerRelationState;

export interface SecretGrantState {
  readonly relationId: number;
  /** A unit of the remote application; omitted for a grant to the whole application. */
  readonly unit?: string;
}

export interface SecretState {
  /** `secret:<20-char xid>`. */
  readonly id: string;
  /** `app`/`unit` when this charm owns it; null when it is a consumer of another app's secret. */
  readonly owner: 'app' | 'unit' | null;
  /** The owning application when `owner` is null. */
  readonly ownerApp: string;
  /** The owner's label when owned, this unit's consumer label otherwise. */
  readonly label?: string;
  readonly description?: string;
  readonly expire?: string;
  readonly rotate?: 'never' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly';
  /** Content of the revision this unit tracks (consumers) — for owners the same as latest. */
  readonly trackedContent: Bag;
  readonly trackedRevision: number;
  readonly latestContent: Bag;
  readonly latestRevision: number;
  /** Grants made by this (owning) charm. */
  readonly grants: readonly SecretGrantState[];
}

export interface PortState {
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  /** Single port or range start; omitted for icmp. */
  readonly port?: number;
  readonly toPort?: number;
}

export interface State {
  readonly config: Readonly<Record<string, ConfigValue>>;
  readonly leader: boolean;
  /** The unit's number: the unit is `<appName>/<unitId>`. */
  readonly unitId: number;
  /** Defaults to the charm's name from metadata.yaml. */
  readonly appName?: string;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly relations: readonly AnyRelationState[];
  readonly secrets: readonly SecretState[];
  /** Controller-held charm state (state-get/state-set): the framework keeps its deferred queue here. */
  readonly storedState: Bag;
  readonly openedPorts: readonly PortState[];
  readonly unitStatus: StatusState;
  readonly appStatus: StatusState;
  readonly workloadVersion: string;
  readonly address: string;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

const UNKNOWN: StatusState = { name: 'unknown', message: '' };

/** A State with defaults: unit 0, not leader, no relations, empty config (charm defaults apply). */
export function state(partial: Partial<State> = {}): State {
  return deepFreeze({
    config: {},
    leader: false,
    unitId: 0,
    modelName: 'test-model',
    modelUuid: '00000000-0000-4000-8000-000000000000',
    relations: [],
    secrets: [],
    storedState: {},
    openedPorts: [],
    unitStatus: UNKNOWN,
    appStatus: UNKNOWN,
    workloadVersion: '',
    address: '127.0.0.1',
    ...partial,
  });
}

let nextRelationId = 1;
let nextSecretSeq = 1;

/** The pre-filled bag Juju gives every unit in a relation. */
export function defaultUnitBag(address = '127.0.0.1'): Bag {
  return { 'egress-subnets': `${address}/32`, 'ingress-address': address, 'private-address': address };
}

export function relation(opts: {
  endpoint: string;
  remoteApp?: string;
  remoteEndpoint?: string;
  id?: number;
  remoteAppData?: Bag;
  remoteUnitsData?: Readonly<Record<string, Bag>>;
  localAppData?: Bag;
  localUnitData?: Bag;
}): RelationState {
  const remoteApp = opts.remoteApp ?? 'remote';
  return deepFreeze({
    kind: 'regular',
    id: opts.id ?? nextRelationId++,
    endpoint: opts.endpoint,
    remoteApp,
    remoteEndpoint: opts.remoteEndpoint ?? opts.endpoint,
    remoteAppData: opts.remoteAppData ?? {},
    remoteUnitsData: opts.remoteUnitsData ?? { [`${remoteApp}/0`]: defaultUnitBag('10.0.0.100') },
    localAppData: opts.localAppData ?? {},
    localUnitData: opts.localUnitData ?? defaultUnitBag(),
  });
}

export function peerRelation(opts: {
  endpoint: string;
  id?: number;
  peersData?: Readonly<Record<string, Bag>>;
  localAppData?: Bag;
  localUnitData?: Bag;
}): PeerRelationState {
  return deepFreeze({
    kind: 'peer',
    id: opts.id ?? nextRelationId++,
    endpoint: opts.endpoint,
    peersData: opts.peersData ?? {},
    localAppData: opts.localAppData ?? {},
    localUnitData: opts.localUnitData ?? defaultUnitBag(),
  });
}

/** A fresh, valid secret id (`secret:` + 20 base32hex characters). */
export function newSecretId(): string {
  return `secret:${(nextSecretSeq++).toString(32).padStart(20, '0')}`;
}

export function secret(opts: {
  content?: Bag;
  trackedContent?: Bag;
  latestContent?: Bag;
  owner?: 'app' | 'unit' | null;
  ownerApp?: string;
  id?: string;
  label?: string;
  description?: string;
  expire?: string;
  rotate?: SecretState['rotate'];
  trackedRevision?: number;
  latestRevision?: number;
  grants?: readonly SecretGrantState[];
}): SecretState {
  const tracked = opts.trackedContent ?? opts.content ?? opts.latestContent;
  if (!tracked) throw new Error('secret(): give content (or trackedContent/latestContent)');
  const latest = opts.latestContent ?? tracked;
  const trackedRevision = opts.trackedRevision ?? 1;
  const latestRevision = opts.latestRevision ?? (latest === tracked ? trackedRevision : trackedRevision + 1);
  const built: SecretState = {
    id: opts.id ?? newSecretId(),
    owner: opts.owner ?? null,
    ownerApp: opts.ownerApp ?? 'remote',
    trackedContent: tracked,
    trackedRevision,
    latestContent: latest,
    latestRevision,
    grants: opts.grants ?? [],
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.expire !== undefined ? { expire: opts.expire } : {}),
    ...(opts.rotate !== undefined ? { rotate: opts.rotate } : {}),
  };
  return deepFreeze(built);
}

/** A copy of `base` with `changes` applied (State is immutable). */
export function withChanges(base: State, changes: Partial<State>): State {
  return deepFreeze({ ...base, ...changes });
}
