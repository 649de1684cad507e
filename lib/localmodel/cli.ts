/**
 * The `localmodel` CLI: Juju-like commands on a model persisted in `--model-dir`.
 * Built into one file by build-cli.js: `node lib/localmodel/build-cli.js && node build/localmodel.js status`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml, stringify } from 'yaml';
import { addApplication, addUnit, charmMetaFromYaml, createModel, openSession } from '../sim';
import { ToolAgent } from './agent';
import { CharmRefusal, LivelockError, LocalModel, Refusal, type LocalModelOptions } from './driver';
import type { ShimKind } from './shim';
import { formatHookTranscripts, formatLogs, formatStatus, showUnit, statusDocument } from './status';

interface GlobalOptions {
  modelDir: string;
  seed?: number;
  systemPath?: string;
  hookTimeout: number;
  shim: 'auto' | ShimKind;
  modelType?: 'machine' | 'kubernetes';
}

function out(text: string): void {
  process.stdout.write(text);
}

function keyValues(pairs: readonly string[], parseValues: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Refusal(`expected "key=value", got "${pair}"`);
    const value = pair.slice(eq + 1);
    // `juju run` reads param values as YAML (5 → integer); `juju config` passes strings to be parsed per option type.
    out[pair.slice(0, eq)] = parseValues ? parseYaml(value) : value;
  }
  return out;
}

/** A path as the caller meant it: `npm run localmodel` runs in the package root, INIT_CWD is where it was typed. */
export function callerPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env['INIT_CWD'] ?? process.cwd(), p);
}

/** `app/leader` (as Juju accepts wherever a unit goes) → the leader unit's name. */
export function unitArg(lm: LocalModel, text: string): string {
  const m = /^([a-z][a-z0-9-]*)\/leader$/.exec(text);
  if (!m) return text;
  const app = m[1]!;
  if (!lm.model.applications[app]) throw new Refusal(`application "${app}" not found`);
  const leader = Object.values(lm.model.units).find((u) => u.app === app && u.leader);
  if (!leader) throw new Refusal(`application "${app}" has no leader`);
  return leader.name;
}

/** Config values for display: a `secret`-type or password-like option is never echoed. */
function redactedConfig(lm: LocalModel, app: string, values: Record<string, unknown>): Record<string, unknown> {
  const options = lm.model.applications[app]?.charm.config ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values))
    out[k] = v !== null && v !== '' && (/pass|secret|token|credential/i.test(k) || options[k]?.type === 'secret') ? '<redacted>' : v;
  return out;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

async function withModel<T>(program: Command, fn: (lm: LocalModel) => Promise<T>): Promise<T> {
  const g = program.opts<GlobalOptions>();
  const options: LocalModelOptions = {
    modelDir: callerPath(g.modelDir),
    ...(g.seed !== undefined ? { seed: g.seed } : {}),
    hookTimeoutMs: g.hookTimeout,
    shim: g.shim,
    ...(g.systemPath !== undefined ? { systemPath: g.systemPath } : {}),
    ...(g.modelType !== undefined ? { modelType: g.modelType } : {}),
  };
  const lm = await LocalModel.open(options);
  try {
    return await fn(lm);
  } finally {
    await lm.close();
  }
}

/** Per-tool-call cost of the shims against a bare process spawn, measured in one run. */
async function shimBench(calls: number): Promise<Record<string, unknown>> {
  const model = createModel({ name: 'bench' });
  addApplication(model, 'b', charmMetaFromYaml({ name: 'b' }, { options: { greeting: { type: 'string', default: 'hi' } } }));
  addUnit(model, 'b', { leader: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-bench-'));
  const script = path.join(tmp, 'loop.sh');
  // One shell process runs all calls, so the number measures the tool call, not the shell start.
  fs.writeFileSync(script, `#!/bin/sh\ni=0\nwhile [ $i -lt ${calls} ]; do "$@" >/dev/null || exit 1; i=$((i+1)); done\n`, { mode: 0o755 });
  const time = (args: string[], env: Record<string, string>): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const child = spawn('/bin/sh', [script, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6 / calls) : reject(new Error(err))));
    });
  const result: Record<string, unknown> = { calls };
  try {
    result['baseline_bin_true_ms'] = await time(['/bin/true'], { PATH: '/usr/bin:/bin' });
    for (const kind of ['c', 'bash'] as const) {
      const agent = await ToolAgent.start({ shim: kind });
      try {
        const session = openSession(model, { unit: 'b/0', hook: 'config-changed' });
        const ctx = agent.register(session);
        const env = { ...session.env, ...ctx.env, PATH: `${agent.toolsDir}:/usr/bin:/bin` };
        result[`${kind}_shim_config_get_ms`] = await time([`${agent.toolsDir}/config-get`, 'greeting'], env);
      } finally {
        await agent.close();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const key of Object.keys(result)) {
    const v = result[key];
    if (v === undefined) delete result[key];
    else if (typeof v === 'number' && key !== 'calls') result[key] = Math.round(v * 1000) / 1000;
  }
  return result;
}

export function buildProgram(): Command {
  const program = new Command('localmodel')
    .description('A local stand-in for Juju: runs charms (any language) as Juju does, against an in-memory model')
    .option('--model-dir <dir>', 'directory holding the model state', process.env['LOCALMODEL_DIR'] ?? '.localmodel')
    .option('--system-path <path>', 'PATH after the hook-tools directory (default: Juju machine PATH; "" for none)')
    .option('--hook-timeout <ms>', 'kill a hook after this long', positiveInt, 120_000)
    .addOption(new Option('--shim <kind>', 'hook-tool shim').choices(['auto', 'c', 'bash']).default('auto'))
    .option('--seed <n>', 'interleaving seed of a new model (default: LOCALMODEL_SEED, else random)', positiveInt)
    .addOption(
      new Option(
        '--model-type <type>',
        'kind of a new model: machine, or kubernetes (Juju on K8s: for charms that assume k8s-api)',
      ).choices(['machine', 'kubernetes']),
    )
    .showHelpAfterError();

  program
    .command('deploy <charm> [app]')
    .description('deploy a .charm or a charm directory')
    .option('-n, --num-units <n>', 'number of units', positiveInt, 1)
    .option('--config <key=value...>', 'initial config', [])
    .option('--env <KEY=VALUE...>', "extra environment for this application's hooks", [])
    .action(async (charm: string, app: string | undefined, o: { numUnits: number; config: string[]; env: string[] }) => {
      await withModel(program, async (lm) => {
        const units = await lm.deploy(callerPath(charm), {
          ...(app ? { app } : {}),
          units: o.numUnits,
          config: keyValues(o.config, false) as Record<string, string>,
          env: keyValues(o.env, false) as Record<string, string>,
        });
        out(`Deployed ${units.join(', ') || 'no units'}\n`);
      });
    });

  program
    .command('add-unit <app>')
    .option('-n, --num-units <n>', 'number of units', positiveInt, 1)
    .action(async (app: string, o: { numUnits: number }) => {
      await withModel(program, async (lm) => out(`Added ${(await lm.addUnit(app, o.numUnits)).join(', ')}\n`));
    });

  program.command('remove-unit <unit>').action(async (unit: string) => withModel(program, (lm) => lm.removeUnit(unitArg(lm, unit))));

  program
    .command('integrate <a> <b>')
    .description('relate two applications ("app" or "app:endpoint")')
    .action(async (a: string, b: string) => withModel(program, async (lm) => out(`relation id ${await lm.integrate(a, b)}\n`)));

  program
    .command('remove-relation <a> [b]')
    .description('remove a relation, by its two ends or its id')
    .action(async (a: string, b: string | undefined) => withModel(program, (lm) => lm.removeRelation(a, b)));

  program
    .command('config <app> [pairs...]')
    .description('show config, one value (config APP KEY), or set key=value pairs (key= sets an empty string)')
    .option('--reset <keys>', 'comma-separated keys to reset to their defaults')
    .action(async (app: string, pairs: string[], o: { reset?: string }) =>
      withModel(program, async (lm) => {
        if (pairs.length === 1 && !pairs[0]!.includes('=') && !o.reset) {
          const key = pairs[0]!;
          const all = lm.getConfig(app);
          if (!Object.hasOwn(all, key)) throw new Refusal(`key "${key}" not found in "${app}" application config or charm settings.`);
          const shown = redactedConfig(lm, app, { [key]: all[key] })[key];
          out(shown === null || shown === undefined ? '\n' : `${String(shown)}\n`);
          return;
        }
        const values: Record<string, string | null> = keyValues(pairs, false) as Record<string, string>;
        for (const key of o.reset ? o.reset.split(',') : []) values[key] = null;
        if (Object.keys(values).length === 0) out(stringify(redactedConfig(lm, app, lm.getConfig(app))));
        else await lm.config(app, values);
      }),
    );

  program
    .command('model-config [pairs...]')
    .description('show or set model settings (automatically-retry-hooks=true|false)')
    .action(async (pairs: string[]) =>
      withModel(program, async (lm) => {
        if (pairs.length === 0) {
          out(stringify({ ...lm.modelConfig, 'localmodel-seed': lm.seed }));
          return;
        }
        const change: Record<string, boolean> = {};
        for (const [k, v] of Object.entries(keyValues(pairs, true))) {
          if (typeof v !== 'boolean') throw new Refusal(`model setting "${k}" must be true or false`);
          change[k] = v;
        }
        lm.setModelConfig(change);
      }),
    );

  program
    .command('run <unit> <action> [params...]')
    .description('run an action; params are key=value (values read as YAML)')
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(async (unit: string, action: string, params: string[], o: { format: string }) =>
      withModel(program, async (lm) => {
        const outcome = await lm.run(unitArg(lm, unit), action, keyValues(params, true));
        out(o.format === 'json' ? `${JSON.stringify(outcome, null, 2)}\n` : stringify(outcome));
        if (outcome.status === 'failed') process.exitCode = 1;
      }),
    );

  program
    .command('update-status')
    .description('one update-status tick on every unit')
    .action(async () => withModel(program, (lm) => lm.updateStatus()));

  program
    .command('refresh <app> <charm>')
    .description('upgrade an application to a new charm (upgrade-charm → config-changed)')
    .action(async (app: string, charm: string) => withModel(program, (lm) => lm.refresh(app, callerPath(charm))));

  program
    .command('resolve <unit>')
    .option('--no-retry', 'mark resolved without re-running the failed hook')
    .action(async (unit: string, o: { retry: boolean }) => withModel(program, (lm) => lm.resolve(unitArg(lm, unit), { retry: o.retry })));

  program
    .command('status [filters...]')
    .description('model status; filters are application or unit names (app/leader too)')
    .addOption(new Option('--format <format>', 'output format').choices(['tabular', 'yaml', 'json']).default('tabular'))
    .action(async (filters: string[], o: { format: string }) =>
      withModel(program, async (lm) => {
        const wanted = filters.map((f) => unitArg(lm, f));
        if (o.format === 'json') out(`${JSON.stringify(statusDocument(lm, wanted))}\n`);
        else if (o.format === 'yaml') out(stringify(statusDocument(lm, wanted)));
        else {
          out(formatStatus(lm));
          out(`\nInterleaving seed ${lm.seed} (replay: LOCALMODEL_SEED=${lm.seed} on a new model)\n`);
          const pending = lm.pending;
          if (pending.length > 0) out(`\n${pending.length} event(s) held by units in error\n`);
        }
      }),
    );

  program
    .command('show-unit <unit>')
    .action(async (unit: string) => withModel(program, async (lm) => out(showUnit(lm, unitArg(lm, unit)))));

  program
    .command('debug-log')
    .option('--unit <unit>', 'only this unit')
    .option('--hooks', 'per-hook tool-call transcripts instead of the unit log')
    .option('--limit <n>', 'with --hooks: the last n hooks', positiveInt)
    .action(async (o: { unit?: string; hooks?: boolean; limit?: number }) =>
      withModel(program, async (lm) => {
        const unit = o.unit !== undefined ? unitArg(lm, o.unit) : undefined;
        if (o.hooks)
          out(
            `${formatHookTranscripts(lm.history, { ...(unit ? { unit } : {}), ...(o.limit !== undefined ? { limit: o.limit } : {}) })}\n`,
          );
        else out(`${formatLogs(lm.model, unit)}\n`);
      }),
    );

  program
    .command('events')
    .description('the events that ran, in order (JSON lines)')
    .action(async () => withModel(program, async (lm) => out(lm.history.map((h) => JSON.stringify(h)).join('\n') + '\n')));

  program
    .command('shim-bench')
    .description('measure the per-call cost of the hook-tool shims (JSON)')
    .option('--calls <n>', 'calls per shim', positiveInt, 300)
    .action(async (o: { calls: number }) => out(`${JSON.stringify(await shimBench(o.calls), null, 2)}\n`));

  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err) {
    if (err instanceof Refusal || err instanceof CharmRefusal || err instanceof LivelockError) {
      process.stderr.write(`ERROR ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

if (require.main === module) void main();
