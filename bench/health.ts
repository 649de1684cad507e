/**
 * Replication health check benchmark, on the real stack (tools/kafka) with the packed charm:
 *
 *  (a) the health check alone: a bundle of charm/managers/kafka-admin.ts (the same esbuild
 *      bundling as the charm) that loads the Kafka client and makes the check's calls against
 *      the real source and target (end offsets, topic listing, newest heartbeat, broker count):
 *      load ms, calls ms, total wall ms and peak RSS, next to `node -e 0` in the same run;
 *  (b) a leader update-status of the deployed, mirroring charm with the check
 *      (health_check_budget_seconds=8) and without it (=0), interleaved, next to `node -e 0`.
 *
 * Output: JSON on stdout, also written to bench/results/health.json.
 * Run: STACK_PORT_OFFSET=<yours> node tools/run-ts.js bench/health.ts [--runs N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleCharm } from '../lib/tscharm/bundle';
import { buildProviderCharms, MirrorWorld, packCharm, REPO_ROOT, stackProfile } from '../tools/stack/mirror-world';
import { startStack, stopStack } from '../tools/stack/real-stack';
import { createTopic, endpointOf, produceMessages } from '../tools/stack/kafka-traffic';
import { readUsage, RUSAGE_COMMAND } from './rusage';
import { round, stats } from './stats';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 7;
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
const OUT = path.join(REPO_ROOT, 'bench', 'results');
const WORK = path.join(REPO_ROOT, 'build', 'bench-health');

const PROBE = `
import { KafkaAdmin } from ${JSON.stringify(path.join(REPO_ROOT, 'charm', 'managers', 'kafka-admin'))};
(async () => {
  const spec = JSON.parse(process.env.PROBE_SPEC!);
  const t0 = process.hrtime.bigint();
  const deadline = () => Date.now() + 8000;
  const src = new KafkaAdmin(spec.source, deadline);
  const tgt = new KafkaAdmin(spec.target, deadline);
  const t1 = process.hrtime.bigint();
  const [ends, topics] = await Promise.all([src.endOffsets([{ topic: spec.topic, partition: 0 }]), tgt.topicPartitions()]);
  const newest = await tgt.newestTimestamp(spec.heartbeats, topics.get(spec.heartbeats) ?? 1);
  const brokers = await tgt.brokerCount();
  const t2 = process.hrtime.bigint();
  await Promise.all([src.close(), tgt.close()]);
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  process.stdout.write(JSON.stringify({ loadMs: ms(t0, t1), callsMs: ms(t1, t2), ends: ends.size, topics: topics.size, newest: newest !== undefined, brokers, rssMb: process.memoryUsage().rss / 1048576 }) + '\\n');
})();
`;

/** Runs `cmd` under bench/rusage.py: wall, CPU (user + sys) and peak RSS from wait4, and its stdout. */
function timed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { ms: number; cpuMs: number; stdout: string; maxRssKb: number } {
  const out = path.join(WORK, 'rusage.json');
  const [python, script] = RUSAGE_COMMAND;
  const r = spawnSync(python, [script, '-o', out, cmd, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const u = readUsage(out);
  return { ms: u.wallMs, cpuMs: u.cpuMs, stdout: r.stdout, maxRssKb: u.maxRssKb };
}

/** CPU ms (user + system) of this process's reaped children so far: every hook process the local model ran. */
function childrenCpuMs(): number {
  // /proc/self/stat: fields 16 and 17 (cutime, cstime) in clock ticks, after the ")" of the name.
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

async function main(): Promise<void> {
  fs.mkdirSync(WORK, { recursive: true });
  fs.mkdirSync(OUT, { recursive: true });
  // BENCH_STACK_PROFILE=e2e reuses a running e2e stack (same STACK_PORT_OFFSET) instead of starting one.
  const profile = stackProfile(process.env.BENCH_STACK_PROFILE === 'e2e' ? 'e2e' : 'bench');
  const stack = await startStack(profile);
  const keep = process.env.BENCH_KEEP_STACK === '1';
  try {
    const entry = path.join(WORK, 'probe.ts');
    fs.writeFileSync(entry, PROBE);
    const probe = path.join(WORK, 'probe.js');
    const bundle = await bundleCharm({ entry, outFile: probe, meta: {} as never });
    const packed = await packCharm(WORK);
    buildProviderCharms();
    const src = endpointOf(stack.kafkaA, 'mm2');
    const topic = `bench-health-${Date.now().toString(36)}`;
    await createTopic(endpointOf(stack.kafkaA, 'admin'), topic);
    await produceMessages(endpointOf(stack.kafkaA, 'admin'), topic, 100, { prefix: 'b' });
    const spec = (c: typeof stack.kafkaA) => ({
      alias: c.name,
      bootstrapServers: [c.bootstrapServers],
      username: c.mm2.username,
      password: c.mm2.password,
      tlsEnabled: false,
    });
    const probeEnv = {
      ...process.env,
      PROBE_SPEC: JSON.stringify({
        source: spec(stack.kafkaA),
        target: spec(stack.kafkaB),
        topic,
        heartbeats: 'kafka-a.replica.heartbeats',
      }),
    };
    void src;

    const world = await MirrorWorld.create({
      charmFile: packed.charmFile,
      stack,
      config: { refresh_topics_interval_seconds: 2, topics: `${topic}` },
    });
    try {
      await world.integrateAll();
      await world.waitForStatus(
        (s) => s.status === 'active' && /: lag \d+ records?/.test(s.message),
        'active with the health verdict',
        90_000,
      );
      const nodeE0: number[] = [];
      const nodeE0Cpu: number[] = [];
      const probeCpu: number[] = [];
      const withCheckCpu: number[] = [];
      const withoutCpu: number[] = [];
      const nodeRss: number[] = [];
      const probeWall: number[] = [];
      const probeLoad: number[] = [];
      const probeCalls: number[] = [];
      const probeRss: number[] = [];
      const withCheck: number[] = [];
      const without: number[] = [];
      for (let i = 0; i < runs; i++) {
        const n = timed(process.execPath, ['-e', '0']);
        nodeE0.push(n.ms);
        nodeE0Cpu.push(n.cpuMs);
        nodeRss.push(n.maxRssKb / 1024);
        const p = timed(process.execPath, [probe], probeEnv);
        const out = JSON.parse(p.stdout.trim()) as { loadMs: number; callsMs: number; newest: boolean };
        if (!out.newest) throw new Error('probe saw no heartbeat on the target');
        probeWall.push(p.ms);
        probeCpu.push(p.cpuMs);
        probeLoad.push(out.loadMs);
        probeCalls.push(out.callsMs);
        probeRss.push(p.maxRssKb / 1024);
        await world.config({ health_check_budget_seconds: 8 });
        let t0 = process.hrtime.bigint();
        let c0 = childrenCpuMs();
        await world.lm.updateStatus();
        withCheck.push(Number(process.hrtime.bigint() - t0) / 1e6);
        withCheckCpu.push(childrenCpuMs() - c0);
        await world.config({ health_check_budget_seconds: 0 });
        t0 = process.hrtime.bigint();
        c0 = childrenCpuMs();
        await world.lm.updateStatus();
        without.push(Number(process.hrtime.bigint() - t0) / 1e6);
        withoutCpu.push(childrenCpuMs() - c0);
      }
      const result = {
        kafkaVersion: stack.kafkaVersion,
        runs,
        probeBundleBytes: bundle.bytes,
        nodeE0Ms: stats(nodeE0),
        nodeE0CpuMs: stats(nodeE0Cpu),
        nodeE0MaxRssMb: stats(nodeRss),
        healthCheck: {
          wallMs: stats(probeWall),
          cpuMs: stats(probeCpu),
          clientLoadMs: stats(probeLoad),
          callsMs: stats(probeCalls),
          maxRssMb: stats(probeRss),
        },
        leaderUpdateStatusMs: { withHealthCheck: stats(withCheck), withoutHealthCheck: stats(without) },
        // every unit's hook process in the round (the charm's two units' and the providers')
        updateStatusRoundCpuMs: { withHealthCheck: stats(withCheckCpu), withoutHealthCheck: stats(withoutCpu) },
        ratios: {
          healthCheckWallVsNodeE0: round(stats(probeWall).median / stats(nodeE0).median),
          healthCheckCpuVsNodeE0: round(stats(probeCpu).median / stats(nodeE0Cpu).median),
          updateStatusRoundCpuWithVsWithout: round(stats(withCheckCpu).median / stats(withoutCpu).median),
          updateStatusWithVsWithout: round(stats(withCheck).median / stats(without).median),
          updateStatusWithVsNodeE0: round(stats(withCheck).median / stats(nodeE0).median),
          updateStatusWithoutVsNodeE0: round(stats(without).median / stats(nodeE0).median),
        },
        note: 'update-status times include the local model agent (spawn, hook tools); node -e 0 is the bare process start; CPU of node -e 0 and the check from wait4 (bench/rusage.py), of the update-status rounds from /proc/self/stat (10 ms ticks)',
      };
      const json = JSON.stringify(result, null, 2);
      fs.writeFileSync(path.join(OUT, 'health.json'), `${json}\n`);
      process.stdout.write(`${json}\n`);
    } finally {
      await world.close();
    }
  } finally {
    if (!keep) await stopStack(profile);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/health: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
