// TLS on every link of the real stack: both clusters' SASL_SSL listeners and Connect's https REST
// API, with certificates from the CA tools/kafka/stack.sh generates. The providers are driven
// through their config only (bootstrap-servers / endpoints, tls, tls-ca), so the scenarios hold for
// any provider implementation that keeps those option names. Records are counted value by value
// across every change (lost = 0; duplicates reported: MirrorMaker 2 is at-least-once).
import { createTopic, endpointOf, produceMessages, type KafkaEndpoint } from '../../tools/stack/kafka-traffic';
import { producedValues, topicValues } from '../../tools/stack/kafka-values';
import * as fs from 'node:fs';
import { readStackInfo, resetConnect, rotateCa, stackCaPem, type StackInfo } from '../../tools/stack/real-stack';
import { FAST_INTERVALS, MirrorWorld, pollUntil, stackProfile } from '../../tools/stack/mirror-world';
import { describeWithStack } from './e2e-state';
import { realStackEnv } from './real-stack-env';

jest.setTimeout(240_000);

const RUN = Date.now().toString(36);
const figures: Record<string, unknown> = {};

describeWithStack()('TLS on the real stack (SASL_SSL brokers, https Connect)', () => {
  let stack: StackInfo;
  let charmFile: string;
  let src: KafkaEndpoint;
  let world: MirrorWorld | undefined;

  beforeAll(async () => {
    ({ charmFile, stack, src } = await realStackEnv());
  });

  afterEach(async () => {
    // each scenario owns its deployment: its connectors go with it
    await world?.deleteOurConnectors().catch(() => undefined);
    await world?.close();
    world = undefined;
    // A connector client speaking SASL_PLAINTEXT to a TLS port reads the TLS alert as a ~336 MiB
    // frame size and the worker dies of OutOfMemoryError, again at every start while that config is
    // stored. Reset the shared worker (empty internal topics) so the next scenarios and files run.
    if (!(await connectAlive())) {
      figures.connectResetAfter = [...((figures.connectResetAfter as string[] | undefined) ?? []), expect.getState().currentTestName];
      stack = await resetConnect(stackProfile('e2e'));
    }
  }, 180_000);

  async function connectAlive(): Promise<boolean> {
    const info = await readStackInfo(stackProfile('e2e'));
    if (info.connect.pid === null) return false;
    try {
      process.kill(info.connect.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** The worker's log names an OutOfMemoryError (what a SASL_PLAINTEXT client on a TLS port causes). */
  function workerDiedOfOom(): boolean {
    try {
      return /OutOfMemoryError/.test(fs.readFileSync(stack.connect.log, 'utf8').slice(-4000));
    } catch {
      return false;
    }
  }

  afterAll(() => {
    console.log(`tls e2e figures: ${JSON.stringify(figures)}`);
  });

  /**
   * Which stack cluster each `<side>.cluster.*` of a connector config names: the heartbeat connector
   * runs the flow's reverse pair (it emits into the flow's source), so its sides are swapped.
   */
  function sides(c: Record<string, string>, s: StackInfo): (readonly ['source' | 'target', StackInfo['kafkaA']])[] {
    const reversed = c['connector.class'] === 'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector';
    return [
      ['source', reversed ? s.kafkaB : s.kafkaA],
      ['target', reversed ? s.kafkaA : s.kafkaB],
    ];
  }

  /**
   * Connector configs whose security settings disagree (the TLS port with SASL_PLAINTEXT, the plain
   * port with SASL_SSL, SASL_SSL without a truststore): the charm must never write one.
   */
  async function inconsistentConnectors(w: MirrorWorld, s: StackInfo): Promise<string[]> {
    const bad: string[] = [];
    for (const n of await w.ourConnectors()) {
      const c = await w.connectorConfig(n);
      for (const [side, cluster] of sides(c, s)) {
        const servers = c[`${side}.cluster.bootstrap.servers`];
        const protocol = c[`${side}.cluster.security.protocol`];
        const tlsPort = servers === cluster.tlsBootstrapServers;
        if (
          (tlsPort && protocol !== 'SASL_SSL') ||
          (!tlsPort && protocol === 'SASL_SSL') ||
          (protocol === 'SASL_SSL' && !c[`${side}.cluster.ssl.truststore.certificates`])
        ) {
          bad.push(
            `${n}: ${side}.cluster.bootstrap.servers=${servers} with security.protocol=${protocol}${protocol === 'SASL_SSL' && !c[`${side}.cluster.ssl.truststore.certificates`] ? ' and no truststore' : ''}`,
          );
        }
      }
    }
    return bad;
  }

  /** Polls until our connectors are all on TLS with `caPem`, failing at the first inconsistent write seen. */
  async function waitForTlsConnectors(w: MirrorWorld, s: StackInfo, caPem: string, what: string): Promise<void> {
    const seen: string[] = [];
    await pollUntil(
      async () => {
        if (!(await connectAlive())) {
          seen.push(
            `the Connect worker died${workerDiedOfOom() ? ' of OutOfMemoryError (a connector client on a TLS port without SASL_SSL)' : ''} after the charm's writes`,
          );
          return true;
        }
        await w.lm.updateStatus();
        const bad = await inconsistentConnectors(w, s);
        if (bad.length > 0) {
          seen.push(...bad);
          return true;
        }
        try {
          await expectConnectorsOnTls(w, s, caPem);
          return true;
        } catch (e) {
          // pollUntil reports the last of these when it times out
          const st = w.status();
          throw new Error(`${(e as Error).message.split('\n').slice(0, 6).join(' ')}; unit ${st.status}: ${st.message}`);
        }
      },
      what,
      120_000,
      1_000,
    );
    expect(seen).toEqual([]);
  }

  /** Every connector of ours talks SASL_SSL to both clusters' TLS ports and trusts exactly `caPem`. */
  async function expectConnectorsOnTls(w: MirrorWorld, s: StackInfo, caPem: string): Promise<void> {
    const names = await w.ourConnectors();
    expect(names).toHaveLength(3);
    for (const n of names) {
      const c = await w.connectorConfig(n);
      for (const [side, cluster] of sides(c, s)) {
        expect(c[`${side}.cluster.bootstrap.servers`]).toBe(cluster.tlsBootstrapServers);
        expect(c[`${side}.cluster.security.protocol`]).toBe('SASL_SSL');
        expect(c[`${side}.cluster.ssl.truststore.type`]).toBe('PEM');
        expect(c[`${side}.cluster.ssl.truststore.certificates`]?.trim()).toBe(caPem.trim());
      }
    }
  }

  /** Waits until the target holds every produced value; returns the accounting. */
  async function allMirrored(topic: string, expected: string[], what: string) {
    const tgt = endpointOf(stack.kafkaB, 'admin');
    return pollUntil(
      async () => {
        const v = await topicValues(tgt, topic, expected);
        return v.missingCount === 0 ? v : undefined;
      },
      `${expected.length} ${what} records on kafka-b ${topic}`,
      120_000,
      1_000,
    );
  }

  test('TLS on from the start: every link verified with the stack CA, N records cross', async () => {
    const t0 = Date.now();
    const topic = `tls-start-${RUN}`;
    world = await MirrorWorld.create({
      charmFile,
      stack,
      tls: { kafka: true, connect: true },
      config: { ...FAST_INTERVALS, topics: topic },
    });
    await createTopic(src, topic, { partitions: 2 });
    await world.integrateAll();
    const active = await world.waitForActive(120_000);
    expect(active.message).toMatch(/3 connectors RUNNING/);
    await expectConnectorsOnTls(world, stack, stackCaPem(stack));
    const N = 200;
    await produceMessages(src, topic, N, { prefix: 'tls-start' });
    const v = await allMirrored(topic, producedValues('tls-start', N), 'TLS');
    expect(v.missingCount).toBe(0);
    figures.startWithTls = { produced: N, mirrored: v.distinct, duplicated: v.duplicates, seconds: (Date.now() - t0) / 1000 };
  });

  test('CA rotated: the stack re-issues every certificate, the providers hand out the new CA, nothing lost', async () => {
    const t0 = Date.now();
    const topic = `tls-rotate-${RUN}`;
    world = await MirrorWorld.create({
      charmFile,
      stack,
      tls: { kafka: true, connect: true },
      config: { ...FAST_INTERVALS, topics: topic },
    });
    await createTopic(src, topic, { partitions: 2 });
    await world.integrateAll();
    await world.waitForActive(120_000);
    const oldCa = stackCaPem(stack);
    const before = 150;
    await produceMessages(src, topic, before, { prefix: 'ca1' });
    await allMirrored(topic, producedValues('ca1', before), 'pre-rotation');

    const tRotate = Date.now();
    stack = await rotateCa(stackProfile('e2e'));
    const newCa = stackCaPem(stack);
    expect(newCa).not.toBe(oldCa);
    // records produced while the connectors still trust only the old CA
    const during = 100;
    await produceMessages(src, topic, during, { prefix: 'ca-gap' });
    await world.configureProviders(stack, { kafka: true, connect: true });
    await waitForTlsConnectors(world, stack, newCa, 'connectors trusting the new CA');
    await world.waitForActive(120_000);
    const rotateSeconds = (Date.now() - tRotate) / 1000;
    const after = 150;
    await produceMessages(src, topic, after, { prefix: 'ca2' });
    const expected = [...producedValues('ca1', before), ...producedValues('ca-gap', during), ...producedValues('ca2', after)];
    const v = await allMirrored(topic, expected, 'pre/during/post-rotation');
    expect(v.missingCount).toBe(0);
    figures.caRotation = {
      produced: expected.length,
      mirrored: v.distinct,
      duplicated: v.duplicates,
      generation: stack.tls.generation,
      rotateSeconds,
      seconds: (Date.now() - t0) / 1000,
    };
  });
  test('TLS turned on after integration: connectors move to SASL_SSL and https, nothing lost', async () => {
    const t0 = Date.now();
    const topic = `tls-later-${RUN}`;
    world = await MirrorWorld.create({ charmFile, stack, config: { ...FAST_INTERVALS, topics: topic } });
    await createTopic(src, topic, { partitions: 2 });
    await world.integrateAll();
    await world.waitForActive(120_000);
    const before = 150;
    await produceMessages(src, topic, before, { prefix: 'plain' });
    await allMirrored(topic, producedValues('plain', before), 'plain');

    const tSwitch = Date.now();
    await world.configureProviders(stack, { kafka: true, connect: true });
    await waitForTlsConnectors(world, stack, stackCaPem(stack), 'connectors on SASL_SSL with the stack CA');
    await world.waitForActive(120_000);
    const switchSeconds = (Date.now() - tSwitch) / 1000;
    const after = 150;
    await produceMessages(src, topic, after, { prefix: 'tls' });
    const v = await allMirrored(topic, [...producedValues('plain', before), ...producedValues('tls', after)], 'plain + TLS');
    expect(v.missingCount).toBe(0);
    expect(world.lm.history.filter((h) => !h.ok)).toEqual([]);
    figures.tlsAfterIntegration = {
      produced: before + after,
      mirrored: v.distinct,
      duplicated: v.duplicates,
      switchSeconds,
      seconds: (Date.now() - t0) / 1000,
    };
  });
});
