// Value-level accounting of a topic (what was lost, what was duplicated), for "nothing lost"
// assertions: runs tests/support/kafka-values-worker.mjs in a plain node child process, like
// kafka-traffic.ts does. No test-framework imports.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { KafkaEndpoint } from './kafka-traffic';

export interface TopicValues {
  /** records read (start → end offsets at the time of the call) */
  count: number;
  distinct: number;
  /** count - distinct: at-least-once redeliveries */
  duplicates: number;
  /** first 20 expected values not found */
  missing: string[];
  missingCount: number;
}

export function valuesWorkerPath(): string {
  return process.env.KAFKA_VALUES_WORKER ?? path.resolve(__dirname, 'kafka-values-worker.mjs');
}

/** The value of the i-th record produced by kafka-traffic's produceMessages(…, {prefix}). */
export function producedValues(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

export function topicValues(ep: KafkaEndpoint, topic: string, expected: readonly string[] = [], timeoutMs = 90_000): Promise<TopicValues> {
  const worker = valuesWorkerPath();
  const root = process.env.TSCHARM_REPO_ROOT ?? path.resolve(__dirname, '..', '..');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5_000);
    child.on('error', (e) => {
      clearTimeout(killer);
      reject(new Error(`topic values: cannot start node: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        const reply = JSON.parse(last) as { ok: true; result: TopicValues } | { ok: false; error: string };
        if (reply.ok) resolve(reply.result);
        else reject(new Error(`topic values of ${topic} on ${ep.bootstrapServers}: ${reply.error}`));
      } catch {
        const safe = ep.password ? err.split(ep.password).join('<redacted>') : err;
        reject(new Error(`topic values of ${topic}: exit ${code}, no reply; stderr: ${safe.slice(-2000)}`));
      }
    });
    child.stdin.end(JSON.stringify({ endpoint: ep, params: { topic, expected }, timeoutMs }));
  });
}
