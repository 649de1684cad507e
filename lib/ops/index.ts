/**
 * Public API of the TypeScript charm framework (the role Python `ops` plays).
 * Work in progress: runCharm/main/CharmBase land next; names here are stable.
 */
export type { ToolRunner, ToolResult } from './tool-runner';
export * from './errors';
export {
  loadCharmMeta,
  parseCharmMeta,
  endpointsOf,
} from './meta';
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
export type { JujuContext, EventKind, DispatchTarget, Env } from './context';
export { HookToolBackend, classifyToolFailure } from './backend';
