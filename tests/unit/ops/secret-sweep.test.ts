// Secret temp dirs (secret-add/secret-set content) left behind by a hook killed mid-write are
// swept at the next dispatch: only this user's, only when their creating process is gone (or they
// are older than 10 minutes), never a symlink, never another live hook's.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CharmBase, runCharm, type Framework } from '../../../lib/ops';
import { sweepStaleSecretDirs } from '../../../lib/ops/backend';
import { FakeJuju, hookEnv, Output, testMeta } from './fake-juju';

/** The pid of a process that has exited (killed with SIGKILL, as Juju kills a hook on timeout). */
async function killedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 50));
  const pid = child.pid!;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return pid;
}

function leftBehind(base: string, pid: number | null): string {
  const dir = fs.mkdtempSync(path.join(base, pid === null ? 'tscharm-secret-' : `tscharm-secret-${pid}-`));
  fs.writeFileSync(path.join(dir, 'v0'), 'the-secret-content', { mode: 0o600 });
  return dir;
}

describe('sweepStaleSecretDirs', () => {
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-test-'));
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it("removes a killed hook's dir at once, keeps a live process's and a recent legacy one", async () => {
    const dead = leftBehind(base, await killedPid());
    const live = leftBehind(base, process.ppid);
    const legacy = leftBehind(base, null);
    const other = fs.mkdtempSync(path.join(base, 'unrelated-'));
    const removed = sweepStaleSecretDirs(base);
    expect(removed).toEqual([path.basename(dead)]);
    expect(fs.existsSync(dead)).toBe(false);
    for (const d of [live, legacy, other]) expect(fs.existsSync(d)).toBe(true);
    // after ten minutes a pid can no longer be trusted (reuse): both go, the unrelated dir stays
    expect(sweepStaleSecretDirs(base, Date.now() + 11 * 60_000).sort()).toEqual([path.basename(legacy), path.basename(live)].sort());
    expect(fs.existsSync(other)).toBe(true);
  });

  it('never follows or removes a symlink', async () => {
    const target = fs.mkdtempSync(path.join(base, 'target-'));
    fs.writeFileSync(path.join(target, 'keep'), 'x');
    const link = path.join(base, `tscharm-secret-${await killedPid()}-link`);
    fs.symlinkSync(target, link);
    expect(sweepStaleSecretDirs(base, Date.now() + 3600_000)).toEqual([]);
    expect(fs.existsSync(path.join(target, 'keep'))).toBe(true);
  });
});

describe('the next dispatch sweeps', () => {
  class C extends CharmBase {
    constructor(fw: Framework) {
      super(fw);
    }
  }
  it('a dispatch removes what a killed hook left in $TMPDIR', async () => {
    const dir = leftBehind(os.tmpdir(), await killedPid());
    const out = new Output();
    expect(
      await runCharm(C, {
        env: hookEnv('config-changed'),
        runner: new FakeJuju(),
        meta: testMeta(),
        stdout: out.stdout,
        stderr: out.stderr,
      }),
    ).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
