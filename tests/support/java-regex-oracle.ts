// Runs real java.util.regex.Pattern.compile on a batch of patterns (tools/java-regex/JavaRegexCheck.java,
// compiled once into a private per-user cache directory). Used by the differential unit test.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SOURCE = path.resolve(__dirname, '../../tools/java-regex/JavaRegexCheck.java');

export interface JavaVerdict {
  ok: boolean;
  description?: string;
  index?: number;
}

/** True when `java` and `javac` can be run. */
export function javaAvailable(): boolean {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  const javac = spawnSync('javac', ['-version'], { stdio: 'ignore' });
  return java.status === 0 && javac.status === 0;
}

function compiledCheckerDir(): string {
  const source = fs.readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = path.join(os.tmpdir(), `tscharm-java-regex-${uid}`, hash);
  if (fs.existsSync(path.join(dir, 'JavaRegexCheck.class'))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), 'build-'));
  const r = spawnSync('javac', ['-d', staging, SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
  try {
    fs.renameSync(staging, dir);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true }); // another run won the race
  }
  return dir;
}

const encode = (p: string): string => {
  let out = '';
  for (let i = 0; i < p.length; i++) out += p.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
};

/** Java's verdict for each pattern, in order (one JVM for the whole batch). */
export function javaCompileVerdicts(patterns: readonly string[]): JavaVerdict[] {
  const dir = compiledCheckerDir();
  const r = spawnSync('java', ['-cp', dir, 'JavaRegexCheck'], {
    input: patterns.map(encode).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`JavaRegexCheck failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.split('\n').slice(0, patterns.length);
  if (lines.length !== patterns.length) throw new Error(`JavaRegexCheck answered ${lines.length} of ${patterns.length}`);
  return lines.map((line) => {
    if (line === 'OK') return { ok: true };
    const [, description, index] = line.split('\t');
    return { ok: false, description, index: Number(index) };
  });
}
