// tools/kafka/stack.sh's process start and liveness, on stand-in processes (no Kafka): a component
// counts as started only once its child has exec'd java (the marker is in /proc/<pid>/cmdline), so
// a slow fork → exec on a loaded machine is not reported as a dead component, while a child that
// dies before exec is reported at once and a pid without the marker is never taken as ours.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const STACK_SH = path.resolve(__dirname, '..', '..', '..', 'tools', 'kafka', 'stack.sh');

let tmp: string;
let run: string;
let bin: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-start-'));
  run = path.join(tmp, 'run');
  bin = path.join(tmp, 'bin');
  fs.mkdirSync(path.join(run, 'comp'), { recursive: true });
  fs.mkdirSync(bin);
  // `java` stand-in: a long-lived process whose argv carries the marker, as the real JVM's does
  fs.writeFileSync(path.join(bin, 'java'), '#!/bin/bash\necho "fake java up"\nsleep "${FAKE_JAVA_SECONDS:-30}"\n', { mode: 0o755 });
});

afterEach(() => {
  // stop whatever a test left (by the pid it recorded, after checking it is still the stand-in)
  const pidFile = path.join(run, 'comp', 'comp.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`-Dkafka.stack.marker=${run}/comp`)) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Sources stack.sh and runs `script` with its functions; PATH starts with the stand-ins. */
function stackShell(script: string, extraEnv: Record<string, string> = {}) {
  const t0 = Date.now();
  const r = spawnSync('bash', ['-c', `. "${STACK_SH}"\n${script}`], {
    env: { ...process.env, KAFKA_STACK_RUN_DIR: run, KAFKA_STACK_EXEC_TIMEOUT: '20', PATH: `${bin}:${process.env.PATH}`, ...extraEnv },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

describe('stack.sh start_bg / live_pid', () => {
  it('waits for the exec: a component whose fork → exec is slow is live as soon as start_bg returns', () => {
    // nohup stand-in that takes 1.5 s before exec'ing, as a starved shell child does under load
    fs.writeFileSync(path.join(bin, 'nohup'), '#!/bin/bash\nsleep 1.5\nexec /usr/bin/nohup "$@"\n', { mode: 0o755 });
    const r = stackShell(
      `start_bg comp "$RUN/comp/comp.log" -cp x Main\nlive=$(live_pid comp)\necho "live=$live recorded=$(cat "$(pidfile comp)")"`,
    );
    expect(r.stderr).not.toMatch(/exited|ERROR/);
    expect(r.code).toBe(0);
    const m = /live=(\d+) recorded=(\d+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(m![2]);
    expect(r.ms).toBeGreaterThanOrEqual(1400);
  });

  it('reports a child that dies before exec (no java) at once, with its log, and fails', () => {
    // nohup stand-in that cannot run the command, as when java is missing or not executable
    fs.writeFileSync(path.join(bin, 'nohup'), '#!/bin/bash\nsleep 0.3\necho "nohup: failed to run command \'$1\'" >&2\nexit 127\n', {
      mode: 0o755,
    });
    const r = stackShell(`start_bg comp "$RUN/comp/comp.log" -cp x Main && echo STARTED`);
    expect(r.stdout).not.toContain('STARTED');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/comp \(pid \d+\) exited before it ran java/);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('never takes a pid without the marker as the component (pid-marker safety), so never stops it', async () => {
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(run, 'comp', 'comp.pid'), String(stranger.pid));
      const r = stackShell(`echo "live=[$(live_pid comp)]"\nstop_component comp KILL\necho stopped`);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('live=[]');
      expect(() => process.kill(stranger.pid!, 0)).not.toThrow();
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('stop_component stops a started component by its recorded pid', () => {
    const r = stackShell(
      `start_bg comp "$RUN/comp/comp.log" -cp x Main\npid=$(live_pid comp)\nstop_component comp TERM\necho "pid=$pid after=[$(live_pid comp)]"\nkill -0 "$pid" 2>/dev/null && echo STILL || echo GONE`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pid=\d+ after=\[\]/);
    expect(r.stdout).toContain('GONE');
  });
});
