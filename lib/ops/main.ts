/**
 * Entry points. `runCharm` runs ONE dispatch in-process and resolves to the exit code; `main`
 * wires it to the real process (env, spawned hook tools, stdout/stderr, process.exitCode).
 *
 * Error policy: an uncaught error in a hook is logged and gives exit 1, so Juju puts the unit in
 * error and retries; nothing coalesced is flushed. In an action it becomes `action-fail` with the
 * redacted message and exit 0 (actions never error the unit).
 */
import type { LogLevel } from './backend';
import { HookToolBackend, sweepStaleSecretDirs } from './backend';
import type { CharmClass } from './charm';
import { JujuContext, parseJujuContext } from './context';
import { Framework, remoteAppMemoryIn, statusMemoryIn } from './framework';
import { Logger, LogSink } from './log';
import { maybeEmbeddedCharmMeta, embeddedValidators } from './embedded';
import { loadCharmMeta, parseCharmMeta, type CharmMeta } from './meta';
import { Model } from './model';
import { Redactor } from './redact';
import { ControllerState } from './state';
import type { ToolRunner } from './tool-runner';
import type { PrecompiledValidators } from './validation';

export interface RunOptions {
  env: Readonly<Record<string, string | undefined>>;
  runner: ToolRunner;
  meta: CharmMeta;
  argv0?: string;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** Precompiled (ajv standalone) validators; compiled lazily from the metadata otherwise. */
  validators?: PrecompiledValidators;
  /** Warn when the same event has been deferred this many times (default 10). */
  deferWarnThreshold?: number;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Where log lines go: stdout for DEBUG/TRACE in hooks, juju-log otherwise (see log.ts). */
function makeSink(ctx: JujuContext, backend: HookToolBackend, stdout: (s: string) => void, stderr: (s: string) => void): LogSink {
  const inAction = ctx.target.kind === 'action';
  return (level: LogLevel, message: string) => {
    const line = backend.redactor.redact(message);
    if (!inAction && (level === 'DEBUG' || level === 'TRACE')) {
      stdout(`${level} ${line}\n`);
      return;
    }
    try {
      backend.jujuLog(level, line);
    } catch (e) {
      stderr(`${level} ${line} (juju-log failed: ${backend.redactor.redact(messageOf(e))})\n`);
    }
  };
}

export async function runCharm(charmClass: CharmClass, opts: RunOptions): Promise<number> {
  const stdout = opts.stdout ?? ((s: string) => void process.stdout.write(s));
  const stderr = opts.stderr ?? ((s: string) => void process.stderr.write(s));

  let context: JujuContext;
  try {
    context = parseJujuContext(opts.env, opts.meta, opts.argv0);
  } catch (e) {
    stderr(`ERROR cannot dispatch: ${messageOf(e)}\n`);
    return 1;
  }

  const redactor = new Redactor();
  const backend = new HookToolBackend(opts.runner, redactor);
  // Secret temp files a killed hook left behind (secret-add/secret-set content) go now.
  sweepStaleSecretDirs();
  const logger = new Logger(makeSink(context, backend, stdout, stderr));
  const state = new ControllerState(backend);
  const kind = context.target.kind;
  const model = new Model(context, backend, opts.meta, {
    configValidator: opts.validators?.config,
    statusMemory: statusMemoryIn(state),
    remoteAppMemory: remoteAppMemoryIn(state),
    // A new leader cannot trust what it remembers about the app status: the old leader may
    // have set it since. (Drift from failed hooks is undone by _restoreStatusAfterFailure.)
    ignoreStatusMemory: kind === 'leader-elected' ? ['app'] : [],
  });
  const framework = new Framework({
    context,
    backend,
    meta: opts.meta,
    model,
    logger,
    state,
    validators: opts.validators,
    deferWarnThreshold: opts.deferWarnThreshold,
  });

  const eventName = context.target.kind === 'action' ? `action ${context.target.name}` : context.target.name;
  try {
    new charmClass(framework);
    await framework._run();
    logger.debug(`${eventName}: done with ${backend.callCount} hook-tool call(s)`);
    return 0;
  } catch (e) {
    const message = redactor.redact(messageOf(e));
    if (kind === 'action') {
      try {
        backend.actionFail(message);
      } catch (failErr) {
        stderr(`ERROR action-fail failed: ${redactor.redact(messageOf(failErr))}\n`);
      }
      logger.error(`action ${context.target.name} failed: ${message}`);
      return 0;
    }
    try {
      model._restoreStatusAfterFailure();
    } catch (restoreErr) {
      stderr(`ERROR cannot restore the status: ${redactor.redact(messageOf(restoreErr))}\n`);
    }
    logger.error(`uncaught error in ${eventName}: ${message}`);
    const stack = e instanceof Error && e.stack ? e.stack : message;
    stderr(`${redactor.redact(stack)}\n`);
    logger.debug(`${eventName}: failed after ${backend.callCount} hook-tool call(s); nothing committed`);
    return 1;
  }
}

/**
 * The process entry point of a charm: `main(MyCharm)`. The metadata and validators default to
 * the ones `tscharm pack` embedded in the bundle; outside a bundle the metadata is read from the
 * charm directory (`JUJU_CHARM_DIR`, else the working directory).
 */
export function main(charmClass: CharmClass, meta?: CharmMeta, extra: Pick<RunOptions, 'validators'> = {}): void {
  // Required here, not at the top, so test harnesses importing runCharm never load child_process.
  const { SpawnToolRunner } = require('./spawn-runner') as typeof import('./spawn-runner');
  const embedded = maybeEmbeddedCharmMeta();
  const validators = extra.validators ?? embeddedValidators();
  void runCharm(charmClass, {
    env: process.env,
    runner: new SpawnToolRunner(),
    meta: meta ?? (embedded ? parseCharmMeta(embedded) : loadCharmMeta(process.env['JUJU_CHARM_DIR'] ?? process.cwd())),
    // Juju < 2.7 runs hooks/<name> (a link to dispatch) without JUJU_DISPATCH_PATH; a dispatch
    // script that forwards "$0" lets us see that name.
    argv0: process.argv.slice(1).find((a) => /(?:^|\/)(?:hooks|actions)\/[^/]+$/.test(a)) ?? process.argv[1],
    ...(validators ? { validators } : {}),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`ERROR ${messageOf(e)}\n`);
      process.exitCode = 1;
    },
  );
}
