// Wall and CPU time of one child process from the kernel (bench/rusage.py: wait4's rusage,
// microsecond resolution), so every benchmark measures its commands and their `node -e 0`
// baseline through the same wrapper.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../tools/stack/mirror-world';

/** The interpreter itself, not a version-manager shim (a shell script that would add its own cost). */
const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

/** Prefix a command with this and `-o <file>`: `[...RUSAGE_COMMAND, '-o', out, cmd, ...args]`. */
export const RUSAGE_COMMAND: readonly [string, string] = [PYTHON, path.join(REPO_ROOT, 'bench', 'rusage.py')];

export interface Usage {
  readonly wallMs: number;
  /** user + system */
  readonly cpuMs: number;
  readonly maxRssKb: number;
}

/** What rusage.py wrote to `file`. */
export function readUsage(file: string): Usage {
  const u = JSON.parse(fs.readFileSync(file, 'utf8')) as { wallMs: number; userMs: number; sysMs: number; maxRssKb: number };
  return { wallMs: u.wallMs, cpuMs: u.userMs + u.sysMs, maxRssKb: u.maxRssKb };
}
