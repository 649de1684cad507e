// Parses sasl.jaas.config values with Kafka's own parser (org.apache.kafka.common.security.JaasConfig
// from the kafka-clients jar in tools/kafka/libs-<version>) via tools/jaas/JaasParseCheck.java,
// compiled once into a private per-user cache directory. Used by the JAAS differential unit test.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runJavaChecker, unhexUtf16 } from './java-checker';

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

/** Kafka's reading of each value, in order (one JVM for the batch). */
export function kafkaJaasVerdicts(values: readonly string[], jar: string): JaasVerdict[] {
  const lines = runJavaChecker(
    { source: SOURCE, compileClasspath: jar, runClasspath: path.join(path.dirname(jar), '*'), cacheName: 'tscharm-jaas-check' },
    values,
  );
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
          options[o.slice(0, eq)] = unhexUtf16(o.slice(eq + 1));
        }
        return { module: module!, flag: flag!, options };
      });
    return { ok: true, entries };
  });
}
