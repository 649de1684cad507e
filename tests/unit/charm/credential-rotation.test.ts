// Every leader hook compares Kafka Connect with the credentials as the secrets hold them now (no
// masked comparison): a rotated password reaches Connect at the first hook that can write,
// whichever hook that is.
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import { authedFake, deployed, events, expectNoSecrets, fastClient, NAMES, secrets, World, writesOf } from './world';

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
  await fake.stop();
});
beforeEach(async () => {
  if (!fake.isUp()) await fake.goUp();
  // Every test starts from the deployed connectors (a password an earlier test wrote is put back).
  await base.clone().run(events.leaderElected());
});

// The source cluster's JAAS: under target.cluster.* on the heartbeat connector (it runs as the reverse pair).
const sourceKey = (name: string): string =>
  name.startsWith('mirror_heartbeat_') ? 'target.cluster.sasl.jaas.config' : 'source.cluster.sasl.jaas.config';
const jaas = (name: string): string => fake.connector(name)?.config[sourceKey(name)] ?? '';
const PUTS = [NAMES.checkpoint, NAMES.heartbeat, NAMES.source].map((n) => `PUT /connectors/${n}/config`).sort();

function rotate(w: World, tracked: 'refreshed' | 'not refreshed'): void {
  const s = w.state.secrets.find((x) => x.id === secrets.sourceUser.id)!;
  const content = { username: 'relation-10', password: NEW_SOURCE_PASSWORD };
  w.replaceSecret(
    tracked === 'refreshed'
      ? {
          ...s,
          trackedContent: content,
          latestContent: content,
          trackedRevision: s.trackedRevision + 1,
          latestRevision: s.trackedRevision + 1,
        }
      : { ...s, latestContent: content, latestRevision: s.trackedRevision + 1 },
  );
}

describe('credential rotation', () => {
  it('secret-changed reads the new revision and PUTs every connector with the new password', async () => {
    const w = base.clone();
    rotate(w, 'not refreshed');
    const { requests } = await w.runCounting(events.secretChanged(w.state.secrets.find((x) => x.id === secrets.sourceUser.id)!));
    expect(
      writesOf(requests)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(PUTS);
    for (const n of [NAMES.source, NAMES.checkpoint, NAMES.heartbeat]) expect(jaas(n)).toContain(`password="${NEW_SOURCE_PASSWORD}"`);
    const again = await w.runCounting(events.updateStatus());
    expect(writesOf(again.requests)).toEqual([]);
    for (const t of w.allTexts()) expect(t).not.toContain(NEW_SOURCE_PASSWORD);
  });

  it('rotation while Connect is down is written by the next hook, whatever it is', async () => {
    const w = base.clone();
    rotate(w, 'not refreshed');
    await fake.goDown();
    const down = await w.run(events.secretChanged(w.state.secrets.find((x) => x.id === secrets.sourceUser.id)!));
    expect(down.state.unitStatus.name).toBe('waiting');
    await fake.goUp();
    const { requests } = await w.runCounting(events.updateStatus());
    expect(
      writesOf(requests)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(PUTS);
    expect(jaas(NAMES.source)).toContain(`password="${NEW_SOURCE_PASSWORD}"`);
  });

  it('a hook that never ran for the rotation (skipped, or its writes failed): the next update-status writes the new password', async () => {
    const w = base.clone();
    // The revision the unit tracks already holds the new password, but no hook wrote it to Connect.
    rotate(w, 'refreshed');
    const { requests } = await w.runCounting(events.updateStatus());
    expect(
      writesOf(requests)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(PUTS);
    expect(jaas(NAMES.source)).toContain(`password="${NEW_SOURCE_PASSWORD}"`);
    expectNoSecrets(w);
  });

  it('a password edited by hand on Connect is put back at the next update-status', async () => {
    const w = base.clone();
    const c = fake.connector(NAMES.checkpoint)!;
    fake.addConnector(NAMES.checkpoint, {
      ...c.config,
      'source.cluster.sasl.jaas.config': jaas(NAMES.checkpoint).replace(/password="[^"]*"/, 'password="hand-edited-Pw1"'),
    });
    const { requests } = await w.runCounting(events.updateStatus());
    expect(writesOf(requests).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /connectors/${NAMES.checkpoint}/config`]);
    expect(jaas(NAMES.checkpoint)).not.toContain('hand-edited-Pw1');
  });
});
