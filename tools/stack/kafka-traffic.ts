// Real Kafka traffic for e2e tests and demos: create topics, produce N records, count records,
// consume with a group and commit. Uses @platformatic/kafka (SASL/SCRAM-SHA-512) through
// tools/kafka/kafka-traffic-worker.mjs in a plain `node` child process, because the package is
// ESM-only and jest's module system cannot load it. No test-framework imports.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { KafkaClusterInfo } from './real-stack';

export interface KafkaEndpoint {
  /** comma-separated host:port list */
  bootstrapServers: string;
  username: string;
  password: string;
  mechanism?: 'SCRAM-SHA-512' | 'SCRAM-SHA-256';
}

export interface PartitionOffsets {
  partition: number;
  /** earliest offset */
  start: number;
  /** log end offset (next offset to be written) */
  end: number;
}

export interface GroupCommitResult {
  consumed: number;
  /** up to the first 10 values read, in order */
  firstValues: string[];
  /** the group's committed offset per partition afterwards (-1 = none) */
  committed: { partition: number; offset: number }[];
}

export interface TrafficOptions {
  /** per operation; default 60 s */
  timeoutMs?: number;
}

/** Client endpoint for one of the stack's clusters, as its admin (default) or mm2 user. */
export function endpointOf(cluster: KafkaClusterInfo, user: 'admin' | 'mm2' = 'admin'): KafkaEndpoint {
  const u = cluster[user];
  return { bootstrapServers: cluster.bootstrapServers, username: u.username, password: u.password, mechanism: cluster.saslMechanism };
}

/** tools/kafka/kafka-traffic-worker.mjs; override with KAFKA_TRAFFIC_WORKER when bundled elsewhere. */
export function trafficWorkerPath(): string {
  return process.env.KAFKA_TRAFFIC_WORKER ?? path.resolve(__dirname, '..', '..', 'tools', 'kafka', 'kafka-traffic-worker.mjs');
}

type WorkerReply = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * Run one request through a Kafka client worker script (a plain `node` child process speaking one
 * JSON request on stdin and one JSON reply line on stdout). `label` names the operation in errors;
 * the endpoint's password is redacted from the worker's stderr.
 */
export function callKafkaWorker<T>(worker: string, request: object, endpoint: KafkaEndpoint, timeoutMs: number, label: string): Promise<T> {
  // cwd = repo root so the worker resolves @platformatic/kafka from the project's node_modules
  const root = process.env.TSCHARM_REPO_ROOT ?? path.resolve(__dirname, '..', '..');
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, [worker], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5_000);
    child.on('error', (e) => {
      clearTimeout(killer);
      reject(new Error(`${label}: cannot start ${process.execPath}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      const last = out.trim().split('\n').pop() ?? '';
      let reply: WorkerReply | undefined;
      try {
        reply = JSON.parse(last) as WorkerReply;
      } catch {
        reply = undefined;
      }
      if (reply?.ok) resolve(reply.result as T);
      else {
        const why = reply && !reply.ok ? reply.error : `exit ${code}, no reply; stderr: ${redact(err, endpoint).slice(-2000)}`;
        reject(new Error(`${label} on ${endpoint.bootstrapServers} as ${endpoint.username} failed: ${why}`));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

function runWorker<T>(op: string, endpoint: KafkaEndpoint, params: object, opts: TrafficOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return callKafkaWorker<T>(trafficWorkerPath(), { op, endpoint, params, timeoutMs }, endpoint, timeoutMs, `kafka traffic ${op}`);
}

function redact(text: string, endpoint: KafkaEndpoint): string {
  return endpoint.password ? text.split(endpoint.password).join('<redacted>') : text;
}

/** Authenticated metadata call; resolves with the cluster id and the advertised brokers. */
export function describeCluster(ep: KafkaEndpoint, opts?: TrafficOptions): Promise<{ clusterId: string; brokers: string[] }> {
  return runWorker('describeCluster', ep, {}, opts);
}

export function listTopics(ep: KafkaEndpoint, opts?: TrafficOptions): Promise<string[]> {
  return runWorker('listTopics', ep, {}, opts);
}

/** Creates the topic unless it exists; `created` says which. */
export function createTopic(
  ep: KafkaEndpoint,
  topic: string,
  spec: { partitions?: number; replicationFactor?: number } = {},
  opts?: TrafficOptions,
): Promise<{ created: boolean }> {
  return runWorker('createTopic', ep, { topic, ...spec }, opts);
}

/** Produces `count` string records `<prefix>-<i>` (key = value, header seq=i) with acks=all. */
export async function produceMessages(
  ep: KafkaEndpoint,
  topic: string,
  count: number,
  spec: { prefix?: string } = {},
  opts?: TrafficOptions,
): Promise<number> {
  const r = await runWorker<{ produced: number }>('produce', ep, { topic, count, ...spec }, opts);
  return r.produced;
}

export function topicOffsets(ep: KafkaEndpoint, topic: string, opts?: TrafficOptions): Promise<PartitionOffsets[]> {
  return runWorker('offsets', ep, { topic }, opts);
}

/** Records currently retained: sum over partitions of (end - start). Cheap; no consumer group. */
export async function retainedRecords(ep: KafkaEndpoint, topic: string, opts?: TrafficOptions): Promise<number> {
  const parts = await topicOffsets(ep, topic, opts);
  return parts.reduce((n, p) => n + (p.end - p.start), 0);
}

/** Reads the topic from the beginning to its current end and counts the records actually read. */
export async function countMessages(ep: KafkaEndpoint, topic: string, opts?: TrafficOptions): Promise<number> {
  const r = await runWorker<{ count: number }>('count', ep, { topic }, opts);
  return r.count;
}

/**
 * Polls until the topic holds at least `expected` records (it may not exist yet), then counts them
 * by reading. Resolves with the counted total (which may exceed `expected`: callers assert equality)
 * and the time until the first record and until `expected` were seen.
 */
export async function waitForMessageCount(
  ep: KafkaEndpoint,
  topic: string,
  expected: number,
  spec: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<{ count: number; firstSeenMs: number | null; allSeenMs: number }> {
  const timeoutMs = spec.timeoutMs ?? 120_000;
  const intervalMs = spec.intervalMs ?? 500;
  const t0 = Date.now();
  let firstSeenMs: number | null = null;
  let last = 0;
  let lastError = '';
  while (Date.now() - t0 < timeoutMs) {
    try {
      last = await retainedRecords(ep, topic, { timeoutMs: 15_000 });
      lastError = '';
    } catch (e) {
      last = 0; // topic not created yet
      lastError = (e as Error).message;
    }
    if (last > 0 && firstSeenMs === null) firstSeenMs = Date.now() - t0;
    if (last >= expected) {
      const allSeenMs = Date.now() - t0;
      return { count: await countMessages(ep, topic), firstSeenMs, allSeenMs };
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `topic ${topic} on ${ep.bootstrapServers}: ${last} of ${expected} records after ${timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ''}`,
  );
}

/**
 * Joins consumer group `group`, reads `count` records from its committed position (earliest when it
 * has none), commits after each, and returns the group's committed offsets.
 */
export function consumeAndCommit(
  ep: KafkaEndpoint,
  topic: string,
  group: string,
  count: number,
  opts?: TrafficOptions,
): Promise<GroupCommitResult> {
  return runWorker('consumeAndCommit', ep, { topic, group, count }, opts);
}
