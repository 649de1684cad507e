// Reads a topic from the beginning to its current end offsets and reports how many records were
// read, how many distinct values, and which of the expected values are missing. One operation per
// process, JSON over stdio (same protocol as tools/kafka/kafka-traffic-worker.mjs; jest cannot load
// @platformatic/kafka, so tools/stack/kafka-values.ts runs this with plain `node`).
// stdin:  {"endpoint": {...}, "params": {"topic": "...", "expected": ["v1", ...]}, "timeoutMs": 60000}
// stdout: {"ok": true, "result": {"count", "distinct", "duplicates", "missing": [...first 20], "missingCount"}}
import { EARLIEST, LATEST, offsetsAt, partitionsOf, readUpTo, withAdmin } from './kafka-client.mjs';

async function endOffsets(endpoint, topic) {
  return withAdmin(
    endpoint,
    async (admin) => {
      const partitions = await partitionsOf(admin, topic);
      const start = await offsetsAt(admin, topic, partitions, EARLIEST);
      const end = await offsetsAt(admin, topic, partitions, LATEST);
      return partitions.map((p) => ({ partition: p, start: start.get(p), end: end.get(p) }));
    },
    'values-admin',
  );
}

async function values(endpoint, { topic, expected = [] }) {
  const parts = await endOffsets(endpoint, topic);
  const pending = new Map(parts.filter((p) => p.end > p.start).map((p) => [p.partition, p.end - 1n]));
  const seen = new Map();
  let count = 0;
  if (pending.size > 0) {
    await readUpTo(endpoint, { clientId: 'values-reader', groupId: `values-${process.pid}-${Date.now()}`, topic, pending }, (message) => {
      count++;
      seen.set(message.value, (seen.get(message.value) ?? 0) + 1);
    });
  }
  const missing = expected.filter((v) => !seen.has(v));
  return { count, distinct: seen.size, duplicates: count - seen.size, missing: missing.slice(0, 20), missingCount: missing.length };
}

async function main() {
  let raw = '';
  for await (const chunk of process.stdin) raw += chunk;
  const req = JSON.parse(raw);
  const timer = setTimeout(() => {
    process.stdout.write(JSON.stringify({ ok: false, error: `values timed out after ${req.timeoutMs} ms` }) + '\n');
    process.exit(3);
  }, req.timeoutMs ?? 60000);
  try {
    const result = await values(req.endpoint, req.params ?? {});
    process.stdout.write(JSON.stringify({ ok: true, result }) + '\n');
    clearTimeout(timer);
    process.exit(0);
  } catch (err) {
    let msg = String(err?.message ?? err);
    if (req.endpoint?.password) msg = msg.split(req.endpoint.password).join('<redacted>');
    process.stdout.write(JSON.stringify({ ok: false, error: msg }) + '\n');
    process.exit(1);
  }
}

main();
