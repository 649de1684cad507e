/**
 * Running one hook or action the way Juju's uniter does: open a lib/sim hook session, serve it
 * through the agent, run the charm's own `dispatch` as a child process in the charm directory
 * with Juju's environment (tools directory first on PATH, then a minimal system PATH), capture
 * stdout/stderr into the unit log (and, for actions, into the results), and commit the session's
 * buffered writes only when the process exited 0. A per-hook timeout kills the process group.
 */
import { spawn } from 'node:child_process';
import { openSession, type CommitEffects, type HookContextSpec, type JujuModel, type ToolCallRecord } from '../sim';
import type { ToolAgent } from './agent';

/** Juju's default PATH for hooks on a machine (without the tools directory). */
export const DEFAULT_SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface DispatchOptions {
  readonly agent: ToolAgent;
  readonly charmDir: string;
  /** Extra environment for this application's processes (e.g. where its workload lives). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  readonly systemPath: string;
  readonly timeoutMs: number;
  readonly now?: () => Date;
}

export interface DispatchOutcome {
  /** Process exit code; 128+n for a signal; -1 when the process could not start. */
  readonly exitCode: number;
  readonly signal?: string;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly committed: boolean;
  readonly effects: CommitEffects;
  readonly actionId?: string;
  readonly durationMs: number;
  /** The hook's tool calls, secret content redacted (lib/sim's session transcript). */
  readonly transcript: readonly ToolCallRecord[];
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export async function dispatch(model: JujuModel, spec: HookContextSpec, options: DispatchOptions): Promise<DispatchOutcome> {
  const session = openSession(model, {
    ...spec,
    charmDir: options.charmDir,
    cwd: options.charmDir,
    ...(options.now ? { now: options.now } : {}),
  });
  const context = options.agent.register(session);
  const env: Record<string, string> = {
    ...(options.extraEnv ?? {}),
    ...session.env,
    ...context.env,
    PATH: options.systemPath ? `${options.agent.toolsDir}:${options.systemPath}` : options.agent.toolsDir,
    // What a machine unit's hook process has besides Juju's variables.
    HOME: process.env['HOME'] ?? '/root',
    LANG: 'C.UTF-8',
  };
  const started = process.hrtime.bigint();
  let result: { exitCode: number; signal?: string; timedOut: boolean; stdout: string; stderr: string };
  try {
    result = await runProcess(`${options.charmDir}/dispatch`, options.charmDir, env, options.timeoutMs);
  } finally {
    options.agent.unregister(context.contextId);
  }
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;

  const contextName = spec.action ? spec.action.name : spec.hook!;
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Juju pipes stdout into the unit log at DEBUG and stderr at WARNING (runner.go).
  for (const [text, level] of [
    [result.stdout, 'DEBUG'],
    [result.stderr, 'WARNING'],
  ] as const) {
    for (const line of text.split('\n')) {
      if (line !== '') model.logs.push({ unit: spec.unit, level, message: line, context: contextName, time });
    }
  }
  if (result.timedOut) {
    model.logs.push({
      unit: spec.unit,
      level: 'ERROR',
      message: `${contextName} timed out after ${options.timeoutMs} ms; killed`,
      context: contextName,
      time,
    });
  }
  const outcome = { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  const ok = result.exitCode === 0 && !result.timedOut;
  const effects = ok ? session.commit(outcome) : session.discard(outcome);
  return {
    ...result,
    committed: ok,
    effects,
    durationMs,
    transcript: session.transcript,
    ...(session.actionRun ? { actionId: session.actionRun.id } : {}),
  };
}

function runProcess(
  file: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ exitCode: number; signal?: string; timedOut: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, [], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const finish = (exitCode: number, signal?: string, startError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8') + (startError ? `cannot run dispatch: ${startError}\n` : '');
      resolve({ exitCode, ...(signal ? { signal } : {}), timedOut, stdout: Buffer.concat(out).toString('utf8'), stderr });
    };
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.on('error', (e) => finish(-1, undefined, e.message));
    // On exit, end whatever the hook left running (it may hold the pipes open), then collect output.
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      killGroup(child.pid);
    });
    child.on('close', (code, signal) => {
      const how = exited ?? { code, signal };
      if (how.signal) finish(128 + (SIGNAL_NUMBERS[how.signal] ?? 0), how.signal);
      else finish(how.code ?? 1);
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
