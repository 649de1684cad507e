// The integrator against the providers on Canonical's relation library (tools/provider-charms-py),
// on the real stack, for the two ways the real charms' publishing broke it:
// 1. Charmed Kafka Connect already serving https at integration sends NO secret-tls, so no CA: the
//    charm says exactly what to integrate (receive-ca-cert), and a certificate_transfer provider
//    then gives it the CA. Connect's https is a TLS front (tests/support/https-proxy.ts) for the
//    stack's worker, with a CA made by the test.
// 2. Charmed Kafka 3 (data_interfaces v0) turning TLS on writes the new endpoints in its databag and
//    tls=enabled in secret-tls in the same hook; the requirer sees relation-changed first. Every
//    connector config the charm PUT (recorded by the front) must pair the endpoints with their
//    security protocol: none with the TLS endpoints and SASL_PLAINTEXT.
// Figures (records produced / mirrored / duplicated, PUT counts) go to stderr.
import * as path from 'node:path';
import { createTopic, produceMessages, retainedRecords, waitForMessageCount, type KafkaEndpoint } from '../../tools/stack/kafka-traffic';
import type { StackInfo } from '../../tools/stack/real-stack';
import { APP, CONNECT_APP, FAST_INTERVALS, MirrorWorld, REPO_ROOT, SOURCE_APP, pollUntil } from '../../tools/stack/mirror-world';
import { startHttpsProxy, type HttpsProxy, type RecordedPut } from '../support/https-proxy';
import { tlsFixtures } from '../support/tls-fixtures';
import { describeWithStack } from './e2e-state';
import { realStackEnv } from './real-stack-env';

jest.setTimeout(240_000);

const RUN = Date.now().toString(36);
const topicName = (what: string) => `e2e-prov-${what}-${RUN}`;
const CA_APP = 'ca';

/** prefix → {bootstrap.servers, security.protocol, has truststore} of every cluster in a config. */
function clusterSettings(
  config: Record<string, string>,
): { prefix: string; servers: string; protocol: string | undefined; truststore: boolean }[] {
  return Object.keys(config)
    .filter((k) => k.endsWith('bootstrap.servers'))
    .map((k) => {
      const prefix = k.slice(0, -'bootstrap.servers'.length);
      return {
        prefix,
        servers: config[k]!,
        protocol: config[`${prefix}security.protocol`],
        truststore: config[`${prefix}ssl.truststore.certificates`] !== undefined,
      };
    });
}

function figures(label: string, values: Record<string, number>): void {
  process.stderr.write(
    `providers e2e [${label}]: ${Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`,
  );
}

describeWithStack()('integrator on the real-library providers (Python ops + dpcharmlibs-interfaces)', () => {
  let stack: StackInfo;
  let charmFile: string;
  let proxy: HttpsProxy;
  let src: KafkaEndpoint;
  let tgt: KafkaEndpoint;
  /** Each scenario deploys its own model (closed after it), mirroring only its own topic. */
  let world: MirrorWorld | undefined;

  beforeAll(async () => {
    const env = await realStackEnv();
    ({ stack, src, tgt, charmFile } = env);
    const fx = tlsFixtures();
    proxy = await startHttpsProxy(stack.connect.url, { certPem: fx.serverCertPem, keyPem: fx.serverKeyPem });
  }, 300_000);

  afterEach(async () => {
    await world?.close();
    world = undefined;
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
  });

  /** A model with the providers as Charmed Kafka 3 (v0) on both clusters and Connect already on https. */
  async function deploy(topic: string): Promise<MirrorWorld> {
    await createTopic(src, topic, { partitions: 1 });
    world = await MirrorWorld.create({
      charmFile,
      stack,
      config: { ...FAST_INTERVALS, topics: topic },
      kafkaConfig: { 'kafka-version': '3' },
      connectConfig: { endpoints: proxy.url, 'tls-ca': tlsFixtures().caPem },
    });
    return world;
  }

  /** What an operator does for an https Connect: a certificate_transfer provider on receive-ca-cert. */
  async function integrateCa(w: MirrorWorld): Promise<void> {
    await w.lm.deploy(path.join(REPO_ROOT, 'tools', 'provider-charms-py', 'ca-transfer'), {
      app: CA_APP,
      config: { certificates: tlsFixtures().caPem },
    });
    await w.lm.integrate(`${APP}:receive-ca-cert`, CA_APP);
  }

  test('Connect already on https at integration: no secret-tls; Blocked names receive-ca-cert; a certificate_transfer CA → Active, records cross', async () => {
    const topic = topicName('ca');
    const world = await deploy(topic);
    const puts0 = proxy.puts.length;
    await world.integrateAll();
    const relation = world.lm.model.relations.find((r) => r.id === world.relations['connect-client'])!;
    const published = relation.appData[CONNECT_APP]!;
    expect(published['endpoints']).toBe(proxy.url);
    expect(published['secret-user']).toMatch(/^secret:/);
    expect(published['secret-tls']).toBeUndefined(); // what Charmed Kafka Connect does
    // the source (Kafka 3, v0): secret-tls from the start, tls-ca the word, not a CA
    const source = world.lm.model.relations.find((r) => r.id === world.relations.source)!.appData[SOURCE_APP]!;
    expect(Object.keys(source).sort()).toEqual(['data', 'endpoints', 'secret-tls', 'secret-user', 'topic']);

    const blocked = await world.waitForStatus(
      (s) => s.status === 'blocked' && /receive-ca-cert/.test(s.message),
      'Blocked naming receive-ca-cert',
      60_000,
    );
    expect(blocked.message).toContain(`juju integrate ${APP}:receive-ca-cert`);
    expect(proxy.puts.slice(puts0)).toEqual([]);

    await integrateCa(world);
    const active = await world.waitForActive(120_000);
    expect(active.message).toMatch(/3 connectors RUNNING/);
    expect(world.lm.history.filter((h) => !h.ok)).toEqual([]);

    const N = 40;
    expect(await produceMessages(src, topic, N, { prefix: 'ca' })).toBe(N);
    const seen = await waitForMessageCount(tgt, topic, N, { timeoutMs: 90_000 });
    expect(seen.count).toBe(N);
    figures('https Connect via receive-ca-cert', {
      produced: N,
      mirrored: seen.count,
      duplicated: seen.count - N,
      puts: proxy.puts.length - puts0,
    });
  });

  test('Kafka 3 turns TLS on later: no connector is ever written with the TLS endpoints and SASL_PLAINTEXT', async () => {
    const topic = topicName('tls-later');
    const world = await deploy(topic);
    await world.integrateAll();
    await integrateCa(world);
    await world.waitForActive(120_000);
    let produced = await produceMessages(src, topic, 20, { prefix: 'plain' });
    await waitForMessageCount(tgt, topic, produced, { timeoutMs: 90_000 });
    const plainServers = stack.kafkaA.bootstrapServers;
    // A "TLS listener" address: nothing has to answer there, the PUTs are what is checked.
    const tlsServers = `127.0.0.1:${Number(plainServers.split(':').pop()) + 7}`;
    const before = proxy.puts.length;
    await world.lm.config(SOURCE_APP, { tls: 'enabled', 'bootstrap-servers': tlsServers });
    const withTls = (p: RecordedPut) => clusterSettings(p.config).some((c) => c.servers === tlsServers);
    await pollUntil(
      async () => {
        await world.lm.updateStatus();
        return proxy.puts.slice(before).filter(withTls).length >= 2 ? true : undefined;
      },
      'connectors written with the TLS endpoints',
      60_000,
      1_000,
    );
    const written = proxy.puts.slice(before);
    const inconsistent = written.filter((p) =>
      clusterSettings(p.config).some(
        (c) => (c.servers === tlsServers && c.protocol !== 'SASL_SSL') || (c.servers === plainServers && c.protocol !== 'SASL_PLAINTEXT'),
      ),
    );
    figures('Kafka 3 TLS on', {
      puts: written.length,
      withTlsEndpoints: written.filter(withTls).length,
      inconsistent: inconsistent.length,
    });
    expect(inconsistent.map((p) => p.name)).toEqual([]);

    // back to the plaintext listener: mirroring resumes, nothing lost
    await world.lm.config(SOURCE_APP, { tls: 'disabled', 'bootstrap-servers': plainServers });
    await world.waitForActive(120_000);
    const N = 30;
    produced += await produceMessages(src, topic, N, { prefix: 'back' });
    const seen = await waitForMessageCount(tgt, topic, produced, { timeoutMs: 90_000 });
    const retained = await retainedRecords(tgt, topic);
    figures('after TLS off again', { produced, mirrored: seen.count, duplicated: retained - produced });
    expect(seen.count).toBeGreaterThanOrEqual(produced);
  });
});
