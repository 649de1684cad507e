/** Typed builders for the event a harness run dispatches. */
import type { AnyRelationState, SecretState } from './state';

export interface HookEventSpec {
  readonly kind: 'hook';
  readonly name: string;
}

export interface RelationEventSpec {
  readonly kind: 'relation';
  readonly name: string;
  readonly relationId: number;
  readonly remoteUnit?: string;
  readonly departingUnit?: string;
  /** relation-changed caused by the remote app's data (no remote unit). */
  readonly appChange?: boolean;
}

export interface SecretEventSpec {
  readonly kind: 'secret';
  readonly name: 'secret-changed' | 'secret-rotate' | 'secret-expired' | 'secret-remove';
  readonly secretId: string;
  readonly revision?: number;
}

export interface ActionEventSpec {
  readonly kind: 'action';
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export type EventSpec = HookEventSpec | RelationEventSpec | SecretEventSpec | ActionEventSpec;

const hook = (name: string): HookEventSpec => ({ kind: 'hook', name });

function relationEvent(
  relation: AnyRelationState,
  suffix: 'created' | 'joined' | 'changed' | 'departed' | 'broken',
  opts: { remoteUnit?: string; departingUnit?: string; appChange?: boolean } = {},
): RelationEventSpec {
  return {
    kind: 'relation',
    name: `${relation.endpoint}-relation-${suffix}`,
    relationId: relation.id,
    ...(opts.remoteUnit !== undefined ? { remoteUnit: opts.remoteUnit } : {}),
    ...(opts.departingUnit !== undefined ? { departingUnit: opts.departingUnit } : {}),
    ...(opts.appChange ? { appChange: true } : {}),
  };
}

export const events = {
  install: () => hook('install'),
  start: () => hook('start'),
  stop: () => hook('stop'),
  remove: () => hook('remove'),
  configChanged: () => hook('config-changed'),
  updateStatus: () => hook('update-status'),
  upgradeCharm: () => hook('upgrade-charm'),
  leaderElected: () => hook('leader-elected'),
  leaderSettingsChanged: () => hook('leader-settings-changed'),
  /** Any other hook by its Juju name (e.g. "data-storage-attached"). */
  hook,
  relationCreated: (relation: AnyRelationState) => relationEvent(relation, 'created'),
  relationJoined: (relation: AnyRelationState, opts: { remoteUnit: string }) => relationEvent(relation, 'joined', opts),
  /** Give `remoteUnit`, or `appChange: true` for a change of the remote application's bag. */
  relationChanged: (relation: AnyRelationState, opts: { remoteUnit?: string; appChange?: boolean } = {}) =>
    relationEvent(relation, 'changed', opts),
  /** `departingUnit` defaults to `remoteUnit`. */
  relationDeparted: (relation: AnyRelationState, opts: { remoteUnit: string; departingUnit?: string }) =>
    relationEvent(relation, 'departed', { remoteUnit: opts.remoteUnit, departingUnit: opts.departingUnit ?? opts.remoteUnit }),
  relationBroken: (relation: AnyRelationState) => relationEvent(relation, 'broken'),
  secretChanged: (secret: SecretState): SecretEventSpec => ({ kind: 'secret', name: 'secret-changed', secretId: secret.id }),
  secretRotate: (secret: SecretState): SecretEventSpec => ({ kind: 'secret', name: 'secret-rotate', secretId: secret.id }),
  secretExpired: (secret: SecretState, revision: number): SecretEventSpec => ({
    kind: 'secret',
    name: 'secret-expired',
    secretId: secret.id,
    revision,
  }),
  secretRemove: (secret: SecretState, revision: number): SecretEventSpec => ({
    kind: 'secret',
    name: 'secret-remove',
    secretId: secret.id,
    revision,
  }),
  action: (name: string, params: Readonly<Record<string, unknown>> = {}): ActionEventSpec => ({ kind: 'action', name, params }),
};
