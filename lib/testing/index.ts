/** lib/testing: the Scenario-style harness — immutable State in, `ctx.run(event, state)`, State out. */
export { Context, InconsistentStateError, checkConsistency, buildModel } from './context';
export type { ContextOptions, RunRecords, RunResult, LogLine } from './context';
export { events } from './events';
export type { EventSpec, HookEventSpec, RelationEventSpec, SecretEventSpec, ActionEventSpec } from './events';
export { state, relation, peerRelation, secret, newSecretId, defaultUnitBag, withChanges, deepFreeze } from './state';
export type {
  State,
  Bag,
  StatusState,
  RelationState,
  PeerRelationState,
  AnyRelationState,
  SecretState,
  SecretGrantState,
  PortState,
} from './state';
