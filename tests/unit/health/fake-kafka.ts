// In-process stand-in for the charm's Kafka admin client (charm/managers/kafka-admin.ts), one per
// cluster alias: topics with partition end offsets, the newest record timestamp per topic,
// brokers, consumer groups, and injectable failures (auth, unreachable, a hang).
import { KafkaProbeError, type KafkaAdminPort, type KafkaAdminSpec } from '../../../charm/managers/kafka-admin';
import type { AdminFactory } from '../../../charm/events/health-check';

export interface FakeCluster {
  brokers: number;
  /** topic → end offset per partition */
  topics: Map<string, number[]>;
  newest: Map<string, number>;
  /** group → `topic:partition` → committed offset */
  groups: Map<string, Map<string, number>>;
  groupStates: Map<string, { state: string; members: number }>;
  fail?: 'auth' | 'unreachable';
  /** Never answers (the budget must cut it). */
  hang?: boolean;
  /** Usernames/passwords seen by the factory. */
  seen: KafkaAdminSpec[];
}

export function fakeCluster(): FakeCluster {
  return { brokers: 1, topics: new Map(), newest: new Map(), groups: new Map(), groupStates: new Map(), seen: [] };
}

export function fakeAdminFactory(clusters: Record<string, FakeCluster>, now: () => number = Date.now): AdminFactory {
  return (spec, deadline) => {
    const c = clusters[spec.alias];
    if (!c) throw new Error(`no fake cluster ${spec.alias}`);
    c.seen.push(spec);
    const gate = async <T>(what: string, f: () => T): Promise<T> => {
      if (c.hang) {
        const left = deadline() - now();
        await new Promise((r) => setTimeout(r, Math.max(0, left)));
        throw new KafkaProbeError('timeout', spec.alias, `${what} on ${spec.alias} did not answer within ${left} ms (health budget)`);
      }
      if (c.fail === 'auth')
        throw new KafkaProbeError('auth', spec.alias, `${what} on ${spec.alias} failed: SASL/SCRAM authentication failed`);
      if (c.fail === 'unreachable')
        throw new KafkaProbeError('unreachable', spec.alias, `${what} on ${spec.alias} failed: cannot connect to any broker`);
      return f();
    };
    const port: KafkaAdminPort = {
      topicPartitions: (topics) =>
        gate('listing topics', () => new Map([...c.topics].filter(([n]) => !topics || topics.includes(n)).map(([n, p]) => [n, p.length]))),
      brokerCount: () => gate('reading the cluster metadata', () => c.brokers),
      endOffsets: (parts) =>
        gate('reading end offsets', () => {
          const m = new Map<string, number>();
          for (const p of parts) {
            const ends = c.topics.get(p.topic);
            if (ends && ends[p.partition] !== undefined) m.set(`${p.topic}:${p.partition}`, ends[p.partition]!);
          }
          return m;
        }),
      newestTimestamp: (topic) => gate(`reading the newest record of ${topic}`, () => c.newest.get(topic)),
      groupOffsets: (groups) => gate('reading consumer-group offsets', () => new Map(groups.map((g) => [g, c.groups.get(g) ?? new Map()]))),
      groupStates: (groups) =>
        gate('describing consumer groups', () => new Map(groups.map((g) => [g, c.groupStates.get(g) ?? { state: 'Empty', members: 0 }]))),
      listGroups: () => gate('listing consumer groups', () => [...c.groups.keys()].sort()),
      close: async () => undefined,
    };
    return port;
  };
}
