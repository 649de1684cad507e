// Reads a topic from the beginning to its current end offsets and reports how many records were
// read, how many distinct values, and which of the expected values are missing. One operation per
// process, JSON over stdio (same protocol as tools/kafka/kafka-traffic-worker.mjs; jest cannot load
// @platformatic/kafka, so tests/support/kafka-values.ts runs this with plain `node`).
// stdin:  {"endpoint": {...}, "params": {"topic": "...", "expected": ["v1", ...]}, "timeoutMs": 60000}
// stdout: {"ok": true, "result": {"count", "distinct", "duplicates", "missing": [...first 20], "missingCount"}}
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';

function clientOptions(endpoint, clientId) {
  return {
    clientId,
    bootstrapBrokers: endpoint.bootstrapServers.split(',').map((s) => s.trim()),
    sasl: { mechanism: endpoint.mechanism ?? 'SCRAM-SHA-512', username: endpoint.username, password: endpoint.password },
    connectTimeout: 10000,
    retries: 5,
    retryDelay: 500,
  };
}

async function endOffsets(endpoint, topic) {
  const admin = new Admin(clientOptions(endpoint, 'values-admin'));
  try {
    const names = await admin.listTopics({ includeInternals: true });
    if (!names.includes(topic)) throw new Error(`topic ${topic} not found`);
    const md = await admin.metadata({ topics: [topic], forceUpdate: true });
    const partitions = Array.from({ length: md.topics.get(topic).partitionsCount }, (_, i) => i);
    const at = async (timestamp) => {
      const res = await admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp })) }] });
      const m = new Map();
      for (const t of res) for (const p of t.partitions) m.set(p.partitionIndex, p.offset);
      return m;
    };
    const start = await at(-2n);
    const end = await at(-1n);
    return partitions.map((p) => ({ partition: p, start: start.get(p), end: end.get(p) }));
  } finally {
    await admin.close().catch(() => {});
  }
}

async function values(endpoint, { topic, expected = [] }) {
  const parts = await endOffsets(endpoint, topic);
  const pending = new Map(parts.filter((p) => p.end > p.start).map((p) => [p.partition, p.end - 1n]));
  const seen = new Map();
  let count = 0;
  if (pending.size > 0) {
    const consumer = new Consumer({
      ...clientOptions(endpoint, 'values-reader'),
      groupId: `values-${process.pid}-${Date.now()}`,
      deserializers: stringDeserializers,
      maxWaitTime: 500,
    });
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      for await (const message of stream) {
        const last = pending.get(message.partition);
        if (last === undefined || message.offset > last) continue;
        count++;
        seen.set(message.value, (seen.get(message.value) ?? 0) + 1);
        if (message.offset === last) pending.delete(message.partition);
        if (pending.size === 0) break;
      }
      await stream.close().catch(() => {});
    } finally {
      await consumer.close(true).catch(() => {});
    }
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
