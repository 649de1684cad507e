// The source/target credentials (secret-user, secret-tls) are read only when a connector must be
// written or when the event can have changed them; a steady state compares with them masked.
import { CREDENTIALS_CONFIRMED_AT, CREDENTIALS_RECHECK_MS } from '../../../charm/events/reconciler';
import { runtime } from '../../../charm/events/runtime';
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import { authedFake, deployed, events, expectNoSecrets, fastClient, IDS, NAMES, secrets, SOURCE_PASSWORD, TARGET_PASSWORD, World, writesOf } from './world';

const NEW_SOURCE_PASSWORD = 'srcScram-Rotated-5Tz';
let fake: FakeConnect;
let base: World;
beforeAll(async () => {
  fastClient();
  fake = await authedFake();
  base = await deployed(fake);
  await base.run(events.updateStatus());
});
afterAll(async () => {
  runtime.now = () => Date.now();
  await fake.stop();
});
beforeEach(async () => {
  runtime.now = () => Date.now();
  if (!fake.isUp()) await fake.goUp();
  // Every test starts from the deployed connectors (leader-elected compares in full, so a
  // password an earlier test wrote is put back too).
  await base.clone().run(events.leaderElected());
});

const kafkaSecretReads = (w: World) =>
  w.last.transcript.filter((t) => t.tool === 'secret-get' && !t.args.join(' ').includes('connect-client')).map((t) => t.args[1]);
const jaas = (name: string) => fake.connector(name)!.config['source.cluster.sasl.jaas.config'];
const CONFIRMED_KEY = `charm.${CREDENTIALS_CONFIRMED_AT}`;

describe('deferred Kafka credentials', () => {
  it('a full comparison records when it confirmed Connect; the steady state then reads no Kafka secret', async () => {
    const w = base.clone();
    await w.run(events.relationChanged(w.relation(IDS.source), { appChange: true }));
    expect(kafkaSecretReads(w)).toEqual([`source.${IDS.source}.user.secret`, `source.${IDS.source}.tls.secret`, `target.${IDS.target}.user.secret`]);
    expect(Number(w.state.storedState[CONFIRMED_KEY])).toBeGreaterThan(0);
    const { requests } = await w.runCounting(events.updateStatus());
    expect(kafkaSecretReads(w)).toEqual([]);
    expect(writesOf(requests)).toEqual([]);
    expect(w.last.state.unitStatus.name).toBe('active');
    expectNoSecrets(w);
  });

  it('rotation: secret-changed reads the new revision and PUTs every connector with the new password', async () => {
    const w = base.clone();
    const s = w.state.secrets.find((x) => x.id === secrets.sourceUser.id)!;
    w.replaceSecret({ ...s, latestContent: { username: 'relation-10', password: NEW_SOURCE_PASSWORD }, latestRevision: s.trackedRevision + 1 });
    const { requests } = await w.runCounting(events.secretChanged(w.state.secrets.find((x) => x.id === s.id)!));
    expect(writesOf(requests).map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [NAMES.checkpoint, NAMES.heartbeat, NAMES.source].map((n) => `PUT /connectors/${n}/config`).sort(),
    );
    for (const n of [NAMES.source, NAMES.checkpoint, NAMES.heartbeat]) expect(jaas(n)).toContain(`password="${NEW_SOURCE_PASSWORD}"`);
    // Converged: the next update-status reads no Kafka secret and writes nothing.
    const again = await w.runCounting(events.updateStatus());
    expect(kafkaSecretReads(w)).toEqual([]);
    expect(writesOf(again.requests)).toEqual([]);
    for (const t of w.allTexts()) expect(t).not.toContain(NEW_SOURCE_PASSWORD);
  });

  it('rotation while Connect is down is not lost: later hooks compare in full until it is written', async () => {
    const w = base.clone();
    const s = w.state.secrets.find((x) => x.id === secrets.sourceUser.id)!;
    w.replaceSecret({ ...s, latestContent: { username: 'relation-10', password: NEW_SOURCE_PASSWORD }, latestRevision: s.trackedRevision + 1 });
    await fake.goDown();
    const down = await w.run(events.secretChanged(w.state.secrets.find((x) => x.id === s.id)!));
    expect(down.state.unitStatus.name).toBe('waiting');
    expect(down.state.storedState[CONFIRMED_KEY]).toBeUndefined();
    await fake.goUp();
    const { requests } = await w.runCounting(events.updateStatus());
    expect(kafkaSecretReads(w).length).toBeGreaterThan(0);
    expect(writesOf(requests)).toHaveLength(3);
    expect(jaas(NAMES.source)).toContain(`password="${NEW_SOURCE_PASSWORD}"`);
    expect(Number(w.state.storedState[CONFIRMED_KEY])).toBeGreaterThan(0);
  });

  it('drift of a non-secret key on Connect is repaired on update-status, with the real credentials', async () => {
    const w = base.clone();
    fake.connector(NAMES.source)!.config['tasks.max'] = '7';
    const { requests } = await w.runCounting(events.updateStatus());
    expect(writesOf(requests).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /connectors/${NAMES.source}/config`]);
    expect(kafkaSecretReads(w).length).toBeGreaterThan(0);
    expect(fake.connector(NAMES.source)!.config['tasks.max']).toBe('1');
    expect(jaas(NAMES.source)).toContain(`password="${SOURCE_PASSWORD}"`);
    expect(fake.connector(NAMES.source)!.config['target.cluster.sasl.jaas.config']).toContain(`password="${TARGET_PASSWORD}"`);
    expectNoSecrets(w);
  });

  it('credential keys that disagree between connectors or with producer.override are rewritten', async () => {
    const w = base.clone();
    fake.connector(NAMES.checkpoint)!.config['source.cluster.sasl.jaas.config'] = jaas(NAMES.source).replace(SOURCE_PASSWORD, 'edited-by-hand');
    fake.connector(NAMES.heartbeat)!.config['producer.override.security.protocol'] = 'SASL_SSL';
    const { requests } = await w.runCounting(events.updateStatus());
    // The masked comparison sees the disagreement; the full one rewrites exactly the two that differ.
    expect(writesOf(requests).map((r) => r.path).sort()).toEqual([NAMES.checkpoint, NAMES.heartbeat].map((n) => `/connectors/${n}/config`).sort());
    expect(kafkaSecretReads(w).length).toBeGreaterThan(0);
    expect(jaas(NAMES.checkpoint)).toContain(`password="${SOURCE_PASSWORD}"`);
    expect(fake.connector(NAMES.heartbeat)!.config['producer.override.security.protocol']).toBe('SASL_PLAINTEXT');
  });

  it('the first write after a config change reads the credentials; nothing is ever written from placeholders', async () => {
    const w = base.clone({ config: { topics: 'orders' } });
    const { requests } = await w.runCounting(events.configChanged());
    expect(writesOf(requests)).toHaveLength(2);
    expect(kafkaSecretReads(w).length).toBeGreaterThan(0);
    for (const r of writesOf(requests)) expect(JSON.stringify(r.body)).not.toContain('credential not read');
    expect(jaas(NAMES.source)).toContain(`password="${SOURCE_PASSWORD}"`);
  });

  it('a FAILED task makes the hook read the credentials before restarting (auth problems heal with the real ones)', async () => {
    const w = base.clone();
    fake.failTask(NAMES.source, 0, 'org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed');
    await w.run(events.updateStatus());
    expect(kafkaSecretReads(w).length).toBeGreaterThan(0);
  });

  it('limit: a password edited by hand identically in every connector waits for the hourly full comparison', async () => {
    const w = base.clone();
    for (const n of [NAMES.source, NAMES.checkpoint, NAMES.heartbeat]) {
      fake.connector(n)!.config['source.cluster.sasl.jaas.config'] = jaas(n).replace(SOURCE_PASSWORD, 'edited-by-hand');
    }
    const quiet = await w.runCounting(events.updateStatus());
    expect(writesOf(quiet.requests)).toEqual([]);
    const at = Number(w.state.storedState[CONFIRMED_KEY]);
    runtime.now = () => at + CREDENTIALS_RECHECK_MS;
    const full = await w.runCounting(events.updateStatus());
    expect(writesOf(full.requests)).toHaveLength(3);
    expect(jaas(NAMES.source)).toContain(`password="${SOURCE_PASSWORD}"`);
  });

  it('every hour (and when the clock went backwards) a full comparison runs anyway', async () => {
    const w = base.clone();
    await w.run(events.relationChanged(w.relation(IDS.target), { appChange: true }));
    const at = Number(w.state.storedState[CONFIRMED_KEY]);
    runtime.now = () => at + CREDENTIALS_RECHECK_MS - 1;
    await w.run(events.updateStatus());
    expect(kafkaSecretReads(w)).toEqual([]);
    runtime.now = () => at + CREDENTIALS_RECHECK_MS;
    await w.run(events.updateStatus());
    expect(kafkaSecretReads(w).length).toBeGreaterThan(0);
    expect(Number(w.state.storedState[CONFIRMED_KEY])).toBe(at + CREDENTIALS_RECHECK_MS);
    runtime.now = () => at - 1000;
    await w.run(events.updateStatus());
    expect(kafkaSecretReads(w).length).toBeGreaterThan(0);
  });

  it('leader-elected and upgrade-charm compare in full', async () => {
    for (const ev of [events.leaderElected(), events.upgradeCharm()]) {
      const w = base.clone();
      await w.run(ev);
      expect(kafkaSecretReads(w).length).toBeGreaterThan(0);
    }
  });
});
