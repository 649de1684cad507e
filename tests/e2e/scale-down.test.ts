// Scale-down with traffic flowing, on the real stack: remove the leader of 2 units, or scale
// 3 → 2 → 1 (each scenario scales to where it starts, so any of them runs alone or in any order). Kafka Connect's side (the connect-client provider) deletes every connector of the
// relation whenever a unit of ours departs; the charm must never send a DELETE itself, the
// remaining leader must re-create the connectors (same names, so offsets are kept) within one of
// its hooks, and no record may be lost or copied twice.
//
// Measured: every REST call reaching Connect goes through a counting proxy on 127.0.0.1 (the
// charm names itself in User-Agent), and a monitor polls GET /connectors every 100 ms to time
// the seconds without our connectors per step.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTopic, produceMessages, retainedRecords, waitForMessageCount, type KafkaEndpoint } from '../../tools/stack/kafka-traffic';
import { unitsOf as simUnitsOf } from '../../lib/sim/model';
import type { StackInfo } from '../../tools/stack/real-stack';
import { APP, FAST_INTERVALS, MirrorWorld, sleep } from '../../tools/stack/mirror-world';
import { USER_AGENT } from '../../charm/managers/connect-transport';
import { describeWithStack } from './e2e-state';
import { realStackEnv } from './real-stack-env';

jest.setTimeout(240_000);

const RUN = Date.now().toString(36);
const TOPIC = `e2e-scale-${RUN}`;

interface Seen {
  method: string;
  path: string;
  ours: boolean;
}

/** A pass-through proxy to Connect that records every request. */
async function countingProxy(target: string): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', ours: req.headers['user-agent'] === USER_AGENT });
    const upstream = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls Connect for our connectors; sums the time any of the 3 was missing. */
class OutageMonitor {
  private running = true;
  private missingSince: number | null = null;
  private missingMs = 0;
  private loop: Promise<void>;
  constructor(private readonly world: MirrorWorld) {
    this.loop = this.run();
  }
  private async run(): Promise<void> {
    while (this.running) {
      const t = Date.now();
      const n = (await this.world.ourConnectors().catch(() => [])).length;
      if (n < 3 && this.missingSince === null) this.missingSince = t;
      if (n === 3 && this.missingSince !== null) {
        this.missingMs += t - this.missingSince;
        this.missingSince = null;
      }
      await sleep(100);
    }
  }
  /** Seconds without all connectors since the last call (an ongoing gap counts up to now). */
  take(): number {
    const now = Date.now();
    let ms = this.missingMs;
    if (this.missingSince !== null) {
      ms += now - this.missingSince;
      this.missingSince = now;
    }
    this.missingMs = 0;
    return Math.round(ms / 100) / 10;
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

describeWithStack()('scale-down with traffic flowing', () => {
  let stack: StackInfo;
  let world: MirrorWorld;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let monitor: OutageMonitor;
  let src: KafkaEndpoint;
  let tgt: KafkaEndpoint;
  /** Records produced into TOPIC by every scenario so far: the target must hold exactly these. */
  let produced = 0;
  /** Where this scenario's requests start in proxy.seen. */
  let seenFrom = 0;
  const outages: Record<string, { seconds: number; leaderHooksToRestore: number }> = {};

  beforeAll(async () => {
    const env = await realStackEnv();
    ({ stack, src, tgt } = env);
    proxy = await countingProxy(stack.connect.url);
    // Everyone (our charm and the Connect side's provider) reaches Connect through the proxy.
    world = await MirrorWorld.create({
      charmFile: env.charmFile,
      stack,
      config: { ...FAST_INTERVALS, topics: TOPIC },
      connectConfig: { endpoints: proxy.url },
    });
    await createTopic(src, TOPIC, { partitions: 2 });
    monitor = new OutageMonitor(world);
  }, 300_000);

  beforeEach(async () => {
    await world.ready();
    seenFrom = proxy.seen.length;
  }, 180_000);

  afterAll(async () => {
    await monitor?.stop();
    const ours = proxy?.seen.filter((r) => r.ours) ?? [];
    console.log(
      JSON.stringify({
        outages,
        produced,
        charmRequests: ours.length,
        charmDeletes: ours.filter((r) => r.method === 'DELETE').length,
        charmPuts: ours.filter((r) => r.method === 'PUT' && r.path.endsWith('/config')).length,
        connectSideDeletes: proxy?.seen.filter((r) => !r.ours && r.method === 'DELETE').length,
      }),
    );
    await world?.close();
    await proxy?.close();
  });

  const leader = (): string => world.leaderUnit();
  /** Our units' names, in Juju's order (by unit number). */
  const unitsOf = (): string[] => simUnitsOf(world.lm.model, APP).map((u) => u.name);

  /** Exactly `n` units of ours (adding units, or removing non-leaders), Active. */
  async function scaleTo(n: number): Promise<void> {
    if (unitsOf().length < n) await world.lm.addUnit(APP, n - unitsOf().length);
    while (unitsOf().length > n)
      await world.lm.removeUnit(
        unitsOf()
          .filter((u) => u !== leader())
          .at(-1)!,
      );
    expect(unitsOf()).toHaveLength(n);
    await world.waitForActive();
  }

  /** Produces while `step` runs (traffic flowing), then measures the gap and how many leader hooks restoring took. */
  async function scaleStep(label: string, step: () => Promise<void>): Promise<void> {
    monitor.take();
    const producing = produceMessages(src, TOPIC, 40, { prefix: label });
    await step();
    let leaderHooks = 0;
    // The Connect side deleted on our departure: restored at once, or by the leader's next hook.
    while ((await world.ourConnectors()).length < 3 && leaderHooks < 3) {
      leaderHooks += 1;
      await world.lm.updateStatus();
    }
    produced += await producing;
    const restored = (await world.ourConnectors()).length;
    if (restored !== 3) throw new Error(`${label}: ${restored} of 3 connectors after ${leaderHooks} leader hooks\n${world.explain()}`);
    outages[label] = { seconds: monitor.take(), leaderHooksToRestore: leaderHooks };
    await waitForMessageCount(tgt, TOPIC, produced, { timeoutMs: 60_000 });
  }

  /**
   * This scenario's accounting: the charm sent no DELETE (the Connect side sent at least
   * `connectSideDeletes`, so the scenario tested something), and exactly what was produced arrived:
   * nothing lost, nothing copied twice (and it stays so for 3 s).
   */
  async function expectNoDeleteNothingLostNothingTwice(connectSideDeletes: number): Promise<void> {
    const seen = proxy.seen.slice(seenFrom);
    expect(seen.filter((r) => r.ours && r.method === 'DELETE')).toEqual([]);
    expect(seen.filter((r) => !r.ours && r.method === 'DELETE').length).toBeGreaterThanOrEqual(connectSideDeletes);
    const t0 = Date.now();
    while (Date.now() - t0 < 3_000) {
      expect(await retainedRecords(tgt, TOPIC)).toBe(produced);
      await sleep(500);
    }
  }

  test('2 units, integrated, records cross', async () => {
    await scaleTo(2);
    expect(await world.ourConnectors()).toHaveLength(3);
    produced += await produceMessages(src, TOPIC, 40, { prefix: 'before' });
    await waitForMessageCount(tgt, TOPIC, produced, { timeoutMs: 60_000 });
    await expectNoDeleteNothingLostNothingTwice(0);
  });

  test('remove the leader of 2 units: no DELETE from the charm, restored by the new leader, nothing lost or copied twice', async () => {
    await scaleTo(2);
    const old = leader();
    await scaleStep('remove-leader', () => world.lm.removeUnit(old));
    expect(unitsOf()).toHaveLength(1);
    expect(leader()).not.toBe(old);
    // The new leader's leader-elected restored them within the removal.
    expect(outages['remove-leader']!.leaderHooksToRestore).toBe(0);
    // the Connect side deletes the relation's 3 connectors when a unit departs
    await expectNoDeleteNothingLostNothingTwice(3);
  });

  test('scale 3 → 2 → 1 (non-leaders): no DELETE from the charm, restored within one leader hook each, nothing lost or copied twice', async () => {
    await scaleTo(3);
    for (const label of ['3-to-2', '2-to-1']) {
      const victim = unitsOf()
        .filter((u) => u !== leader())
        .at(-1)!;
      await scaleStep(label, () => world.lm.removeUnit(victim));
      expect(outages[label]!.leaderHooksToRestore).toBeLessThanOrEqual(1);
    }
    expect(unitsOf()).toEqual([leader()]);
    await expectNoDeleteNothingLostNothingTwice(6);
  });
});
