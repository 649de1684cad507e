// The charm's own Kafka admin client (health check and status action only): topic listings, end
// offsets, the newest heartbeat's timestamp, broker counts and consumer-group offsets, from
// @platformatic/kafka with the relation's SCRAM credentials and, when TLS is on, verified against
// the relation's CA.
//
// Cost and bounds: the client library (~0.5 MB, a WebAssembly module) is required only when the
// first admin is opened, so no other hook pays for it. Every call is bounded by the caller's
// deadline (the health budget of the hook): a call still pending at the deadline is abandoned
// with a 'timeout' error and the connections are closed. Errors are classified (auth, tls,
// unreachable, timeout) and redacted; no password or JAAS text reaches a message.
import type * as PlatformaticKafka from '@platformatic/kafka';
import { redactSecrets } from '../core/redact';

export type KafkaProbeErrorKind = 'auth' | 'tls' | 'unreachable' | 'timeout' | 'other';

export class KafkaProbeError extends Error {
  constructor(
    readonly kind: KafkaProbeErrorKind,
    readonly cluster: string,
    message: string,
  ) {
    super(message);
    this.name = 'KafkaProbeError';
  }
}

export interface KafkaAdminSpec {
  /** The cluster's alias, for messages. */
  alias: string;
  bootstrapServers: readonly string[];
  username: string;
  password: string;
  tlsEnabled: boolean;
  tlsCaPem?: string;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

/** What the health check needs from one cluster (an interface so unit tests can fake it). */
export interface KafkaAdminPort {
  /** Non-internal topic names → partition count (only `topics` when given). */
  topicPartitions(topics?: readonly string[]): Promise<Map<string, number>>;
  brokerCount(): Promise<number>;
  /** `topic:partition` → log end offset. */
  endOffsets(partitions: readonly TopicPartitionRef[]): Promise<Map<string, number>>;
  /** Timestamp (epoch ms) of the record with the largest timestamp in the topic, undefined when empty. */
  newestTimestamp(topic: string, partitions: number): Promise<number | undefined>;
  /** group → `topic:partition` → committed offset. */
  groupOffsets(groups: readonly string[]): Promise<Map<string, Map<string, number>>>;
  /** group → state (Empty, Stable, …) and member count. */
  groupStates(groups: readonly string[]): Promise<Map<string, { state: string; members: number }>>;
  /** Consumer groups on the cluster. */
  listGroups(): Promise<string[]>;
  close(): Promise<void>;
}

/** ListOffsets MAX_TIMESTAMP (KIP-734, Kafka ≥ 3.0): the offset and timestamp of the newest record. */
const MAX_TIMESTAMP = -3n;
const LATEST = -1n;
const CONNECT_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 5_000;

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** Lazily required: the bundle evaluates the library only here. */
function loadKafka(): typeof PlatformaticKafka {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@platformatic/kafka') as typeof PlatformaticKafka;
}

/** Every message of an error tree (@platformatic/kafka nests causes under MultipleErrors). */
function messagesOf(err: unknown, depth = 0, out: string[] = []): string[] {
  if (err === null || typeof err !== 'object' || depth > 6) return out;
  const e = err as { message?: unknown; errors?: unknown; cause?: unknown; code?: unknown };
  if (typeof e.message === 'string' && !out.includes(e.message)) out.push(e.message);
  if (typeof e.code === 'string' && !out.includes(e.code)) out.push(e.code);
  if (Array.isArray(e.errors)) for (const x of e.errors) messagesOf(x, depth + 1, out);
  if (e.cause !== undefined && e.cause !== err) messagesOf(e.cause, depth + 1, out);
  return out;
}

export function classifyKafkaError(err: unknown): { kind: KafkaProbeErrorKind; detail: string } {
  const all = messagesOf(err);
  const text = all.join(' <- ');
  if (/SASL|authenticat|ILLEGAL_SASL_STATE|UNSUPPORTED_SASL/i.test(text))
    return { kind: 'auth', detail: 'SASL/SCRAM authentication failed' };
  if (/CERT|certificate|self[- ]signed|TLS|SSL|handshake/i.test(text))
    return { kind: 'tls', detail: all.find((m) => /CERT|certificate|TLS|SSL/i.test(m)) ?? 'TLS failure' };
  if (/timed? ?out|ETIMEDOUT/i.test(text)) return { kind: 'timeout', detail: 'request timed out' };
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|Cannot connect|Connection to .* failed|closed/i.test(text)) {
    return { kind: 'unreachable', detail: all.find((m) => /ECONN|EHOST|ENOTFOUND/.test(m)) ?? 'cannot connect to any broker' };
  }
  return { kind: 'other', detail: all[0] ?? String(err) };
}

/**
 * A @platformatic/kafka Admin for one cluster, every call bounded by `deadline()` (epoch ms).
 * A failed SASL handshake shows up as "connection failed" around an authentication error; the
 * classification walks the whole error tree.
 */
export class KafkaAdmin implements KafkaAdminPort {
  private readonly admin: PlatformaticKafka.Admin;
  private readonly secrets: string[];

  constructor(
    private readonly spec: KafkaAdminSpec,
    private readonly deadline: () => number,
    extraSecrets: readonly string[] = [],
    private readonly now: () => number = Date.now,
  ) {
    const { Admin } = loadKafka();
    this.secrets = [spec.password, ...extraSecrets];
    const left = Math.max(1, deadline() - now());
    this.admin = new Admin({
      clientId: 'mirrormaker-integrator-health',
      bootstrapBrokers: [...spec.bootstrapServers],
      sasl: { mechanism: 'SCRAM-SHA-512', username: spec.username, password: spec.password },
      ...(spec.tlsEnabled ? { tls: { rejectUnauthorized: true, ...(spec.tlsCaPem ? { ca: spec.tlsCaPem } : {}) } } : {}),
      connectTimeout: Math.min(CONNECT_TIMEOUT_MS, left),
      requestTimeout: Math.min(REQUEST_TIMEOUT_MS, left),
      timeout: Math.min(REQUEST_TIMEOUT_MS, left),
      retries: 0,
      metadataMaxAge: 60_000,
    });
  }

  private async bounded<T>(what: string, run: () => Promise<T>): Promise<T> {
    const left = this.deadline() - this.now();
    if (left <= 0) throw new KafkaProbeError('timeout', this.spec.alias, `health budget spent before ${what} on ${this.spec.alias}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KafkaProbeError(
              'timeout',
              this.spec.alias,
              `${what} on ${this.spec.alias} did not answer within ${left} ms (health budget)`,
            ),
          ),
        left,
      );
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (e) {
      if (e instanceof KafkaProbeError) throw e;
      const { kind, detail } = classifyKafkaError(e);
      throw new KafkaProbeError(kind, this.spec.alias, redactSecrets(`${what} on ${this.spec.alias} failed: ${detail}`, this.secrets));
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async topicPartitions(topics?: readonly string[]): Promise<Map<string, number>> {
    return this.bounded('listing topics', async () => {
      const names = topics ? [...topics] : await this.admin.listTopics({ includeInternals: false });
      const out = new Map<string, number>();
      if (names.length === 0) return out;
      const existing = topics ? new Set(await this.admin.listTopics({ includeInternals: true })) : new Set(names);
      const present = names.filter((n) => existing.has(n));
      if (present.length === 0) return out;
      const md = await this.admin.metadata({ topics: present, forceUpdate: true });
      for (const [name, t] of md.topics) out.set(name, t.partitionsCount);
      return out;
    });
  }

  async brokerCount(): Promise<number> {
    return this.bounded('reading the cluster metadata', async () => (await this.admin.metadata({ topics: [] })).brokers.size);
  }

  async endOffsets(partitions: readonly TopicPartitionRef[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (partitions.length === 0) return out;
    return this.bounded('reading end offsets', async () => {
      const byTopic = new Map<string, number[]>();
      for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
      const res = await this.admin.listOffsets({
        topics: [...byTopic].map(([name, ps]) => ({
          name,
          partitions: ps.map((partitionIndex) => ({ partitionIndex, timestamp: LATEST })),
        })),
      });
      for (const t of res) for (const p of t.partitions) out.set(partitionKey(t.name, p.partitionIndex), Number(p.offset));
      return out;
    });
  }

  async newestTimestamp(topic: string, partitions: number): Promise<number | undefined> {
    return this.bounded(`reading the newest record of ${topic}`, async () => {
      const res = await this.admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: MAX_TIMESTAMP })),
          },
        ],
      });
      let newest: number | undefined;
      for (const t of res) {
        for (const p of t.partitions) {
          // -1 offset: the partition is empty
          if (p.offset < 0n) continue;
          const ts = Number(p.timestamp);
          if (ts > 0 && (newest === undefined || ts > newest)) newest = ts;
        }
      }
      return newest;
    });
  }

  async groupOffsets(groups: readonly string[]): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    if (groups.length === 0) return out;
    return this.bounded('reading consumer-group offsets', async () => {
      const res = await this.admin.listConsumerGroupOffsets({ groups: [...groups] });
      for (const g of res) {
        const m = new Map<string, number>();
        for (const t of g.topics)
          for (const p of t.partitions)
            if (p.committedOffset >= 0n) m.set(partitionKey(t.name, p.partitionIndex), Number(p.committedOffset));
        out.set(g.groupId, m);
      }
      return out;
    });
  }

  async groupStates(groups: readonly string[]): Promise<Map<string, { state: string; members: number }>> {
    const out = new Map<string, { state: string; members: number }>();
    if (groups.length === 0) return out;
    return this.bounded('describing consumer groups', async () => {
      const res = await this.admin.describeGroups({ groups: [...groups] });
      for (const [id, g] of res) out.set(id, { state: String(g.state), members: g.members.size });
      return out;
    });
  }

  async listGroups(): Promise<string[]> {
    return this.bounded('listing consumer groups', async () => [...(await this.admin.listGroups()).keys()].sort());
  }

  /** Closes the connections; never waits more than a second (a hung broker must not hold the hook). */
  async close(): Promise<void> {
    await Promise.race([this.admin.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
  }
}
