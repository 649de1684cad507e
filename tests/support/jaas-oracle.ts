// Parses sasl.jaas.config values with Kafka's own parser (org.apache.kafka.common.security.JaasConfig
// from the kafka-clients jar in tools/kafka/libs-<version>) via tools/jaas/JaasParseCheck.java,
// compiled once into a private per-user cache directory. Used by the JAAS differential unit test.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const SOURCE = path.join(REPO, 'tools/jaas/JaasParseCheck.java');

/**
 * The kafka-clients jar of the stack's Kafka version. When it is not fetched yet and `fetch` is
 * set (CI on a clean clone runs the unit tests before the e2e setup fetches the stack), runs
 * `tools/kafka/stack.sh fetch` (Maven Central; the e2e suite reuses what it downloads).
 */
export function kafkaClientsJar(fetch = false): string | undefined {
  const found = findClientsJar();
  if (found || !fetch) return found;
  const r = spawnSync('bash', [path.join(REPO, 'tools/kafka/stack.sh'), 'fetch'], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error(`tools/kafka/stack.sh fetch failed (${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  return findClientsJar();
}

function findClientsJar(): string | undefined {
  const kafkaDir = path.join(REPO, 'tools/kafka');
  if (!fs.existsSync(kafkaDir)) return undefined;
  for (const d of fs
    .readdirSync(kafkaDir)
    .filter((n) => n.startsWith('libs-'))
    .sort()
    .reverse()) {
    const jar = fs.readdirSync(path.join(kafkaDir, d)).find((f) => /^kafka-clients-[\d.]+\.jar$/.test(f));
    if (jar) return path.join(kafkaDir, d, jar);
  }
  return undefined;
}

export interface JaasEntry {
  module: string;
  flag: string;
  options: Record<string, string>;
}
export type JaasVerdict = { ok: true; entries: JaasEntry[] } | { ok: false; message: string };

const hex = (s: string): string => [...Array(s.length).keys()].map((i) => s.charCodeAt(i).toString(16).padStart(4, '0')).join('');
const unhex = (h: string): string => {
  let out = '';
  for (let i = 0; i + 4 <= h.length; i += 4) out += String.fromCharCode(parseInt(h.slice(i, i + 4), 16));
  return out;
};

function compiled(jar: string): string {
  const hash = createHash('sha256').update(fs.readFileSync(SOURCE)).update(jar).digest('hex').slice(0, 16);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = path.join(os.tmpdir(), `tscharm-jaas-check-${uid}`, hash);
  if (fs.existsSync(path.join(dir, 'JaasParseCheck.class'))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), 'build-'));
  const r = spawnSync('javac', ['-cp', jar, '-d', staging, SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
  try {
    fs.renameSync(staging, dir);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** Kafka's reading of each value, in order (one JVM for the batch). */
export function kafkaJaasVerdicts(values: readonly string[], jar: string): JaasVerdict[] {
  const dir = compiled(jar);
  const r = spawnSync('java', ['-cp', `${dir}${path.delimiter}${path.join(path.dirname(jar), '*')}`, 'JaasParseCheck'], {
    input: values.map(hex).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`JaasParseCheck failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.split('\n').slice(0, values.length);
  if (lines.length !== values.length) throw new Error(`JaasParseCheck answered ${lines.length} of ${values.length}`);
  return lines.map((line): JaasVerdict => {
    const [status, a, b] = line.split('\t');
    if (status !== 'OK') return { ok: false, message: a ?? '' };
    const entries = (b ?? '')
      .split('|')
      .filter((e) => e !== '' && Number(a) > 0)
      .map((e) => {
        const [module, flag, ...opts] = e.split(' ');
        const options: Record<string, string> = {};
        for (const o of opts) {
          const eq = o.indexOf('=');
          options[o.slice(0, eq)] = unhex(o.slice(eq + 1));
        }
        return { module: module!, flag: flag!, options };
      });
    return { ok: true, entries };
  });
}
