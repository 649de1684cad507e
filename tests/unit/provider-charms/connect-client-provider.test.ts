import { Context, events, state, withChanges, type State } from '../../../lib/testing';
import { ConnectClientProviderCharm } from '../../../tools/provider-charms/connect-client-provider/src/charm';
import { CA_PEM, CONNECT_DIR, CONNECT_REQUEST, localApp, ownedByLabel, PASSWORD, requirerRelation, ROTATED } from './fixtures';

const ctx = new Context(ConnectClientProviderCharm, { charmDir: CONNECT_DIR });
const CONFIG = { endpoints: 'http://127.0.0.1:18383/', username: 'admin', password: PASSWORD };
const HTTPS = { ...CONFIG, endpoints: 'https://10.0.0.2:8083,https://10.0.0.1:8083', 'tls-ca': CA_PEM };

function leaderWith(config: Record<string, string>, remoteAppData: Record<string, string> = CONNECT_REQUEST, id = 9): State {
  return state({ leader: true, config, relations: [requirerRelation('connect-client', id, remoteAppData)] });
}

const changed = (s: State) => events.relationChanged(s.relations[0]!, { appChange: true });
const tools = (name: string) => ctx.records.transcript.filter((c) => c.tool === name);

describe('connect-client-provider', () => {
  it('waits for plugin-url: publishes nothing before the requirer sets it', async () => {
    const before = leaderWith(CONFIG, { 'requested-secrets': CONNECT_REQUEST['requested-secrets'] });
    const after = await ctx.run(changed(before), before);
    expect(ctx.records.exitCode).toBe(0);
    expect(localApp(after, 9)).toEqual({});
    expect(after.secrets).toEqual([]);
    expect(after.unitStatus).toEqual({ name: 'active', message: 'serving 0 clients; 1 waiting for "plugin-url"' });
  });

  it('NOT-REQUIRED, http: endpoints (no trailing slash) and secret-user, no TLS fields', async () => {
    const before = leaderWith(CONFIG);
    const after = await ctx.run(changed(before), before);
    expect(ctx.records.exitCode).toBe(0);
    const bag = localApp(after, 9);
    expect(Object.keys(bag).sort()).toEqual(['endpoints', 'secret-user']);
    expect(bag['endpoints']).toBe('http://127.0.0.1:18383');
    const user = ownedByLabel(after, 'connect-client.9.user.secret');
    expect(bag['secret-user']).toBe(user.id);
    expect(user.latestContent).toEqual({ username: 'admin', password: PASSWORD });
    expect(user.grants).toEqual([{ relationId: 9 }]);
    expect(after.secrets).toHaveLength(1);
    expect(after.appStatus).toEqual({ name: 'active', message: 'serving 1 client' });
  });

  it('https: secret-tls with tls enabled and the CA PEM; endpoints keep their configured order', async () => {
    const before = leaderWith(HTTPS);
    const after = await ctx.run(changed(before), before);
    const bag = localApp(after, 9);
    expect(Object.keys(bag).sort()).toEqual(['endpoints', 'secret-tls', 'secret-user']);
    expect(bag['endpoints']).toBe('https://10.0.0.2:8083,https://10.0.0.1:8083');
    const tls = ownedByLabel(after, 'connect-client.9.tls.secret');
    expect(tls.latestContent).toEqual({ tls: 'enabled', 'tls-ca': CA_PEM });
    expect(tls.grants).toEqual([{ relationId: 9 }]);
  });

  it('https -> http: tls and tls-ca become "disabled" in the same secret', async () => {
    const https = await ctx.run(changed(leaderWith(HTTPS)), leaderWith(HTTPS));
    const http = await ctx.run(events.configChanged(), withChanges(https, { config: CONFIG }));
    expect(ctx.records.exitCode).toBe(0);
    const tls = ownedByLabel(http, 'connect-client.9.tls.secret');
    expect(tls.latestContent).toEqual({ tls: 'disabled', 'tls-ca': 'disabled' });
    expect(tls.latestRevision).toBe(2);
    expect(localApp(http, 9)['endpoints']).toBe('http://127.0.0.1:18383');
  });

  it('rotation: a new password is a new revision of secret-user; unchanged config writes nothing', async () => {
    const published = await ctx.run(changed(leaderWith(CONFIG)), leaderWith(CONFIG));
    await ctx.run(events.updateStatus(), published);
    expect(tools('secret-set')).toHaveLength(0);
    expect(tools('relation-set')).toHaveLength(0);
    const rotated = await ctx.run(events.configChanged(), withChanges(published, { config: { ...CONFIG, password: ROTATED } }));
    const user = ownedByLabel(rotated, 'connect-client.9.user.secret');
    expect(user.latestRevision).toBe(2);
    expect(user.latestContent).toEqual({ username: 'admin', password: ROTATED });
    expect(localApp(rotated, 9)).toEqual(localApp(published, 9));
  });

  it("relation-broken: the leader removes the relation's secrets", async () => {
    const published = await ctx.run(changed(leaderWith(HTTPS)), leaderWith(HTTPS));
    expect(published.secrets).toHaveLength(2);
    const after = await ctx.run(events.relationBroken(published.relations[0]!), published);
    expect(ctx.records.exitCode).toBe(0);
    expect(after.secrets).toEqual([]);
    expect(after.unitStatus).toEqual({ name: 'active', message: 'serving 0 clients' });
  });

  it('Blocked, saying what to do: unconfigured, bad URL, mixed schemes, https without CA, no credentials', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'set "endpoints" (the Connect REST URLs, e.g. "http://127.0.0.1:18383")'],
      [
        { ...CONFIG, endpoints: '127.0.0.1:18383' },
        '"endpoints": "127.0.0.1:18383" is not an http(s)://host[:port] URL; use e.g. "http://127.0.0.1:18383"',
      ],
      [
        { ...CONFIG, endpoints: 'http://a:8083/connectors' },
        '"endpoints": "http://a:8083/connectors" is not an http(s)://host[:port] URL; use e.g. "http://127.0.0.1:18383"',
      ],
      [
        { ...CONFIG, endpoints: 'http://a:8083,https://b:8083', 'tls-ca': CA_PEM },
        '"endpoints" mixes http and https; Connect serves one scheme on every worker',
      ],
      [{ ...HTTPS, 'tls-ca': '' }, 'set "tls-ca" (the REST listener\'s CA PEM): the endpoints are https'],
      [{ endpoints: CONFIG.endpoints }, 'set "credentials" (a user secret) or "username" and "password"'],
    ];
    for (const [config, message] of cases) {
      const after = await ctx.run(changed(leaderWith(config)), leaderWith(config));
      expect(ctx.records.exitCode).toBe(0);
      expect(after.unitStatus).toEqual({ name: 'blocked', message });
      expect(localApp(after, 9)).toEqual({});
    }
  });
});
