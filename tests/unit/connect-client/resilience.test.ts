// Failover, retries with back-off, timeouts and the per-dispatch budget.

import { ConnectApiError } from '../../../charm/managers/connect-errors';
import { REBALANCE_READ_MESSAGE, REBALANCE_WRITE_MESSAGE, type FakeConnect } from '../../../tools/testkit/fake-connect';
import { attempts, deadEndpoint, makeClient, mm2Config, startAuthedFake, thrown } from './helpers';

const LIST = 'GET /connectors\\?expand=status&expand=info';

describe('ConnectClient failover', () => {
  let live: FakeConnect;
  let other: FakeConnect | null = null;
  beforeEach(async () => {
    live = await startAuthedFake();
  });
  afterEach(async () => {
    await live.stop();
    await other?.stop();
    other = null;
  });

  test('a refused endpoint is skipped and the live one is remembered for the rest of the dispatch', async () => {
    const dead = await deadEndpoint();
    const { client, logs } = makeClient([dead, live.url]);
    await client.listConnectors();
    expect(logs.map((l) => l.line)).toEqual([
      expect.stringMatching(new RegExp(`^${LIST} → connection refused after \\d+ ms via ${dead}$`)),
      expect.stringMatching(new RegExp(`^${LIST} → 200 in \\d+ ms via ${live.url}$`)),
    ]);
    logs.length = 0;
    await client.listConnectors();
    // Straight to the endpoint that worked: no second visit to the dead one.
    expect(logs.map((l) => l.line)).toEqual([expect.stringMatching(new RegExp(`→ 200 in \\d+ ms via ${live.url}$`))]);
    expect(live.requests).toHaveLength(2);
    client.close();
  });

  test('every endpoint down → one clear unreachable error naming each, after 2 rounds', async () => {
    const dead1 = await deadEndpoint();
    const dead2 = await deadEndpoint();
    const { client, sleeps, logs } = makeClient([dead1, dead2]);
    const err = await thrown(() => client.putConnectorConfig('x', mm2Config()));
    expect(err).toBeInstanceOf(ConnectApiError);
    expect(err).toMatchObject({ kind: 'unreachable', retries: 1 });
    const message = (err as Error).message;
    expect(message).toContain('all 2 Kafka Connect endpoints are unreachable');
    expect(message).toContain(`${dead1}: connection refused`);
    expect(message).toContain(`${dead2}: connection refused`);
    expect(message).toContain('check that the Kafka Connect units are up');
    expect(attempts(logs)).toBe(4);
    expect(sleeps).toHaveLength(1);
    client.close();
  });

  test('down, then up again on the same port', async () => {
    const { client } = makeClient([live.url]);
    await live.goDown();
    expect(await thrown(() => client.listConnectors())).toMatchObject({ kind: 'unreachable' });
    await live.goUp();
    expect((await client.listConnectors()).size).toBe(0);
    client.close();
  });

  test('a reset connection is retried (alone) or failed over (with a second worker)', async () => {
    live.resetNextConnections(1);
    const single = makeClient([live.url]);
    await single.client.listConnectors();
    expect(single.logs[0]?.line).toMatch(/connection reset/);
    expect(attempts(single.logs)).toBe(2);
    expect(single.sleeps).toHaveLength(1);
    single.client.close();

    other = await startAuthedFake();
    live.resetNextConnections(1);
    const pair = makeClient([live.url, other.url]);
    await pair.client.listConnectors();
    expect(pair.logs[1]?.line).toMatch(new RegExp(`→ 200 in \\d+ ms via ${other.url}$`));
    expect(attempts(pair.logs)).toBe(2);
    expect(pair.sleeps).toHaveLength(0);
    pair.client.close();
  });

  test('a hanging endpoint times out (requestTimeoutMs) and the next one answers', async () => {
    other = await startAuthedFake();
    live.setHanging(true);
    const { client, logs } = makeClient([live.url, other.url], { requestTimeoutMs: 150 });
    await client.listConnectors();
    expect(logs[0]?.line).toMatch(new RegExp(`^${LIST} → no answer within 150 ms after \\d+ ms via `));
    expect(logs[1]?.line).toMatch(new RegExp(`via ${other.url}$`));
    client.close();
  });

  test('a lone hanging endpoint → kind timeout', async () => {
    live.setHanging(true);
    const { client } = makeClient([live.url], { requestTimeoutMs: 100 });
    const err = await thrown(() => client.listConnectors());
    expect(err).toMatchObject({ kind: 'timeout' });
    expect((err as Error).message).toContain('no answer within 100 ms');
    client.close();
  });

  test('503 (worker starting) fails over to a ready worker', async () => {
    other = await startAuthedFake();
    live.injectResponse({ status: 503, body: { error_code: 503, message: 'Worker is still starting up.' }, times: 5 });
    const { client } = makeClient([live.url, other.url]);
    expect((await client.listConnectors()).size).toBe(0);
    expect(other.requests).toHaveLength(1);
    client.close();
  });
});

describe('ConnectClient retries', () => {
  let fake: FakeConnect;
  beforeEach(async () => {
    fake = await startAuthedFake();
  });
  afterEach(async () => {
    await fake.stop();
  });

  test('409 during a rebalance is retried with growing jittered back-off, then succeeds', async () => {
    fake.setRebalancing({ requests: 3 });
    const { client, sleeps, logs } = makeClient([fake.url]);
    const result = await client.putConnectorConfig('mm2', mm2Config());
    expect(result.created).toBe(true);
    expect(fake.requests.map((r) => r.status)).toEqual([409, 409, 409, 201]);
    // random() = 0.5 → 3/4 of each ceiling: 250, 500, 1000 ms ceilings.
    expect(sleeps).toEqual([187.5, 375, 750]);
    expect(attempts(logs)).toBe(4);
    expect(logs.filter((l) => l.level === 'warning').map((l) => l.line)[0]).toBe(
      `PUT /connectors/mm2/config: 409 rebalance in progress: ${REBALANCE_WRITE_MESSAGE} (${fake.url}); retry 1/9 in 188 ms`,
    );
    client.close();
  });

  test('back-off is capped at 2 s and jitter stays within [d/2, d]', async () => {
    fake.setRebalancing({ requests: 7 });
    const low = makeClient([fake.url], { random: () => 0 });
    await low.client.pauseConnector('nope').catch((e: unknown) => e);
    expect(low.sleeps).toEqual([125, 250, 500, 1000, 1000, 1000, 1000]);
    low.client.close();
    fake.setRebalancing({ requests: 7 });
    const high = makeClient([fake.url], { random: () => 0.999999 });
    await high.client.pauseConnector('nope').catch((e: unknown) => e);
    expect(high.sleeps.map(Math.round)).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000]);
    high.client.close();
  });

  test('500 "rebalance is expected" on a read is retried', async () => {
    fake.addConnector('a', mm2Config());
    fake.setRebalancing({ requests: 1 });
    const { client, logs } = makeClient([fake.url]);
    expect([...(await client.listConnectors()).keys()]).toEqual(['a']);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(logs.filter((l) => l.level === 'warning').map((l) => l.line)).toEqual([
      expect.stringContaining(`500 server error: ${REBALANCE_READ_MESSAGE}`),
    ]);
    client.close();
  });

  test('500 "Request timed out" is retried for reads but not for writes (which may have landed)', async () => {
    const timedOut = {
      status: 500,
      body: {
        error_code: 500,
        message: 'Request timed out. The worker is currently ensuring membership in the cluster, which began at 2024-10-01T10:00:00Z',
      },
    };
    fake.injectResponse({ ...timedOut, method: 'GET' });
    const { client, sleeps } = makeClient([fake.url]);
    expect((await client.listConnectors()).size).toBe(0);
    expect(sleeps).toHaveLength(1);

    fake.injectResponse({ ...timedOut, method: 'PUT' });
    const err = await thrown(() => client.putConnectorConfig('w', mm2Config()));
    expect(err).toMatchObject({ kind: 'timeout', status: 500, retries: 0 });
    expect((err as Error).message).toContain('the change may still be applied');
    expect(fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
    client.close();
  });

  test('other 500s are not retried → kind server', async () => {
    fake.injectResponse({ status: 500, body: { error_code: 500, message: 'java.lang.NullPointerException' } });
    const { client } = makeClient([fake.url]);
    const err = await thrown(() => client.listConnectors());
    expect(err).toMatchObject({ kind: 'server', status: 500, retries: 0 });
    expect((err as Error).message).toBe(
      `Kafka Connect at ${fake.url} failed to list connectors with status (500): java.lang.NullPointerException`,
    );
    client.close();
  });

  test('maxAttempts bounds the retries', async () => {
    fake.setRebalancing(true);
    const { client } = makeClient([fake.url], { backoff: { maxAttempts: 3 } });
    const err = await thrown(() => client.deleteConnector('x'));
    expect(err).toMatchObject({ kind: 'conflict', status: 409, retries: 2 });
    expect((err as Error).message).toMatch(
      /^gave up trying to delete connector 'x' after 3 attempts in \d+ ms \(last: 409 rebalance in progress: Cannot complete request momentarily .*\); Kafka Connect is rebalancing; the next hook will try again$/,
    );
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(3);
    client.close();
  });
});

describe('ConnectClient budget', () => {
  let fake: FakeConnect;
  beforeEach(async () => {
    fake = await startAuthedFake();
  });
  afterEach(async () => {
    await fake.stop();
  });

  /** A clock that only moves when the client sleeps. */
  function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void> } {
    let t = 1_000_000;
    return { now: () => t, sleep: async (ms) => void (t += ms) };
  }

  test('endless rebalancing → gives up before sleeping past the budget, with a clear error', async () => {
    fake.setRebalancing(true);
    const clock = fakeClock();
    const { client } = makeClient([fake.url], { ...clock, random: () => 1, totalBudgetMs: 3_000 });
    const err = await thrown(() => client.putConnectorConfig('mm2', mm2Config()));
    // Sleeps of 250 + 500 + 1000 = 1750 ms; the next 2000 ms would overrun 3000 ms.
    expect(err).toMatchObject({ kind: 'conflict', status: 409, retries: 3 });
    expect((err as Error).message).toContain("gave up trying to write the config of connector 'mm2' after 4 attempts in 1.8 s");
    expect((err as Error).message).toContain('the REST budget of 3.0 s for this hook is spent');
    expect(fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(4);
    client.close();
  });

  test('the budget spans the whole instance: once spent, calls fail without a request', async () => {
    fake.setRebalancing(true);
    const clock = fakeClock();
    const { client } = makeClient([fake.url], { ...clock, random: () => 1, totalBudgetMs: 1_000 });
    await thrown(() => client.pauseConnector('a'));
    fake.setRebalancing(false);
    const before = fake.requests.length;
    // 1000 - (250 + 500) = 250 ms left: one more attempt fits; then it is spent.
    await client.listConnectors();
    await clock.sleep(300);
    const err = await thrown(() => client.listConnectors());
    expect(err).toMatchObject({ kind: 'timeout' });
    expect((err as Error).message).toContain('the REST budget of 1.0 s for this hook is spent');
    expect(fake.requests.length).toBe(before + 1);
    client.close();
  });

  test('the per-attempt timeout never exceeds what is left of the budget', async () => {
    fake.setHanging(true);
    const { client, logs } = makeClient([fake.url], { requestTimeoutMs: 5_000, totalBudgetMs: 300, sleep: async () => undefined });
    const started = Date.now();
    const err = await thrown(() => client.listConnectors());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toMatchObject({ kind: 'timeout' });
    expect(logs[0]?.line).toMatch(/no answer within (2\d\d|300) ms/);
    client.close();
  });
});
