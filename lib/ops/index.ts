/**
 * Public API of the TypeScript charm framework (the role Python `ops` plays).
 *
 * Keep this module free of side effects: importing it must not do work (hooks are one short
 * process each). ajv, yaml and child_process are required lazily where used.
 */
export type { ToolRunner, ToolResult } from './tool-runner';
export * from './errors';

export { runCharm, main } from './main';
export { embeddedCharmMeta, embeddedValidators, maybeEmbeddedCharmMeta } from './embedded';
export type { EmbeddedMetaDocs } from './embedded';
export type { RunOptions } from './main';
export { CharmBase, CharmEvents } from './charm';
export { FrameworkObject } from './object';
export type { CharmClass } from './charm';
export { Framework, STATE_KEYS, UnitState } from './framework';
export type { Handler, ObserveOptions, DeferredNotice } from './framework';

export {
  EventBase,
  EventSource,
  HookEvent,
  RelationEvent,
  RelationCreatedEvent,
  RelationJoinedEvent,
  RelationChangedEvent,
  RelationDepartedEvent,
  RelationBrokenEvent,
  SecretEvent,
  StorageEvent,
  WorkloadEvent,
  CustomEvent,
  CollectStatusEvent,
} from './events';
export type { JsonValue, EventSnapshot, SourceKind } from './events';
export { ActionEvent, flattenActionResults } from './actions';
export type { ActionResults, ActionResultValue } from './actions';

export { Model } from './model';
export type { ConfigData, ConfigValue } from './model';
export { Relation, RelationDataBag } from './relations';
export type { RelationHost, BagKind } from './relations';
export { Secret } from './secrets';
export type { AddSecretOptions } from './secrets';
export { Application, Unit } from './units';
export type { Port, PortProtocol, UnitHost } from './units';
export {
  StatusBase,
  ActiveStatus,
  BlockedStatus,
  MaintenanceStatus,
  WaitingStatus,
  ErrorStatus,
  UnknownStatus,
  highestPriorityStatus,
  capStatusMessage,
  MAX_STATUS_MESSAGE_CHARS,
} from './status';
export type { StatusName } from './status';
export { Logger } from './log';
export type { LogLevel, LogSink } from './log';

export { loadCharmMeta, parseCharmMeta, endpointsOf } from './meta';
export type {
  CharmMeta,
  MetadataYaml,
  ConfigYaml,
  ConfigOption,
  ConfigOptionType,
  ActionsYaml,
  ActionSpec,
  RelationSpec,
  StorageSpec,
  ContainerSpec,
  JsonSchema,
  EndpointInfo,
  EndpointRole,
} from './meta';
export { parseJujuContext, resolveDispatchPath } from './context';
export type {
  JujuContext,
  EventKind,
  DispatchTarget,
  Env,
  RelationContext,
  SecretContext,
  StorageContext,
  WorkloadContext,
  ActionContext,
  SimpleHookKind,
  SecretHookKind,
  RelationHookKind,
  StorageHookKind,
  WorkloadHookKind,
} from './context';
export { HookToolBackend, classifyToolFailure } from './backend';
export type {
  SecretInfo,
  SecretLookup,
  SecretAddOptions,
  SecretMetaOptions,
  RotatePolicy,
  RelationRef,
  SettableStatus,
  SecretOwner,
  StatusInfo,
} from './backend';
export { Redactor, REDACTED } from './redact';
export { configSchema, actionParamsSchema, compileSchema } from './validation';
export type { CompiledValidator, PrecompiledValidators, ValidationErrorObject } from './validation';
