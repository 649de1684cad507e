import { Context, events, secret, state, withChanges, type State } from '../../../lib/testing';
import { KafkaClientProviderCharm } from '../../../tools/provider-charms/kafka-client-provider/src/charm';
import { CA_PEM, KAFKA_DIR, KAFKA_REQUEST, localApp, ownedByLabel, PASSWORD, requirerRelation, ROTATED } from './fixtures';

const ctx = new Context(KafkaClientProviderCharm, { charmDir: KAFKA_DIR });
const CONFIG = { 'bootstrap-servers': '127.0.0.1:19492, 127.0.0.1:19392', username: 'mm2', password: PASSWORD };

function leaderWith(config: Record<string, string>, remoteAppData: Record<string, string> = KAFKA_REQUEST, id = 7): State {
  return state({ leader: true, config, relations: [requirerRelation('kafka-client', id, remoteAppData)] });
}

const changed = (s: State) => events.relationChanged(s.relations[0]!, { appChange: true });
const tools = (name: string) => ctx.records.transcript.filter((c) => c.tool === name);

describe('kafka-client-provider: the request', () => {
  it('waits for the topic: publishes nothing before the requirer sets it', async () => {
    const before = leaderWith(CONFIG, { 'requested-secrets': KAFKA_REQUEST['requested-secrets'] });
    const after = await ctx.run(changed(before), before);
    expect(ctx.records.exitCode).toBe(0);
    expect(localApp(after, 7)).toEqual({});
    expect(after.secrets).toEqual([]);
    expect(after.unitStatus).toEqual({ name: 'active', message: 'serving 0 clients; 1 waiting for "topic"' });
  });

  it('publishes endpoints (sorted) and topic in the databag, the user and TLS flags in labelled secrets granted to the relation', async () => {
    const before = leaderWith(CONFIG);
    const after = await ctx.run(changed(before), before);
    expect(ctx.records.exitCode).toBe(0);
    const bag = localApp(after, 7);
    expect(Object.keys(bag).sort()).toEqual(['endpoints', 'secret-tls', 'secret-user', 'topic']);
    expect(bag['endpoints']).toBe('127.0.0.1:19392,127.0.0.1:19492');
    expect(bag['topic']).toBe('__mirrormaker-user');
    const user = ownedByLabel(after, 'kafka-client.7.user.secret');
    expect(bag['secret-user']).toBe(user.id);
    expect(user.latestContent).toEqual({ username: 'mm2', password: PASSWORD });
    expect(user.grants).toEqual([{ relationId: 7 }]);
    const tls = ownedByLabel(after, 'kafka-client.7.tls.secret');
    expect(bag['secret-tls']).toBe(tls.id);
    expect(tls.latestContent).toEqual({ tls: 'disabled', 'tls-ca': 'disabled' });
    expect(tls.grants).toEqual([{ relationId: 7 }]);
    expect(after.unitStatus).toEqual({ name: 'active', message: 'serving 1 client' });
    expect(after.appStatus).toEqual({ name: 'active', message: 'serving 1 client' });
    // The password went through a file, never argv.
    expect(JSON.stringify(ctx.records.transcript)).not.toContain(PASSWORD);
  });

  it('fields the requirer did not list in requested-secrets go to the databag', async () => {
    const before = leaderWith(CONFIG, { ...KAFKA_REQUEST, 'requested-secrets': '["username", "password"]' });
    const after = await ctx.run(changed(before), before);
    const bag = localApp(after, 7);
    expect(Object.keys(bag).sort()).toEqual(['endpoints', 'secret-user', 'tls', 'tls-ca', 'topic']);
    expect(bag['tls']).toBe('disabled');
    expect(after.secrets.map((s) => s.label)).toEqual(['kafka-client.7.user.secret']);
  });

  it('a non-leader publishes nothing but reports the same status', async () => {
    const before = withChanges(leaderWith(CONFIG), { leader: false });
    const after = await ctx.run(changed(before), before);
    expect(ctx.records.exitCode).toBe(0);
    expect(localApp(after, 7)).toEqual({});
    expect(after.unitStatus).toEqual({ name: 'active', message: 'serving 1 client' });
  });
});

describe('kafka-client-provider: TLS as Kafka 3 and Kafka 4 publish it', () => {
  it('Kafka 4 publishes the CA PEM as tls-ca', async () => {
    const before = leaderWith({ ...CONFIG, tls: 'enabled', 'tls-ca': CA_PEM, 'kafka-version': '4' });
    const after = await ctx.run(changed(before), before);
    expect(ownedByLabel(after, 'kafka-client.7.tls.secret').latestContent).toEqual({ tls: 'enabled', 'tls-ca': CA_PEM });
  });

  it('Kafka 3 repeats "enabled" in tls-ca even with a CA configured (its upstream bug)', async () => {
    const before = leaderWith({ ...CONFIG, tls: 'enabled', 'tls-ca': CA_PEM, 'kafka-version': '3' });
    const after = await ctx.run(changed(before), before);
    expect(ownedByLabel(after, 'kafka-client.7.tls.secret').latestContent).toEqual({ tls: 'enabled', 'tls-ca': 'enabled' });
  });

  it('Kafka 4 with tls enabled and no CA is Blocked and publishes nothing', async () => {
    const before = leaderWith({ ...CONFIG, tls: 'enabled' });
    const after = await ctx.run(changed(before), before);
    expect(localApp(after, 7)).toEqual({});
    expect(after.unitStatus).toEqual({
      name: 'blocked',
      message: 'set "tls-ca" (the listener\'s CA PEM): Kafka 4 publishes it when tls is enabled',
    });
  });
});

describe('kafka-client-provider: configuration problems', () => {
  it('unconfigured: Blocked, saying what to set', async () => {
    const before = leaderWith({});
    const after = await ctx.run(events.configChanged(), before);
    expect(ctx.records.exitCode).toBe(0);
    expect(after.unitStatus).toEqual({
      name: 'blocked',
      message: 'set "bootstrap-servers" (host:port[,host:port...] of the client listener)',
    });
    expect(after.appStatus.name).toBe('blocked');
    expect(localApp(after, 7)).toEqual({});
  });

  it('names the bad bootstrap server, the missing password, a bad version or tls value, never the password', async () => {
    const cases: [Record<string, string>, string][] = [
      [
        { ...CONFIG, 'bootstrap-servers': '127.0.0.1:19392,http://x:1' },
        '"bootstrap-servers": "http://x:1" is not host:port (port 1-65535); use e.g. "127.0.0.1:19392"',
      ],
      [{ 'bootstrap-servers': '127.0.0.1:19392', username: 'mm2' }, 'set "credentials" (a user secret) or "password"'],
      [{ ...CONFIG, 'kafka-version': '5' }, '"kafka-version" must be "3" or "4", not "5"'],
      [{ ...CONFIG, tls: 'yes' }, '"tls" must be "enabled" or "disabled", not "yes"'],
      [
        { ...CONFIG, 'tls-ca': 'not a pem' },
        '"tls-ca" is not a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)',
      ],
    ];
    for (const [config, message] of cases) {
      const after = await ctx.run(events.configChanged(), leaderWith(config));
      expect(after.unitStatus).toEqual({ name: 'blocked', message });
      expect(JSON.stringify(ctx.records.jujuLog)).not.toContain(PASSWORD);
    }
  });

  it('a config mistake after publishing leaves the published data as it was', async () => {
    const published = await ctx.run(changed(leaderWith(CONFIG)), leaderWith(CONFIG));
    const broken = await ctx.run(events.configChanged(), withChanges(published, { config: { ...CONFIG, 'bootstrap-servers': 'nope' } }));
    expect(broken.unitStatus.name).toBe('blocked');
    expect(localApp(broken, 7)).toEqual(localApp(published, 7));
    expect(ownedByLabel(broken, 'kafka-client.7.user.secret').latestRevision).toBe(1);
  });
});

describe('kafka-client-provider: credentials', () => {
  it('rotation: a new password becomes a new revision of the same secret; an unchanged config writes nothing', async () => {
    const published = await ctx.run(changed(leaderWith(CONFIG)), leaderWith(CONFIG));
    const first = ownedByLabel(published, 'kafka-client.7.user.secret');
    const same = await ctx.run(events.configChanged(), published);
    expect(tools('secret-set')).toHaveLength(0);
    expect(tools('relation-set')).toHaveLength(0);
    const rotated = await ctx.run(events.configChanged(), withChanges(same, { config: { ...CONFIG, password: ROTATED } }));
    expect(ctx.records.exitCode).toBe(0);
    const user = ownedByLabel(rotated, 'kafka-client.7.user.secret');
    expect(user.id).toBe(first.id);
    expect(user.latestRevision).toBe(first.latestRevision + 1);
    expect(user.latestContent).toEqual({ username: 'mm2', password: ROTATED });
    expect(localApp(rotated, 7)).toEqual(localApp(published, 7));
    expect(tools('secret-add')).toHaveLength(0);
  });

  it('reads the user from the "credentials" user secret, which takes precedence over username/password', async () => {
    const creds = secret({ ownerApp: 'operator', content: { username: 'from-secret', password: ROTATED } });
    const before = withChanges(leaderWith({ ...CONFIG, credentials: creds.id }), { secrets: [creds] });
    const after = await ctx.run(changed(before), before);
    expect(ctx.records.exitCode).toBe(0);
    expect(ownedByLabel(after, 'kafka-client.7.user.secret').latestContent).toEqual({ username: 'from-secret', password: ROTATED });
  });

  it('an unreadable "credentials" secret is Blocked with the grant command', async () => {
    const missing = 'secret:0000000000000000000z';
    const after = await ctx.run(events.configChanged(), leaderWith({ ...CONFIG, credentials: missing }));
    expect(after.unitStatus).toEqual({
      name: 'blocked',
      message: `cannot read the "credentials" secret ${missing}: grant it with "juju grant-secret ${missing} kafka-client-provider"`,
    });
  });

  it('secret-remove drops the revision no consumer tracks', async () => {
    const published = await ctx.run(changed(leaderWith(CONFIG)), leaderWith(CONFIG));
    const user = ownedByLabel(published, 'kafka-client.7.user.secret');
    await ctx.run(events.secretRemove(user, 1), published);
    expect(ctx.records.exitCode).toBe(0);
    expect(tools('secret-remove').map((c) => c.args)).toEqual([[user.id, '--revision', '1']]);
  });
});

describe('kafka-client-provider: relation-broken', () => {
  it("the leader removes the relation's secrets; the status stops counting it", async () => {
    const published = await ctx.run(changed(leaderWith(CONFIG)), leaderWith(CONFIG));
    expect(published.secrets).toHaveLength(2);
    const after = await ctx.run(events.relationBroken(published.relations[0]!), published);
    expect(ctx.records.exitCode).toBe(0);
    expect(after.secrets).toEqual([]);
    expect(after.unitStatus).toEqual({ name: 'active', message: 'serving 0 clients' });
  });

  it('a non-leader leaves them alone', async () => {
    const published = await ctx.run(changed(leaderWith(CONFIG)), leaderWith(CONFIG));
    const after = await ctx.run(events.relationBroken(published.relations[0]!), withChanges(published, { leader: false }));
    expect(ctx.records.exitCode).toBe(0);
    expect(tools('secret-remove')).toHaveLength(0);
    expect(after.secrets).toHaveLength(2);
  });
});
