// Smoke test of the real local stack (tools/kafka/stack.sh): two SCRAM KRaft clusters and a Kafka
// Connect worker from Maven Central jars. Needs java + mvn; with CI=true a missing tool or a stack
// that will not start FAILS the run (never skips). The stack (profile "e2e") is shared by every e2e
// file: tests/e2e/global-setup.ts starts it, global-teardown.ts stops it (and checks nothing is left).
import axios from 'axios';
import { spawnSync } from 'node:child_process';
import {
  consumeAndCommit,
  countMessages,
  createTopic,
  describeCluster,
  endpointOf,
  produceMessages,
} from '../../tools/stack/kafka-traffic';
import { StackInfo, connectAuthHeader, startStack } from '../../tools/stack/real-stack';
import { stackProfile } from '../../tools/stack/mirror-world';
import { readE2EState } from './e2e-state';

const MIRROR_CONNECTORS = [
  'org.apache.kafka.connect.mirror.MirrorCheckpointConnector',
  'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector',
  'org.apache.kafka.connect.mirror.MirrorSourceConnector',
];

function onPath(cmd: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = ['java', 'mvn', 'curl'].filter((c) => !onPath(c));
const inCI = process.env.CI === 'true';
if (missing.length > 0 && !inCI) {
  console.warn(`SKIPPING real-stack e2e: ${missing.join(', ')} not on PATH (with CI=true this fails)`);
}
const setup = readE2EState();
if (!setup.ok && missing.length === 0 && !inCI) console.warn(`SKIPPING real-stack e2e: ${setup.reason} (with CI=true this fails)`);
const describeStack = (missing.length > 0 || !setup.ok) && !inCI ? describe.skip : describe;

jest.setTimeout(120_000);

describeStack('real Kafka + Connect stack (tools/kafka/stack.sh)', () => {
  let stack: StackInfo;
  const log = (l: string) => process.env.STACK_VERBOSE && console.log(l);

  beforeAll(async () => {
    if (missing.length > 0) {
      throw new Error(`CI=true but ${missing.join(', ')} not on PATH: the real-stack e2e tests cannot run`);
    }
    // a no-op when globalSetup already started it (it normally has)
    stack = await startStack({ ...stackProfile('e2e'), log });
  }, 15 * 60_000);

  test('stack.json describes three running processes on 127.0.0.1', () => {
    expect(stack.kafkaA.bootstrapServers).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(stack.kafkaB.bootstrapServers).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(stack.kafkaA.bootstrapServers).not.toBe(stack.kafkaB.bootstrapServers);
    for (const pid of [stack.kafkaA.pid, stack.kafkaB.pid, stack.connect.pid]) {
      expect(typeof pid).toBe('number');
      expect(() => process.kill(pid as number, 0)).not.toThrow();
    }
  });

  test('Connect REST is up behind basic auth, backed by kafka-b, with the MirrorMaker connectors', async () => {
    const auth = { Authorization: connectAuthHeader(stack) };
    const health = await axios.get(`${stack.connect.url}/health`, { headers: auth });
    expect(health.status).toBe(200);
    expect(health.data.status).toBe('healthy');

    const root = await axios.get(`${stack.connect.url}/`, { headers: auth });
    expect(root.data.kafka_cluster_id).toBe(stack.kafkaB.clusterId);
    expect(root.data.version).toBe(stack.kafkaVersion);

    const plugins = await axios.get<{ class: string }[]>(`${stack.connect.url}/connector-plugins`, { headers: auth });
    expect(plugins.data.map((p) => p.class)).toEqual(expect.arrayContaining(MIRROR_CONNECTORS));

    const anonymous = await axios.get(`${stack.connect.url}/health`, { validateStatus: () => true });
    expect(anonymous.status).toBe(401);
    const wrong = await axios.get(`${stack.connect.url}/health`, {
      validateStatus: () => true,
      auth: { username: stack.connect.username, password: 'not-the-password' },
    });
    expect(wrong.status).toBe(401);
  });

  test('both clusters accept SCRAM-SHA-512 for admin and mm2, and reject a wrong password', async () => {
    for (const cluster of [stack.kafkaA, stack.kafkaB]) {
      for (const user of ['admin', 'mm2'] as const) {
        const d = await describeCluster(endpointOf(cluster, user));
        expect(d.clusterId).toBe(cluster.clusterId);
        expect(d.brokers).toEqual([cluster.bootstrapServers]);
      }
    }
    const bad = { ...endpointOf(stack.kafkaA, 'mm2'), password: 'wrong-password' };
    await expect(describeCluster(bad, { timeoutMs: 30_000 })).rejects.toThrow(/SASL authentication failed/);
  });

  test('round trip on kafka-a: produce N, count N, a group commits k', async () => {
    const ep = endpointOf(stack.kafkaA, 'mm2');
    const topic = `smoke-${Date.now()}`;
    expect(await createTopic(ep, topic, { partitions: 2 })).toEqual({ created: true });
    expect(await createTopic(ep, topic, { partitions: 2 })).toEqual({ created: false });

    expect(await produceMessages(ep, topic, 40, { prefix: 'smoke' })).toBe(40);
    expect(await countMessages(ep, topic)).toBe(40);

    const group = `smoke-group-${Date.now()}`;
    const first = await consumeAndCommit(ep, topic, group, 7);
    expect(first.consumed).toBe(7);
    expect(first.firstValues.every((v) => v.startsWith('smoke-'))).toBe(true);
    expect(first.committed.reduce((n, c) => n + Math.max(c.offset, 0), 0)).toBe(7);

    // the group resumes from its commits
    const second = await consumeAndCommit(ep, topic, group, 3);
    expect(second.consumed).toBe(3);
    expect(second.committed.reduce((n, c) => n + Math.max(c.offset, 0), 0)).toBe(10);

    // nothing leaked to the other cluster
    await expect(countMessages(endpointOf(stack.kafkaB), topic)).rejects.toThrow(/not found/);
  });
});
