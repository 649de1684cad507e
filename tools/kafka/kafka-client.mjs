// What the test-traffic workers share (tools/kafka/kafka-traffic-worker.mjs and
// tools/kafka/kafka-values-worker.mjs): @platformatic/kafka clients over SASL/SCRAM, topic
// partitions and offsets, and reading a topic up to given offsets. Plain ESM, run by plain `node`.
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';

export const LATEST = -1n;
export const EARLIEST = -2n;

/** Client options for `endpoint` ({bootstrapServers, username, password, mechanism?}). */
export function clientOptions(endpoint, clientId) {
  return {
    clientId,
    bootstrapBrokers: endpoint.bootstrapServers.split(',').map((s) => s.trim()),
    sasl: { mechanism: endpoint.mechanism ?? 'SCRAM-SHA-512', username: endpoint.username, password: endpoint.password },
    connectTimeout: 10000,
    retries: 5,
    retryDelay: 500,
  };
}

/** Runs `fn` with an Admin client, closed afterwards. */
export async function withAdmin(endpoint, fn, clientId = 'traffic-admin') {
  const admin = new Admin(clientOptions(endpoint, clientId));
  try {
    return await fn(admin);
  } finally {
    await admin.close().catch(() => {});
  }
}

export async function partitionsOf(admin, topic) {
  // checked first: a metadata request for a missing topic is retried as a transient error
  const names = await admin.listTopics({ includeInternals: true });
  if (!names.includes(topic)) throw new Error(`topic ${topic} not found`);
  const md = await admin.metadata({ topics: [topic], forceUpdate: true });
  const t = md.topics.get(topic);
  if (!t) throw new Error(`topic ${topic} not found`);
  return Array.from({ length: t.partitionsCount }, (_, i) => i);
}

/** partition → offset at `timestamp` (EARLIEST or LATEST), as bigint. */
export async function offsetsAt(admin, topic, partitions, timestamp) {
  const res = await admin.listOffsets({
    topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp })) }],
  });
  const out = new Map();
  for (const t of res) for (const p of t.partitions) out.set(p.partitionIndex, p.offset);
  return out;
}

/**
 * Reads `topic` from the beginning with a throwaway group (autocommit off) and calls `onMessage`
 * for every record up to and including `pending`'s last offset per partition (a Map it empties).
 */
export async function readUpTo(endpoint, { clientId, groupId, topic, pending }, onMessage) {
  const consumer = new Consumer({
    ...clientOptions(endpoint, clientId),
    groupId,
    deserializers: stringDeserializers,
    maxWaitTime: 500,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    for await (const message of stream) {
      const last = pending.get(message.partition);
      if (last === undefined || message.offset > last) continue;
      onMessage(message);
      if (message.offset === last) pending.delete(message.partition);
      if (pending.size === 0) break;
    }
    await stream.close().catch(() => {});
  } finally {
    await consumer.close(true).catch(() => {});
  }
}
