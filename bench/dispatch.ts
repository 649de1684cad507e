/**
 * Dispatch benchmark: a cold `update-status` dispatch of a minimal lib/ops charm, packed the way
 * `tscharm pack` packs it (dispatch sh script → runtime/node → dist/charm.js), against bare
 * `runtime/node -e 0` (the same Node binary), interleaved in one run.
 *
 * Hook tools are faked by one tiny /bin/sh script symlinked under each tool name on PATH: it
 * appends one line per call to a log (that is how calls are counted) and prints a canned answer.
 * The fake's own cost is measured and reported, so it can be subtracted by the reader.
 *
 * Output: JSON on stdout, also written to bench/results/dispatch.json.
 * Run: npm run bench:dispatch -- [--runs N] [--profile]
 */
import { runtimeNodeIn } from '../lib/tscharm/dispatch';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pack } from '../lib/tscharm/pack';
import { DEFAULT_NODE_VERSION, hostArchitecture } from '../lib/tscharm/runtime';
import { msSince, round, stats } from './stats';

// Bundled to build/bench/ by tools/run-ts.js, so the repo root is one level up in both layouts.
const REPO_ROOT = process.env['TSCHARM_REPO_ROOT'] ?? path.resolve(__dirname, '..');
const FIXTURE = path.join(REPO_ROOT, 'bench', 'fixtures', 'minimal-charm');
const TARGET_RATIO = 1.3;
const FAKE_TOOLS = ['config-get', 'state-get', 'state-set', 'is-leader', 'status-get', 'status-set', 'juju-log', 'application-version-set'];

function timeSpawn(file: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, [...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = msSince(t0);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr?.toString()}`);
  return ms;
}

function writeFakeTools(dir: string, log: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, 'fake-hook-tool');
  // Builtins only (echo, read, case): no extra process per call. Tools given `--file -` read
  // their stdin to the end, as Juju's do (exiting early would give the writer EPIPE).
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `echo "\${0##*/} $*" >> '${log}'`,
      'case "${0##*/}" in',
      `  config-get) echo '{"greeting": "hi"}' ;;`,
      // Steady state: the framework finds the status it set last time in its controller state,
      // so it skips status-set and state-set (as on a real unit after the first update-status).
      `  state-get) echo '{"tscharm.status.unit": "{\\"name\\":\\"active\\",\\"message\\":\\"hi\\"}"}' ;;`,
      '  is-leader) echo true ;;',
      `  status-get) echo '{"message": "", "status": "unknown", "status-data": {}}' ;;`,
      '  state-set) while read -r _line; do :; done ;;',
      'esac',
      '',
    ].join('\n'),
  );
  fs.chmodSync(script, 0o755);
  for (const tool of FAKE_TOOLS) fs.symlinkSync('fake-hook-tool', path.join(dir, tool));
}

function countLines(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

async function mainBench(): Promise<void> {
  const args = process.argv.slice(2);
  const runsArg = args.indexOf('--runs');
  const runs = Math.max(20, runsArg >= 0 ? Number(args[runsArg + 1]) : 31);
  const profile = args.includes('--profile');
  const warmup = 3;

  const arch = hostArchitecture();
  if (!arch) throw new Error(`no Node runtime package for ${process.arch}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tscharm-bench-'));
  try {
    const charmDir = path.join(work, 'charm');
    const packed = await pack({
      charmDir: FIXTURE,
      entry: 'src/main.ts',
      base: 'ubuntu@22.04',
      arch,
      outDir: work,
      nodeVersion: DEFAULT_NODE_VERSION,
      cacheDir: path.join(REPO_ROOT, '.tscharm', 'cache'),
      stageDir: charmDir,
    });
    const bundleBytes = fs.statSync(path.join(charmDir, 'dist', 'charm.js')).size;
    const node = runtimeNodeIn(charmDir);
    const toolsDir = path.join(work, 'tools');
    const log = path.join(work, 'tool-calls.log');
    writeFakeTools(toolsDir, log);
    const env: NodeJS.ProcessEnv = {
      PATH: `${toolsDir}:/usr/bin:/bin`,
      JUJU_DISPATCH_PATH: 'hooks/update-status',
      JUJU_HOOK_NAME: 'update-status',
      JUJU_UNIT_NAME: 'minimal-charm/0',
      JUJU_MODEL_NAME: 'bench',
      JUJU_MODEL_UUID: '0b3e1f4a-1111-4222-8333-444455556666',
      JUJU_VERSION: '3.6.4',
      JUJU_CHARM_DIR: charmDir,
      JUJU_CONTEXT_ID: 'minimal-charm/0-update-status-1',
    };
    const dispatch = () => timeSpawn(path.join(charmDir, 'dispatch'), [], { cwd: charmDir, env });
    const bare = () => timeSpawn(node, ['-e', '0'], { cwd: charmDir, env });
    const fakeTool = () => timeSpawn(path.join(toolsDir, 'config-get'), ['--format=json'], { cwd: charmDir, env });

    // One checked dispatch: it must succeed and make a known number of tool calls.
    fs.rmSync(log, { force: true });
    dispatch();
    const calls = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);

    for (let i = 0; i < warmup; i++) {
      bare();
      dispatch();
    }
    const bareMs: number[] = [];
    const dispatchMs: number[] = [];
    const toolMs: number[] = [];
    const callCounts: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first, so drift in machine load hits both alike.
      const order = i % 2 === 0 ? ['bare', 'dispatch'] : ['dispatch', 'bare'];
      for (const which of order) {
        if (which === 'bare') bareMs.push(bare());
        else {
          const before = countLines(log);
          dispatchMs.push(dispatch());
          callCounts.push(countLines(log) - before);
        }
      }
      toolMs.push(fakeTool());
    }

    let cpuProfile: string | undefined;
    if (profile) {
      const profDir = path.join(REPO_ROOT, 'bench', 'results', 'cpu-prof');
      fs.mkdirSync(profDir, { recursive: true });
      spawnSync(node, ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '100', path.join(charmDir, 'dist', 'charm.js')], {
        cwd: charmDir,
        env,
      });
      cpuProfile = profDir;
    }

    const bareStats = stats(bareMs);
    const dispatchStats = stats(dispatchMs);
    const toolStats = stats(toolMs);
    const perDispatch = callCounts.reduce((a, b) => a + b, 0) / callCounts.length;
    const ratio = round(dispatchStats.median / bareStats.median, 3);
    const result = {
      benchmark: 'dispatch',
      what: 'cold update-status dispatch of bench/fixtures/minimal-charm (dispatch sh → runtime/node → dist/charm.js) vs runtime/node -e 0',
      when: new Date().toISOString(),
      node: spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(),
      host: { arch: process.arch, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => round(x)) },
      runsEach: runs,
      unit: 'ms',
      baseline: { command: 'runtime/node -e 0', ...bareStats },
      dispatch: { command: './dispatch (JUJU_DISPATCH_PATH=hooks/update-status)', ...dispatchStats },
      ratio: { median: ratio, min: round(dispatchStats.min / bareStats.min, 3), target: TARGET_RATIO, met: ratio <= TARGET_RATIO },
      toolCalls: { perDispatch, calls },
      fakeTool: { note: 'one fake hook-tool call (sh script) spawned from Node', ...toolStats },
      overheadOverBare: {
        medianMs: round(dispatchStats.median - bareStats.median),
        ofWhichFakeToolsMs: round(perDispatch * toolStats.median),
      },
      bundleBytes,
      charmBytes: packed.unpackedBytes,
      ...(cpuProfile ? { cpuProfileDir: cpuProfile } : {}),
    };
    const out = JSON.stringify(result, null, 2);
    fs.mkdirSync(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, 'bench', 'results', 'dispatch.json'), `${out}\n`);
    process.stdout.write(`${out}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

mainBench().catch((e: unknown) => {
  process.stderr.write(`bench/dispatch: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
