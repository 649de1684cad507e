// A single-class Java checker (tools/*/…Check.java) compiled once into a private per-user cache
// directory, then run over a batch of inputs in one JVM: each input goes in as one line of its
// UTF-16 code units in hex, each answer comes back as one line. Shared by the Java-regex and the
// JAAS oracles of the differential unit tests.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** `s` as 4 hex digits per UTF-16 code unit (what the checkers read). */
export const hexUtf16 = (s: string): string =>
  [...Array(s.length).keys()].map((i) => s.charCodeAt(i).toString(16).padStart(4, '0')).join('');

export const unhexUtf16 = (h: string): string => {
  let out = '';
  for (let i = 0; i + 4 <= h.length; i += 4) out += String.fromCharCode(parseInt(h.slice(i, i + 4), 16));
  return out;
};

export interface JavaChecker {
  /** The .java file; its class name is the file name. */
  source: string;
  /** javac's `-cp` (e.g. the kafka-clients jar). */
  compileClasspath?: string;
  /** java's `-cp` besides the compiled class directory (e.g. every jar of the Kafka libs). */
  runClasspath?: string;
  /** The cache directory's name under the OS temp dir (a per-user subdirectory is added). */
  cacheName: string;
}

function compiled(checker: JavaChecker, className: string): string {
  const hash = createHash('sha256')
    .update(fs.readFileSync(checker.source))
    .update(checker.compileClasspath ?? '')
    .digest('hex')
    .slice(0, 16);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = path.join(os.tmpdir(), `${checker.cacheName}-${uid}`, hash);
  if (fs.existsSync(path.join(dir, `${className}.class`))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), 'build-'));
  const cp = checker.compileClasspath !== undefined ? ['-cp', checker.compileClasspath] : [];
  const r = spawnSync('javac', [...cp, '-d', staging, checker.source], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
  try {
    fs.renameSync(staging, dir);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true }); // another run won the race
  }
  return dir;
}

/** One answer line per input, in order (one JVM for the batch). */
export function runJavaChecker(checker: JavaChecker, inputs: readonly string[]): string[] {
  const className = path.basename(checker.source, '.java');
  const dir = compiled(checker, className);
  const cp = checker.runClasspath !== undefined ? `${dir}${path.delimiter}${checker.runClasspath}` : dir;
  const r = spawnSync('java', ['-cp', cp, className], {
    input: inputs.map(hexUtf16).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${className} failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.split('\n').slice(0, inputs.length);
  if (lines.length !== inputs.length) throw new Error(`${className} answered ${lines.length} of ${inputs.length}`);
  return lines;
}
