// The demo (`npm start`, tools/demo/demo.ts) on its own real stack, stopped the ways a user stops
// it: Ctrl-C at the terminal (SIGINT to the whole process group) while records are arriving, and
// SIGINT to the npm process alone while the stack is still starting. Either way it stops cleanly
// (no "demo failed", exit 130) and no JVM it started is left running.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runStackScript } from '../../tools/stack/real-stack';
import { REPO_ROOT, sleep, stackProfile } from '../../tools/stack/mirror-world';
import { describeWithStack, readE2EState } from './e2e-state';

jest.setTimeout(6 * 60_000);

// the demo's stack: stack.sh's default ports shifted by STACK_PORT_OFFSET (never the e2e stack's)
const DEMO_ENV = { ...stackProfile('default').env };
const RUN_DIR = DEMO_ENV.KAFKA_STACK_RUN_DIR ?? path.join(REPO_ROOT, 'tools', 'kafka', `run-${process.env.KAFKA_VERSION ?? '4.1.1'}`);
const COMPONENTS = ['kafka-a', 'kafka-b', 'connect'] as const;

interface Demo {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

function startDemo(): Demo {
  // detached: npm leads its own process group, as a terminal's foreground job does
  const npm = spawn('npm', ['start', '--', '--records', '300'], {
    cwd: REPO_ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  npm.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  npm.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    npm.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { npm, output: () => out, exited };
}

async function waitForOutput(demo: Demo, pattern: RegExp, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!pattern.test(demo.output())) {
    if (demo.npm.exitCode !== null)
      throw new Error(`the demo exited (${demo.npm.exitCode}) before printing ${pattern}:\n${demo.output().slice(-3000)}`);
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`no ${pattern} in the demo's output after ${timeoutMs} ms:\n${demo.output().slice(-3000)}`);
    await sleep(200);
  }
}

/** pids in the demo stack's pid files (present while the components run). */
function recordedPids(): number[] {
  const pids: number[] = [];
  for (const c of COMPONENTS) {
    try {
      pids.push(Number(fs.readFileSync(path.join(RUN_DIR, c, `${c}.pid`), 'utf8').trim()));
    } catch {
      /* not started (yet) */
    }
  }
  return pids.filter((p) => Number.isInteger(p) && p > 0);
}

function isOurJvm(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`-Dkafka.stack.marker=${RUN_DIR}/`);
  } catch {
    return false;
  }
}

async function exitWithin(demo: Demo, ms: number): Promise<{ code: number | null; signal: string | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(new Error(`the demo did not exit within ${ms} ms:\n${demo.output().slice(-3000)}`)), ms)),
  );
  try {
    return await Promise.race([demo.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describeWithStack()('npm start stops cleanly on SIGINT and leaves no JVM behind', () => {
  let demo: Demo | undefined;

  beforeAll(() => {
    const state = readE2EState();
    if (!state.ok) throw new Error(`the e2e environment is not ready: ${state.reason}`);
  });

  afterEach(async () => {
    // a failed test must not leave its demo or stack running
    if (demo && demo.npm.exitCode === null && demo.npm.signalCode === null) {
      try {
        process.kill(-demo.npm.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    demo = undefined;
    await runStackScript(['down'], { env: DEMO_ENV }).catch(() => undefined);
  });

  test('Ctrl-C (SIGINT to the process group) while records arrive: exit 130, no crash, the stack is stopped', async () => {
    demo = startDemo();
    await waitForOutput(demo, /kafka-a demo-orders:\s+\d+\s+→\s+kafka-b demo-orders:/, 4 * 60_000);
    const pids = recordedPids();
    expect(pids).toHaveLength(3);
    expect(pids.every(isOurJvm)).toBe(true);
    const t0 = Date.now();
    process.kill(-demo.npm.pid!, 'SIGINT');
    const { code } = await exitWithin(demo, 90_000);
    const out = demo.output();
    console.log(`demo: Ctrl-C during the watch → exit ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(out).toContain('stopping (SIGINT)');
    expect(out).not.toMatch(/demo failed|failed: exit null/);
    expect(out).toContain('Kafka, Kafka Connect and the local model are stopped');
    expect(code).toBe(130);
    expect(pids.filter(isOurJvm)).toEqual([]);
  });

  test('SIGINT to the npm process alone while the stack is starting: it stops, the half-started stack too', async () => {
    demo = startDemo();
    await waitForOutput(demo, /\[2\/6\] start the real stack/, 2 * 60_000);
    // wait until stack.sh up has started at least one JVM
    const t0 = Date.now();
    while (recordedPids().filter(isOurJvm).length === 0) {
      if (Date.now() - t0 > 120_000) throw new Error(`no stack JVM started within 120 s:\n${demo.output().slice(-3000)}`);
      await sleep(200);
    }
    const pids = recordedPids().filter(isOurJvm);
    const t1 = Date.now();
    process.kill(demo.npm.pid!, 'SIGINT');
    const { code } = await exitWithin(demo, 90_000);
    console.log(
      `demo: SIGINT to npm during stack up (${pids.length} JVMs started) → exit ${code} after ${((Date.now() - t1) / 1000).toFixed(1)} s`,
    );
    const out = demo.output();
    expect(out).toContain('stopping (SIGINT)');
    expect(out).not.toMatch(/demo failed/);
    expect(code).toBe(130);
    expect(pids.filter(isOurJvm)).toEqual([]);
    expect(recordedPids().filter(isOurJvm)).toEqual([]);
  });
});
