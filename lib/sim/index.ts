/** lib/sim: an in-memory Juju 3.6 — model state plus hook sessions serving the hook tools. */
export * from './model';
export { formatOutput, goJson, goYaml, goStruct, type OutputFormat } from './format';
export { parseArgs, checkEmpty, UsageError, RunError, type FlagSpec, type ParsedArgs } from './flags';
export {
  HookSession,
  redactArgs,
  type HookContextSpec,
  type ToolCallRecord,
  type TriggeredEvent,
  type CommitEffects,
  type ProcessOutcome,
  type SessionStatus,
  type ToolImpl,
  type ToolOutput,
  type ToolTable,
  type PendingSecret,
} from './session';
export { TOOL_NAMES, TOOLS, openSession } from './tools';
export { obsoleteRevisionEvents } from './events';
