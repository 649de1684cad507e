// Shared set-up for the Connect client tests: a fake Connect with basic auth, a client wired to
// it with captured log lines, and an instant (recorded) sleep so retries do not slow the suite.

import net from 'node:net';
import { ConnectClient, type ConnectClientOptions, type ConnectLogLevel } from '../../../charm/managers/connect-client';
import { startFakeConnect, type FakeConnect, type FakeConnectOptions } from '../../../tools/testkit/fake-connect';

export const USER = 'relation-7';
export const PASSWORD = 'Rest-Pa55word-q8Zx';
export const SCRAM_SOURCE_PASSWORD = 'scramSrc-Tq93mV';
export const SCRAM_TARGET_PASSWORD = 'scramTgt-W1x7Kp';

export const MM2_SOURCE = 'org.apache.kafka.connect.mirror.MirrorSourceConnector';

export function jaas(user: string, password: string): string {
  return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`;
}

/** An MM2 source connector config carrying both clusters' SCRAM credentials. */
export function mm2Config(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': MM2_SOURCE,
    'tasks.max': '2',
    'source.cluster.alias': 'src',
    'target.cluster.alias': 'tgt',
    'source.cluster.bootstrap.servers': '127.0.0.1:19092',
    'target.cluster.bootstrap.servers': '127.0.0.1:29092',
    'source.cluster.sasl.jaas.config': jaas('mm2-src', SCRAM_SOURCE_PASSWORD),
    'target.cluster.sasl.jaas.config': jaas('mm2-tgt', SCRAM_TARGET_PASSWORD),
    topics: '.*',
    ...extra,
  };
}

export async function startAuthedFake(options: FakeConnectOptions = {}): Promise<FakeConnect> {
  return startFakeConnect({ auth: { username: USER, password: PASSWORD }, ...options });
}

export interface TestClient {
  client: ConnectClient;
  logs: { level: ConnectLogLevel; line: string }[];
  sleeps: number[];
}

export function makeClient(endpoints: string[], overrides: Partial<ConnectClientOptions> = {}): TestClient {
  const logs: { level: ConnectLogLevel; line: string }[] = [];
  const sleeps: number[] = [];
  const client = new ConnectClient({
    endpoints,
    username: USER,
    password: PASSWORD,
    requestTimeoutMs: 2_000,
    totalBudgetMs: 20_000,
    logger: (level, line) => logs.push({ level, line }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { client, logs, sleeps };
}

/** HTTP attempts the client made, answered or not (one debug line each; retry decisions are warnings). */
export function attempts(logs: readonly { level: ConnectLogLevel; line: string }[]): number {
  return logs.filter((l) => l.level === 'debug').length;
}

/** A 127.0.0.1 URL on which nothing listens (connection refused). */
export async function deadEndpoint(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Runs fn and returns what it threw (fails the test when it does not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err: unknown) {
    return err;
  }
  throw new Error('expected the call to throw');
}
