/**
 * The one boundary between a charm process and Juju: running a hook tool.
 *
 * The real backend spawns the tool binaries Juju puts on PATH; the test harness and the local
 * model answer the same argv/stdin with an in-memory Juju (lib/sim). Keeping the boundary at
 * "argv + stdin in, exit code + stdout + stderr out" means the charm's argv building and JSON
 * parsing run identically under test and in production.
 */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ToolRunner {
  /** Run hook tool `tool` (e.g. "relation-get") with `args`; `stdin` is sent only when given. */
  run(tool: string, args: readonly string[], stdin?: string): ToolResult;
}
