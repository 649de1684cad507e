import { ALL_SECRETS, authedFake, fastClient, IDS, NAMES, World, writesOf } from './world';
import type { FakeConnect } from '../../../tools/testkit/fake-connect';

let fake: FakeConnect;
beforeAll(fastClient);
beforeEach(async () => {
  fake = await authedFake();
});
afterEach(async () => {
  await fake.stop();
});

describe('deploy and integrate in Juju order', () => {
  it('ends Active with the three connectors created on Connect', async () => {
    const w = new World(fake);
    await w.deploy();
    expect(w.state.unitStatus).toEqual({ name: 'blocked', message: 'missing relations: source, target, connect-client' });
    expect(fake.requests).toHaveLength(0);

    await w.integrate();
    expect(w.relation(IDS.source).localAppData).toEqual({
      'requested-secrets': '["username", "password", "tls", "tls-ca", "uris"]',
      topic: '__mirrormaker-user',
      'extra-user-roles': 'admin',
    });
    expect(w.relation(IDS.target).localAppData['topic']).toBe('__mirrormaker-user');
    expect(w.relation(IDS.connect).localAppData).toEqual({
      'requested-secrets': '["username", "password", "tls", "tls-ca", "uris"]',
      'plugin-url': 'NOT-REQUIRED',
    });
    expect([...fake.state.connectors.keys()].sort()).toEqual([NAMES.checkpoint, NAMES.heartbeat, NAMES.source].sort());
    expect(w.state.unitStatus).toEqual({ name: 'active', message: 'mirroring kafka-a → kafka-b: 3 connectors RUNNING, 3 tasks' });
    expect(w.state.appStatus).toEqual(w.state.unitStatus);
    const src = fake.connector(NAMES.source)!.config;
    expect(src['source.cluster.alias']).toBe('kafka-a');
    expect(src['target.cluster.alias']).toBe('kafka-b');
    expect(src['source.cluster.bootstrap.servers']).toBe('10.1.0.1:9092,10.1.0.2:9092');
    expect(src['producer.override.bootstrap.servers']).toBe('10.2.0.1:9092');
    for (const text of w.allTexts()) for (const s of ALL_SECRETS) expect(text).not.toContain(s);
    expect(
      writesOf(fake.requests)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([NAMES.source, NAMES.checkpoint, NAMES.heartbeat].map((n) => `PUT /connectors/${n}/config`).sort());
  });
});
