// Value-level accounting of a topic (what was lost, what was duplicated), for "nothing lost"
// assertions: runs tools/kafka/kafka-values-worker.mjs in a plain node child process, like
// kafka-traffic.ts does (callKafkaWorker). No test-framework imports.
import * as path from 'node:path';
import { callKafkaWorker, type KafkaEndpoint } from './kafka-traffic';

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
  return process.env.KAFKA_VALUES_WORKER ?? path.resolve(__dirname, '..', 'kafka', 'kafka-values-worker.mjs');
}

/** The value of the i-th record produced by kafka-traffic's produceMessages(…, {prefix}). */
export function producedValues(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

export function topicValues(ep: KafkaEndpoint, topic: string, expected: readonly string[] = [], timeoutMs = 90_000): Promise<TopicValues> {
  return callKafkaWorker<TopicValues>(
    valuesWorkerPath(),
    { endpoint: ep, params: { topic, expected }, timeoutMs },
    ep,
    timeoutMs,
    `topic values of ${topic}`,
  );
}
