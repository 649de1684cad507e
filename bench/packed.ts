/**
 * Packed-charm benchmark: the real MirrorMaker charm packed by `tscharm pack`, run by the local
 * model (lib/localmodel: agent + C hook-tool shims + lib/sim) in a fully related steady state —
 * leader, source/target/connect-client ready, its three connectors already in place on an
 * in-process fake Kafka Connect (tools/testkit/fake-connect.ts).
 *
 *  (a) cold `update-status` dispatch (lib/localmodel's dispatch(): spawn → exit, tool calls served
 *      by the in-process agent) vs bare `runtime/node -e 0` (the same binary, spawned the same
 *      way), interleaved, ≥ 20 runs each: median, min, p90, ratio (target ≤ 1.3);
 *  (b) hook-tool calls per dispatch, listed (target ≤ 10, with 0 relation-set), and the REST
 *      requests each dispatch makes (0 writes);
 *  (c) peak RSS of one dispatch (`/usr/bin/time -v`: the dispatch sh execs the runtime, so the
 *      max RSS is node's), next to `runtime/node -e 0`'s (target ≤ 80 MB);
 *  (d) the .charm's size (target ≤ 25 MB) and what the first event on a unit pays to unpack its
 *      xz-compressed runtime (runtime/unpack, wall and CPU);
 *  plus the cost of one hook-tool call as the charm pays it, so the reader can see what the calls cost.
 *
 * Output: JSON on stdout, also written to bench/results/packed.json.
 * Run: npm run bench:packed -- [--runs N] [--profile]   (--profile: one dispatch with --cpu-prof)
 */
import { runtimeNodeIn } from '../lib/tscharm/dispatch';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ToolAgent } from '../lib/localmodel/agent';
import { dispatch } from '../lib/localmodel/dispatcher';
import type { LocalModel } from '../lib/localmodel/driver';
import { openSession } from '../lib/sim';
import { startFakeConnect, type FakeConnect, type RecordedRequest } from '../tools/testkit/fake-connect';
import {
  ALL_PASSWORDS,
  deployProviders,
  noNodeSystemPath,
  openModel,
  preparePackedWorld,
  recordHooks,
  REPO_ROOT,
  REST_PASSWORD,
  REST_USER,
  type ServedHook,
} from '../tools/testkit/packed-charm';
import { readUsage, RUSAGE_COMMAND, type Usage } from './rusage';
import { msSince, round, stats, type Stats } from './stats';

const APP = 'mirrormaker';
const UNIT = `${APP}/0`;
const TARGETS = { ratio: 1.3, toolCalls: 10, peakRssMb: 80, charmMb: 25 } as const;

interface Exit {
  readonly code: number | null;
  readonly ms: number;
  readonly stderr: string;
}

/** Spawn the way the local model's dispatcher does (detached group, piped output) and time spawn → close. */
function timedSpawn(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const err: Buffer[] = [];
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: msSince(t0), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

function agentOf(lm: LocalModel): ToolAgent {
  return (lm as unknown as { agent: ToolAgent }).agent;
}

/** One update-status on the leader through lib/localmodel's dispatcher (commits like the driver). */
async function dispatchUpdateStatus(lm: LocalModel): Promise<number> {
  const outcome = await dispatch(
    lm.model,
    { unit: UNIT, hook: 'update-status' },
    { agent: agentOf(lm), charmDir: lm.unitStates[UNIT]!.charmDir, systemPath: noNodeSystemPath(), timeoutMs: 60_000 },
  );
  if (!outcome.committed) throw new Error(`update-status failed (exit ${outcome.exitCode}):\n${outcome.stderr}`);
  if (outcome.effects.events.length > 0)
    throw new Error(`steady-state update-status caused events: ${JSON.stringify(outcome.effects.events)}`);
  return outcome.durationMs;
}

/**
 * Run the leader's update-status dispatch wrapped by `wrapper` (e.g. /usr/bin/time), with the
 * environment lib/localmodel's dispatcher gives it, served by the model's agent; commits on exit 0.
 * `command` replaces `./dispatch` (e.g. runtime/node with --cpu-prof, which NODE_OPTIONS refuses).
 */
async function wrappedUpdateStatus(
  lm: LocalModel,
  wrapper: readonly string[],
  command?: readonly string[],
  unit: string = UNIT,
): Promise<Exit> {
  const charmDir = lm.unitStates[unit]!.charmDir;
  const session = openSession(lm.model, { unit, hook: 'update-status', charmDir, cwd: charmDir });
  const agent = agentOf(lm);
  const context = agent.register(session);
  try {
    const env = { ...session.env, ...context.env, PATH: agent.toolsDir, HOME: process.env['HOME'] ?? '/root', LANG: 'C.UTF-8' };
    const [file, ...args] = [...wrapper, ...(command ?? [path.join(charmDir, 'dispatch')])];
    const exit = await timedSpawn(file!, args, charmDir, env);
    if (exit.code === 0) session.commit({ exitCode: 0 });
    else session.discard({ exitCode: exit.code ?? 1 });
    return exit;
  } finally {
    agent.unregister(context.contextId);
  }
}

/** Peak RSS (MB) from `/usr/bin/time -v` output. */
function maxRssMb(timeOutput: string): number {
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeOutput);
  if (!m) throw new Error(`no "Maximum resident set size" in /usr/bin/time output:\n${timeOutput}`);
  return round(Number(m[1]) / 1024, 1);
}

async function peakRss(lm: LocalModel, node: string, work: string): Promise<{ dispatchMb: number[]; bareMb: number[]; tool: string }> {
  const time = '/usr/bin/time';
  if (!fs.existsSync(time)) throw new Error('/usr/bin/time is missing (apt-get install time)');
  const out = path.join(work, 'time.txt');
  const dispatchMb: number[] = [];
  const bareMb: number[] = [];
  for (let i = 0; i < 3; i++) {
    const d = await wrappedUpdateStatus(lm, [time, '-v', '-o', out]);
    if (d.code !== 0) throw new Error(`update-status under /usr/bin/time exited ${d.code}: ${d.stderr}`);
    dispatchMb.push(maxRssMb(fs.readFileSync(out, 'utf8')));
    const b = await timedSpawn(time, ['-v', '-o', out, node, '-e', '0'], work, { PATH: '' });
    if (b.code !== 0) throw new Error(`node -e 0 under /usr/bin/time exited ${b.code}`);
    bareMb.push(maxRssMb(fs.readFileSync(out, 'utf8')));
  }
  return { dispatchMb, bareMb, tool: `${time} -v` };
}

/**
 * Cost of one hook-tool call as the charm pays it: the packed runtime/node calls `is-leader`
 * through the C shim and the agent with spawnSync (lib/ops' SpawnToolRunner) `calls` times in one
 * process and reports the per-call times it measured itself (so node's start-up is not counted).
 */
async function toolCallMs(lm: LocalModel, node: string, calls: number): Promise<Stats> {
  const charmDir = lm.unitStates[UNIT]!.charmDir;
  const session = openSession(lm.model, { unit: UNIT, hook: 'update-status', charmDir, cwd: charmDir });
  const agent = agentOf(lm);
  const context = agent.register(session);
  const script = [
    "const { spawnSync } = require('child_process');",
    'const out = [];',
    `for (let i = 0; i < ${calls}; i++) {`,
    '  const t0 = process.hrtime.bigint();',
    "  const r = spawnSync('is-leader', ['--format=json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });",
    '  if (r.status !== 0) { process.stderr.write(String(r.stderr)); process.exit(1); }',
    '  out.push(Number(process.hrtime.bigint() - t0) / 1e6);',
    '}',
    'process.stdout.write(JSON.stringify(out));',
  ].join('\n');
  try {
    const env = { ...session.env, ...context.env, PATH: agent.toolsDir };
    const result = await new Promise<string>((resolve, reject) => {
      const child = spawn(node, ['-e', script], { cwd: charmDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`tool-call probe exited ${code}: ${err}`))));
    });
    return stats((JSON.parse(result) as number[]).slice(3));
  } finally {
    agent.unregister(context.contextId);
    session.discard({ exitCode: 0 });
  }
}

/** One update-status of `unit` (or `command` in its place) under bench/rusage.py: wall and CPU (user + sys). */
async function usageOfUpdateStatus(lm: LocalModel, unit: string, out: string, command?: readonly string[]): Promise<Usage> {
  const e = await wrappedUpdateStatus(lm, [...RUSAGE_COMMAND, '-o', out], command, unit);
  if (e.code !== 0) throw new Error(`update-status of ${unit} exited ${e.code}: ${e.stderr}`);
  return readUsage(out);
}

async function usageOfBare(node: string, cwd: string, out: string): Promise<Usage> {
  const e = await timedSpawn(RUSAGE_COMMAND[0], [RUSAGE_COMMAND[1], '-o', out, node, '-e', '0'], cwd, {
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
  });
  if (e.code !== 0) throw new Error(`node -e 0 exited ${e.code}: ${e.stderr}`);
  return readUsage(out);
}

/**
 * What the first event on a unit pays to unpack the xz-compressed runtime: `runtime/unpack` run
 * as dispatch runs it, in a copy of the installed charm directory with nothing unpacked yet.
 */
async function unpackCost(charmDir: string, work: string, runs: number): Promise<{ runs: number; wallMs: Stats; cpuMs: Stats } | null> {
  const digestFile = path.join(charmDir, 'runtime', 'node.sha256');
  if (!fs.existsSync(digestFile)) return null;
  const digest = fs.readFileSync(digestFile, 'utf8').trim();
  const out = path.join(work, 'rusage-unpack.json');
  const got: Usage[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = path.join(work, `unpack-${i}`);
    fs.mkdirSync(path.join(dir, 'runtime'), { recursive: true });
    for (const f of ['node.xz', 'node.sha256', 'unpack']) fs.copyFileSync(path.join(charmDir, 'runtime', f), path.join(dir, 'runtime', f));
    fs.chmodSync(path.join(dir, 'runtime', 'unpack'), 0o755);
    const target = runtimeNodeIn(dir);
    const e = await timedSpawn(RUSAGE_COMMAND[0], [RUSAGE_COMMAND[1], '-o', out, './runtime/unpack', digest, target], dir, {
      PATH: noNodeSystemPath(),
      LANG: 'C.UTF-8',
    });
    if (e.code !== 0 || !fs.existsSync(target)) throw new Error(`runtime/unpack exited ${e.code}: ${e.stderr}`);
    got.push(readUsage(out));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { runs, wallMs: stats(got.map((u) => u.wallMs)), cpuMs: stats(got.map((u) => u.cpuMs)) };
}

interface UsageRatio {
  readonly runs: number;
  readonly wallMs: Stats;
  readonly cpuMs: Stats;
  readonly bareWallMs: Stats;
  readonly bareCpuMs: Stats;
  readonly wallRatio: number;
  readonly cpuRatio: number;
}

/**
 * Each variant interleaved with `runtime/node -e 0` (alternating order), all under rusage.py:
 * median ratios of wall and of CPU time against the bare runtime measured in the same rounds.
 */
async function usageRatios(
  variants: Readonly<Record<string, (out: string) => Promise<Usage>>>,
  bare: (out: string) => Promise<Usage>,
  runs: number,
  work: string,
): Promise<Record<string, UsageRatio>> {
  const out = path.join(work, 'rusage.json');
  const names = Object.keys(variants);
  const got: Record<string, Usage[]> = Object.fromEntries(['bare', ...names].map((n) => [n, []]));
  for (const n of names) await variants[n]!(out); // warm-up
  await bare(out);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['bare', ...names] : [...names].reverse().concat('bare');
    for (const n of order) got[n]!.push(await (n === 'bare' ? bare(out) : variants[n]!(out)));
  }
  const bareWall = stats(got['bare']!.map((u) => u.wallMs));
  const bareCpu = stats(got['bare']!.map((u) => u.cpuMs));
  const result: Record<string, UsageRatio> = {};
  for (const n of names) {
    const wall = stats(got[n]!.map((u) => u.wallMs));
    const cpu = stats(got[n]!.map((u) => u.cpuMs));
    result[n] = {
      runs,
      wallMs: wall,
      cpuMs: cpu,
      bareWallMs: bareWall,
      bareCpuMs: bareCpu,
      wallRatio: round(wall.median / bareWall.median, 3),
      cpuRatio: round(cpu.median / bareCpu.median, 3),
    };
  }
  return result;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Where one profiled dispatch spends its time (inclusive ms, sampled every 100 µs, so inflated a
 * little): hook-tool calls (spawnSync), the bundle's own top-level code, Node built-ins loaded on
 * the way (undici is what axios's fetch adapter pulls in at import), compiling the bundle, GC.
 */
function profileSummary(file: string): Record<string, number> {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const buckets: Record<string, (f: { functionName: string; url: string }) => boolean> = {
    toolCallsSpawnSync: (f) => f.functionName === 'spawnSync' && f.url.includes('child_process'),
    undiciViaAxiosImport: (f) => f.url.endsWith('undici'),
    nodeHttpModules: (f) => /^node:(http|https|http2|tls|net|_http_\w+)$/.test(f.url),
    compileBundle: (f) => f.functionName === 'wrapSafe',
    garbageCollector: (f) => f.functionName === '(garbage collector)',
  };
  const out: Record<string, number> = { sampledMs: 0 };
  for (const k of Object.keys(buckets)) out[k] = 0;
  for (const [id, us] of self) {
    out['sampledMs']! += us;
    const hit = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      for (const [k, test] of Object.entries(buckets)) if (!hit.has(k) && test(frame)) hit.add(k);
    }
    for (const k of hit) out[k]! += us;
  }
  for (const k of Object.keys(out)) out[k] = round(out[k]! / 1000, 1);
  return { wallMs: round((p.endTime - p.startTime) / 1000, 1), ...out };
}

async function steadyState(fake: FakeConnect): Promise<{ lm: LocalModel; tmp: string; served: ServedHook[]; charmFile: string }> {
  const world = await preparePackedWorld();
  const lm = await openModel();
  try {
    const served = recordHooks(lm);
    // The providers hand out loopback addresses with no Kafka behind them: the health check is off
    // here (the reconcile steady state is what this measures; bench/health.ts measures the check).
    await lm.deploy(world.charmFile, { app: APP, config: { health_check_budget_seconds: 0 } });
    await deployProviders(lm, world, fake.url);
    await lm.integrate(`${APP}:source`, 'kafka-a');
    await lm.integrate(`${APP}:target`, 'kafka-b');
    await lm.integrate(`${APP}:connect-client`, 'kafka-connect');
    await lm.addUnit(APP); // a non-leader, measured too
    await lm.updateStatus(); // status memory settles
    const unit = lm.model.units[UNIT]!;
    if (unit.status.status !== 'active' || !unit.leader)
      throw new Error(`not a steady state: ${UNIT} ${unit.status.status}: ${unit.status.message}`);
    if (fake.state.connectors.size !== 3)
      throw new Error(`expected 3 connectors on the fake, found ${[...fake.state.connectors.keys()].join(', ')}`);
    return { lm, tmp: world.tmp, served, charmFile: world.charmFile };
  } catch (e) {
    await lm.close();
    fs.rmSync(world.tmp, { recursive: true, force: true });
    throw e;
  }
}

async function mainBench(): Promise<void> {
  const args = process.argv.slice(2);
  const runsArg = args.indexOf('--runs');
  const runs = Math.max(20, runsArg >= 0 ? Number(args[runsArg + 1]) : 25);
  const profile = args.includes('--profile');
  const warmup = 3;
  const loadBefore = os.loadavg().map((x) => round(x));

  const fake = await startFakeConnect({ auth: { username: REST_USER, password: REST_PASSWORD } });
  let setup: Awaited<ReturnType<typeof steadyState>> | undefined;
  try {
    setup = await steadyState(fake);
    const { lm, served } = setup;
    const charmDir = lm.unitStates[UNIT]!.charmDir;
    const node = runtimeNodeIn(charmDir);
    const bareEnv = { PATH: lm.hookPath, HOME: process.env['HOME'] ?? '/root', LANG: 'C.UTF-8' };
    const bare = async () => {
      const r = await timedSpawn(node, ['-e', '0'], charmDir, bareEnv);
      if (r.code !== 0) throw new Error(`runtime/node -e 0 exited ${r.code}`);
      return r.ms;
    };

    for (let i = 0; i < warmup; i++) {
      await bare();
      await dispatchUpdateStatus(lm);
    }
    const bareMs: number[] = [];
    const dispatchMs: number[] = [];
    const perDispatch: { tools: string[]; requests: RecordedRequest[] }[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first, so drift in machine load hits both alike.
      for (const which of i % 2 === 0 ? ['bare', 'dispatch'] : ['dispatch', 'bare']) {
        if (which === 'bare') bareMs.push(await bare());
        else {
          const h0 = served.length;
          const r0 = fake.requests.length;
          dispatchMs.push(await dispatchUpdateStatus(lm));
          const hooks = served.slice(h0);
          if (hooks.length !== 1) throw new Error(`expected one served hook per dispatch, got ${hooks.length}`);
          perDispatch.push({ tools: hooks[0]!.transcript.map((t) => `${t.tool} ${t.args.join(' ')}`), requests: fake.requests.slice(r0) });
        }
      }
    }

    const calls = perDispatch[0]!.tools;
    const callCounts = perDispatch.map((d) => d.tools.length);
    const toolNames = perDispatch.flatMap((d) => d.tools.map((t) => t.split(' ')[0]!));
    const restReads = perDispatch.map((d) => d.requests.filter((r) => r.method === 'GET').length);
    const restWrites = perDispatch.flatMap((d) => d.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`));
    const byTool: Record<string, number> = {};
    for (const t of calls) byTool[t.split(' ')[0]!] = (byTool[t.split(' ')[0]!] ?? 0) + 1;

    const rss = await peakRss(lm, node, setup.tmp);
    const charmBytes = fs.statSync(setup.charmFile).size;
    const firstEventUnpack = await unpackCost(charmDir, setup.tmp, 5);
    const toolCall = await toolCallMs(lm, node, 43);

    // One dispatch under --cpu-prof: where the time goes. Kept in bench/results with --profile.
    const cpuProfileDir = profile ? path.join(REPO_ROOT, 'bench', 'results', 'cpu-prof-packed') : path.join(setup.tmp, 'cpu-prof');
    {
      fs.rmSync(cpuProfileDir, { recursive: true, force: true });
      fs.mkdirSync(cpuProfileDir, { recursive: true });
      const p = await wrappedUpdateStatus(
        lm,
        [],
        [node, '--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, '--cpu-prof-interval=100', path.join(charmDir, 'dist', 'charm.js')],
      );
      if (p.code !== 0) throw new Error(`profiled dispatch exited ${p.code}: ${p.stderr}`);
    }
    const profileFile = fs.readdirSync(cpuProfileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!profileFile) throw new Error(`no .cpuprofile in ${cpuProfileDir}`);
    const profiled = { ...profileSummary(path.join(cpuProfileDir, profileFile)), toolCalls: served.at(-1)!.transcript.length };

    // CPU time and wall of a steady-state update-status, leader and non-leader, against
    // runtime/node -e 0 in the same rounds (the leader and non-leader as shipped: through the loader,
    // with the code cache their first hook wrote); with --code-cache-compare also the leader
    // running the bundle directly, with no code cache.
    const nonLeader = `${APP}/1`;
    const dist = path.join(charmDir, 'dist');
    const variants: Record<string, (out: string) => Promise<Usage>> = {
      leader: (o) => usageOfUpdateStatus(lm, UNIT, o),
      nonLeader: (o) => usageOfUpdateStatus(lm, nonLeader, o),
    };
    if (args.includes('--code-cache-compare')) {
      variants['leaderNoCodeCache'] = (o) => usageOfUpdateStatus(lm, UNIT, o, [node, path.join(dist, 'charm.js')]);
      if (!fs.existsSync(path.join(dist, 'charm.js.cache'))) throw new Error('the leader has no dist/charm.js.cache after its first hooks');
    }
    const usage = await usageRatios(variants, (o) => usageOfBare(node, charmDir, o), runs, setup.tmp);

    // Nothing the charm printed in these runs may carry a password.
    const leaks = lm.model.logs.filter((l) => ALL_PASSWORDS.some((s) => l.message.includes(s)));
    if (leaks.length > 0) throw new Error(`a password reached the unit log (${leaks.length} line(s))`);

    const bareStats = stats(bareMs);
    const dispatchStats = stats(dispatchMs);
    const ratio = round(dispatchStats.median / bareStats.median, 3);
    const meanCalls = callCounts.reduce((a, b) => a + b, 0) / callCounts.length;
    const peak = Math.max(...rss.dispatchMb);
    const result = {
      benchmark: 'packed',
      what: 'cold update-status dispatch of the PACKED MirrorMaker charm in a fully related steady state under the local model (C shims, lib/sim agent in this process) vs runtime/node -e 0',
      when: new Date().toISOString(),
      node: process.version,
      host: { arch: process.arch, cpus: os.cpus().length, loadavgBefore: loadBefore, loadavgAfter: os.loadavg().map((x) => round(x)) },
      shim: lm.shimKind,
      runsEach: runs,
      unit: 'ms',
      baseline: { command: 'runtime/node -e 0', ...bareStats },
      dispatch: { command: 'dispatch (update-status, mirrormaker/0 leader, steady state)', ...dispatchStats },
      ratio: { median: ratio, min: round(dispatchStats.min / bareStats.min, 3), target: TARGETS.ratio, met: ratio <= TARGETS.ratio },
      toolCalls: {
        perDispatch: meanCalls,
        sameEveryRun: callCounts.every((c) => c === callCounts[0]),
        target: TARGETS.toolCalls,
        met: meanCalls <= TARGETS.toolCalls,
        relationSet: toolNames.filter((t) => t === 'relation-set').length,
        stateSet: toolNames.filter((t) => t === 'state-set').length,
        statusSet: toolNames.filter((t) => t === 'status-set').length,
        byTool,
        calls,
      },
      rest: { readsPerDispatch: stats(restReads).median, writes: restWrites.length, writeList: restWrites.slice(0, 10) },
      oneToolCall: { command: 'is-leader --format=json via spawnSync from runtime/node, through the C shim and the agent', ...toolCall },
      overheadOverBare: {
        medianMs: round(dispatchStats.median - bareStats.median),
        // A lower bound: the probe forks from a small process; the charm's bigger heap makes each
        // spawnSync dearer (profiledDispatch.toolCallsSpawnSync is the in-charm figure).
        ofWhichToolCallsAtProbeCostMs: round(meanCalls * toolCall.median),
      },
      charm: {
        file: path.basename(setup.charmFile),
        bytes: charmBytes,
        mb: round(charmBytes / 1e6, 2),
        targetMb: TARGETS.charmMb,
        met: charmBytes / 1e6 <= TARGETS.charmMb,
        // the xz-compressed runtime, unpacked once per unit and revision by its first event
        firstEventUnpack,
      },
      peakRss: {
        tool: rss.tool,
        dispatchMb: rss.dispatchMb,
        bareNodeMb: rss.bareMb,
        peakMb: peak,
        target: TARGETS.peakRssMb,
        met: peak <= TARGETS.peakRssMb,
      },
      cpuAndWall: {
        tool: 'bench/rusage.py (wait4 rusage: user + sys of the dispatch and all it waited for)',
        targets: { leaderCpuRatio: 2.5, nonLeaderCpuRatio: 1.6 },
        met: { leader: usage['leader']!.cpuRatio <= 2.5, nonLeader: usage['nonLeader']!.cpuRatio <= 1.6 },
        ...usage,
      },
      profiledDispatch: {
        note: 'one dispatch under --cpu-prof (100 µs sampling), inclusive ms',
        ...profiled,
        ...(profile ? { file: path.join(cpuProfileDir, profileFile) } : {}),
      },
    };
    const out = JSON.stringify(result, null, 2);
    fs.mkdirSync(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, 'bench', 'results', 'packed.json'), `${out}\n`);
    process.stdout.write(`${out}\n`);
  } finally {
    if (setup) {
      await setup.lm.close();
      fs.rmSync(setup.tmp, { recursive: true, force: true });
    }
    await fake.stop();
  }
}

mainBench().catch((e: unknown) => {
  process.stderr.write(`bench/packed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
