// Test-traffic worker: one Kafka operation per process, with @platformatic/kafka over SASL/SCRAM.
//
// Why a separate process: @platformatic/kafka is ESM-only. Plain Node 20.19+ can require() it, but
// jest's module system cannot load it (jest.config.js transforms only our own .ts files), so
// tools/stack/kafka-traffic.ts runs this file with plain `node` and talks JSON over stdio.
//
// stdin:  {"op": "...", "endpoint": {"bootstrapServers", "username", "password", "mechanism"},
//          "params": {...}, "timeoutMs": 60000}
// stdout: one line, {"ok": true, "result": ...} or {"ok": false, "error": "..."}
// Passwords never appear in the output.
import { Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { clientOptions, EARLIEST, LATEST, offsetsAt, partitionsOf, readUpTo, withAdmin } from './kafka-client.mjs';

const ops = {
  async describeCluster(endpoint) {
    return withAdmin(endpoint, async (admin) => {
      const md = await admin.metadata({ topics: [] });
      return { clusterId: md.id, brokers: [...md.brokers.values()].map((b) => `${b.host}:${b.port}`) };
    });
  },

  async listTopics(endpoint) {
    return withAdmin(endpoint, (admin) => admin.listTopics({ includeInternals: false }));
  },

  async createTopic(endpoint, { topic, partitions = 1, replicationFactor = 1 }) {
    return withAdmin(endpoint, async (admin) => {
      const existing = await admin.listTopics({ includeInternals: false });
      if (existing.includes(topic)) return { created: false };
      await admin.createTopics({ topics: [topic], partitions, replicas: replicationFactor });
      return { created: true };
    });
  },

  async produce(endpoint, { topic, count, prefix = 'msg', batchSize = 500 }) {
    const producer = new Producer({ ...clientOptions(endpoint, 'traffic-producer'), serializers: stringSerializers });
    try {
      for (let i = 0; i < count; i += batchSize) {
        const messages = [];
        for (let j = i; j < Math.min(count, i + batchSize); j++) {
          messages.push({ topic, key: `${prefix}-${j}`, value: `${prefix}-${j}`, headers: new Map([['seq', String(j)]]) });
        }
        await producer.send({ messages, acks: ProduceAcks.ALL });
      }
      return { produced: count };
    } finally {
      await producer.close().catch(() => {});
    }
  },

  // Per partition [earliest, latest) offsets.
  async offsets(endpoint, { topic }) {
    return withAdmin(endpoint, async (admin) => {
      const partitions = await partitionsOf(admin, topic);
      const start = await offsetsAt(admin, topic, partitions, EARLIEST);
      const end = await offsetsAt(admin, topic, partitions, LATEST);
      return partitions.map((p) => ({ partition: p, start: Number(start.get(p)), end: Number(end.get(p)) }));
    });
  },

  // Reads the topic from the beginning up to the end offsets seen at the start and counts the
  // records actually returned (no commits: a throwaway group with autocommit off).
  async count(endpoint, { topic }) {
    const parts = await ops.offsets(endpoint, { topic });
    const pending = new Map(parts.filter((p) => p.end > p.start).map((p) => [p.partition, BigInt(p.end - 1)]));
    if (pending.size === 0) return { count: 0, partitions: parts };
    let count = 0;
    await readUpTo(
      endpoint,
      { clientId: 'traffic-counter', groupId: `traffic-count-${process.pid}-${Date.now()}`, topic, pending },
      () => count++,
    );
    return { count, partitions: parts };
  },

  // Joins `group`, reads `count` records from the committed position (earliest if none) and commits
  // each one; returns the group's committed offsets afterwards.
  async consumeAndCommit(endpoint, { topic, group, count }) {
    const consumer = new Consumer({
      ...clientOptions(endpoint, 'traffic-group-consumer'),
      groupId: group,
      deserializers: stringDeserializers,
      maxWaitTime: 500,
    });
    let consumed = 0;
    const values = [];
    try {
      if (count > 0) {
        const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
        for await (const message of stream) {
          await message.commit();
          consumed++;
          if (values.length < 10) values.push(message.value);
          if (consumed >= count) break;
        }
        await stream.close().catch(() => {});
      }
      const partitions = await withAdmin(endpoint, (admin) => partitionsOf(admin, topic));
      const committed = await consumer.listCommittedOffsets({ topics: [{ topic, partitions }] });
      const offs = (committed.get(topic) ?? []).map((o, partition) => ({ partition, offset: Number(o) }));
      return { consumed, firstValues: values, committed: offs };
    } finally {
      await consumer.close(true).catch(() => {});
    }
  },
};

// @platformatic/kafka nests the real cause (e.g. "SASL authentication failed") under
// MultipleErrors -> NetworkError -> ...: report each distinct message once, outermost first.
function describeError(err) {
  const seen = [];
  const walk = (e, depth) => {
    if (!e || depth > 6) return;
    const m = e.message ?? String(e);
    if (!seen.includes(m)) seen.push(m);
    for (const x of e.errors ?? []) walk(x, depth + 1);
    if (e.cause) walk(e.cause, depth + 1);
  };
  walk(err, 0);
  return seen.join(' <- ');
}

function redact(text, endpoint) {
  let s = String(text);
  if (endpoint?.password) s = s.split(endpoint.password).join('<redacted>');
  return s;
}

async function main() {
  let raw = '';
  for await (const chunk of process.stdin) raw += chunk;
  const req = JSON.parse(raw);
  const timer = setTimeout(() => {
    process.stdout.write(JSON.stringify({ ok: false, error: `${req.op} timed out after ${req.timeoutMs} ms` }) + '\n');
    process.exit(3);
  }, req.timeoutMs ?? 60000);
  try {
    const op = ops[req.op];
    if (!op) throw new Error(`unknown op ${req.op}`);
    const result = await op(req.endpoint, req.params ?? {});
    process.stdout.write(JSON.stringify({ ok: true, result }) + '\n');
    clearTimeout(timer);
    process.exit(0);
  } catch (err) {
    const detail = describeError(err);
    process.stdout.write(JSON.stringify({ ok: false, error: redact(detail, req.endpoint) }) + '\n');
    process.exit(1);
  }
}

main();
