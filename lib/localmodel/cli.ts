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
import { formatLogs, formatStatus, showUnit, statusView } from './status';

interface GlobalOptions {
  modelDir: string;
  systemPath?: string;
  hookTimeout: number;
  shim: 'auto' | ShimKind;
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

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

async function withModel<T>(program: Command, fn: (lm: LocalModel) => Promise<T>): Promise<T> {
  const g = program.opts<GlobalOptions>();
  const options: LocalModelOptions = {
    modelDir: g.modelDir,
    hookTimeoutMs: g.hookTimeout,
    shim: g.shim,
    ...(g.systemPath !== undefined ? { systemPath: g.systemPath } : {}),
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
    .showHelpAfterError();

  program
    .command('deploy <charm> [app]')
    .description('deploy a .charm or a charm directory')
    .option('-n, --num-units <n>', 'number of units', positiveInt, 1)
    .option('--config <key=value...>', 'initial config', [])
    .option('--env <KEY=VALUE...>', 'extra environment for this application\'s hooks', [])
    .action(async (charm: string, app: string | undefined, o: { numUnits: number; config: string[]; env: string[] }) => {
      await withModel(program, async (lm) => {
        const units = await lm.deploy(charm, {
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

  program.command('remove-unit <unit>').action(async (unit: string) => withModel(program, (lm) => lm.removeUnit(unit)));

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
    .description('show config, or set key=value pairs (key= sets an empty string)')
    .option('--reset <keys>', 'comma-separated keys to reset to their defaults')
    .action(async (app: string, pairs: string[], o: { reset?: string }) =>
      withModel(program, async (lm) => {
        const values: Record<string, string | null> = keyValues(pairs, false) as Record<string, string>;
        for (const key of o.reset ? o.reset.split(',') : []) values[key] = null;
        if (Object.keys(values).length === 0) out(stringify(lm.getConfig(app)));
        else await lm.config(app, values);
      }),
    );

  program
    .command('run <unit> <action> [params...]')
    .description('run an action; params are key=value (values read as YAML)')
    .option('--format <format>', 'yaml or json', 'yaml')
    .action(async (unit: string, action: string, params: string[], o: { format: string }) =>
      withModel(program, async (lm) => {
        const outcome = await lm.run(unit, action, keyValues(params, true));
        out(o.format === 'json' ? `${JSON.stringify(outcome, null, 2)}\n` : stringify(outcome));
        if (outcome.status === 'failed') process.exitCode = 1;
      }),
    );

  program.command('update-status').description('one update-status tick on every unit').action(async () => withModel(program, (lm) => lm.updateStatus()));

  program
    .command('refresh <app> <charm>')
    .description('upgrade an application to a new charm (upgrade-charm → config-changed)')
    .action(async (app: string, charm: string) => withModel(program, (lm) => lm.refresh(app, charm)));

  program
    .command('resolve <unit>')
    .option('--no-retry', 'mark resolved without re-running the failed hook')
    .action(async (unit: string, o: { retry: boolean }) => withModel(program, (lm) => lm.resolve(unit, { retry: o.retry })));

  program
    .command('status')
    .option('--format <format>', 'tabular or json', 'tabular')
    .action(async (o: { format: string }) =>
      withModel(program, async (lm) => {
        out(o.format === 'json' ? `${JSON.stringify(statusView(lm), null, 2)}\n` : formatStatus(lm));
        const pending = lm.pending;
        if (o.format !== 'json' && pending.length > 0) out(`\n${pending.length} event(s) held by units in error\n`);
      }),
    );

  program.command('show-unit <unit>').action(async (unit: string) => withModel(program, async (lm) => out(showUnit(lm, unit))));

  program
    .command('debug-log')
    .option('--unit <unit>', 'only this unit')
    .action(async (o: { unit?: string }) => withModel(program, async (lm) => out(`${formatLogs(lm.model, o.unit)}\n`)));

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
