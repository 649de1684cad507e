/**
 * The greeter example charm (examples/greeter) through lib/testing, from install to remove in
 * Juju's order. The journey is a table of steps, each turning the previous step's output State
 * (plus what the rest of the model did meanwhile) into the next; a test asks for the State
 * before its step (`before`), computed from the table, and runs its step itself. So every test
 * runs alone, in any order, and its `ctx.records` are its own step's.
 */
import * as path from 'node:path';
import { STATE_KEYS, type DeferredNotice } from '../../../lib/ops';
import {
  Context,
  events,
  peerRelation,
  relation,
  secret,
  state,
  type AnyRelationState,
  type RelationState,
  type SecretState,
  type State,
} from '../../../lib/testing';
import { API_TOKEN_LABEL, GreeterCharm, STORE_CREDENTIALS_LABEL } from '../../../examples/greeter/src/charm';

const ctx = new Context(GreeterCharm, { charmDir: path.join(__dirname, '../../../examples/greeter') });

const STORE_PASSWORD = 's3cret-store-pass';
const NEW_STORE_PASSWORD = 'n3w-store-pass-2';

const peer = peerRelation({ endpoint: 'cluster', peersData: { 'greeter/1': { serving: 'false', port: '8080' } } });
const store = relation({ endpoint: 'store', remoteApp: 'kv' });
const client = relation({ endpoint: 'greeting', remoteApp: 'webapp', remoteAppData: { audience: 'friends' } });
const storeCreds = secret({ ownerApp: 'kv', content: { username: 'greeter', password: STORE_PASSWORD } });

// ---- helpers ------------------------------------------------------------------------------

const tools = (): string[] => ctx.records.transcript.map((t) => t.tool);
const count = (tool: string): number => tools().filter((t) => t === tool).length;
/** juju-log lines of the last run; Juju prefixes lines logged in a relation hook with "<endpoint>:<id>: ". */
const logs = (level?: string): string[] =>
  ctx.records.jujuLog.filter((l) => !level || l.level === level).map((l) => l.message.replace(/^[a-z][a-z0-9-]*:\d+: /, ''));
const everythingPrinted = (): string =>
  JSON.stringify([ctx.records.transcript, ctx.records.jujuLog, ctx.records.stdout, ctx.records.stderr, ctx.records.actionResults]);
const deferred = (s: State): DeferredNotice[] => JSON.parse(s.storedState[STATE_KEYS.deferred] ?? '[]') as DeferredNotice[];
const rel = <R extends AnyRelationState>(s: State, r: R): R => s.relations.find((x) => x.id === r.id) as R;
const withRelation = (s: State, r: AnyRelationState): State => ({
  ...s,
  relations: s.relations.some((x) => x.id === r.id) ? s.relations.map((x) => (x.id === r.id ? r : x)) : [...s.relations, r],
});
const withoutRelation = (s: State, r: AnyRelationState): State => ({ ...s, relations: s.relations.filter((x) => x.id !== r.id) });
const apiToken = (s: State): SecretState | undefined => s.secrets.find((x) => x.owner === 'app' && x.label === API_TOKEN_LABEL);
const consumed = (s: State): SecretState => s.secrets.find((x) => x.id === storeCreds.id)!;

/** Run one event on the previous State; fails the test if the hook did not exit 0. */
async function step(event: Parameters<Context['run']>[0], input: State): Promise<State> {
  const out = await ctx.run(event, input);
  expect({ exitCode: ctx.records.exitCode, stderr: ctx.records.stderr }).toEqual({ exitCode: 0, stderr: '' });
  return out;
}

// ---- the journey -------------------------------------------------------------------------

const rotated = (s: State): SecretState => ({
  ...consumed(s),
  latestContent: { username: 'greeter', password: NEW_STORE_PASSWORD },
  latestRevision: 2,
});

/** Install to remove, in Juju's order: each step's input is built from the previous output. */
const JOURNEY = {
  install: (s: State) => step(events.install(), s),
  'peer-created': (s: State) => step(events.relationCreated(peer), withRelation(s, peer)),
  'leader-elected': (s: State) => step(events.leaderElected(), { ...s, leader: true }),
  'config-changed': (s: State) => step(events.configChanged(), s),
  start: (s: State) => step(events.start(), s),
  'store-created': (s: State) => step(events.relationCreated(store), withRelation(s, store)),
  'store-joined': (s: State) =>
    step(
      events.relationJoined(store, { remoteUnit: 'kv/0' }),
      withRelation(s, { ...rel(s, store), remoteUnitsData: { 'kv/0': { zone: 'az1' } } }),
    ),
  'store-changed': (s: State) =>
    step(events.relationChanged(store, { remoteUnit: 'kv/0' }), {
      ...withRelation(s, { ...rel(s, store), remoteAppData: { endpoint: 'kv.internal:6379', 'secret-id': storeCreds.id } }),
      secrets: [...s.secrets, storeCreds],
    }),
  'greeting-created': (s: State) => step(events.relationCreated(client), withRelation(s, client)),
  'greeting-joined': (s: State) =>
    step(
      events.relationJoined(client, { remoteUnit: 'webapp/0' }),
      withRelation(s, { ...rel(s, client), remoteUnitsData: { 'webapp/0': { 'client-name': 'frontend-0' } } }),
    ),
  'greeting-changed': (s: State) =>
    step(
      events.relationChanged(client, { appChange: true }),
      withRelation(s, { ...rel(s, client), remoteAppData: { audience: 'the team' } }),
    ),
  'secret-changed': (s: State) =>
    step(events.secretChanged(rotated(s)), { ...s, secrets: s.secrets.map((x) => (x.id === storeCreds.id ? rotated(s) : x)) }),
  'bad-config': (s: State) => step(events.configChanged(), { ...s, config: { port: 80 } }),
  'good-config': (s: State) => step(events.configChanged(), { ...s, config: { port: 9090, greeting: 'Bonjour', shout: true } }),
  'rotate-token': (s: State) => ctx.run(events.action('rotate-token'), s),
  'update-status': (s: State) => step(events.updateStatus(), s),
  'upgrade-charm': (s: State) => step(events.upgradeCharm(), { ...s, workloadVersion: '2.3.0' }),
  'greeting-departed': (s: State) => step(events.relationDeparted(client, { remoteUnit: 'webapp/0' }), s),
  'greeting-broken': async (s: State) =>
    withoutRelation(await step(events.relationBroken(client), withRelation(s, { ...rel(s, client), remoteUnitsData: {} })), client),
  'store-departed': (s: State) => step(events.relationDeparted(store, { remoteUnit: 'kv/0' }), s),
  'store-broken': async (s: State) =>
    withoutRelation(
      await step(events.relationBroken(store), withRelation(s, { ...rel(s, store), remoteUnitsData: {} } as RelationState)),
      store,
    ),
  stop: (s: State) => step(events.stop(), s),
  remove: (s: State) => step(events.remove(), s),
} satisfies Record<string, (s: State) => Promise<State>>;
type Step = keyof typeof JOURNEY;
const STEPS = Object.keys(JOURNEY) as Step[];

/** States are immutable: each step's output, once computed, is shared by the tests that need it. */
const outputs = new Map<Step, Promise<State>>();
function after(name: Step): Promise<State> {
  let out = outputs.get(name);
  if (!out) {
    const i = STEPS.indexOf(name);
    out = (i === 0 ? Promise.resolve(state({ leader: false })) : after(STEPS[i - 1]!)).then((s) => JOURNEY[name](s));
    outputs.set(name, out);
  }
  return out;
}
/** The State a step starts from. */
function before(name: Step): Promise<State> {
  const i = STEPS.indexOf(name);
  return i === 0 ? Promise.resolve(state({ leader: false })) : after(STEPS[i - 1]!);
}
/** Runs `name` itself (fresh records for the test) on the State before it. */
async function run(name: Step): Promise<{ input: State; s: State }> {
  const input = await before(name);
  return { input, s: await JOURNEY[name](input) };
}
const tokenOf = async (): Promise<SecretState> => apiToken(await after('leader-elected'))!;

// ---- the lifecycle ------------------------------------------------------------------------

describe('greeter: install to remove through the harness', () => {
  it('install: maintenance while installing, then blocked on the missing store (blocked outranks waiting)', async () => {
    const { s } = await run('install');
    expect(ctx.records.unitStatusHistory).toEqual([
      { name: 'unknown', message: '' },
      { name: 'maintenance', message: 'installing greeter 2.4.1' },
    ]);
    expect(s.unitStatus).toEqual({ name: 'blocked', message: 'needs a store: juju integrate greeter <kv-store>' });
    // Not the leader: no app status is collected (no is-leader answer of true, no app status-set).
    expect(s.appStatus).toEqual({ name: 'unknown', message: '' });
    expect(logs('INFO')).toContain('installing greeter 2.4.1');
    expect(s.workloadVersion).toBe('');
    expect(s.openedPorts).toEqual([]);
  });

  it('peer relation-created: the reconcile hook tells peers this unit does not serve yet (one relation-set)', async () => {
    const { s } = await run('peer-created');
    expect(rel(s, peer).localUnitData).toMatchObject({ serving: 'false', port: '8080' });
    expect(count('relation-set')).toBe(1);
  });

  it('leader-elected: creates the app-owned API token, records the leader in the peer app bag, sets the app status', async () => {
    const { s } = await run('leader-elected');
    const token = apiToken(s);
    expect(token).toMatchObject({ owner: 'app', latestRevision: 1, grants: [] });
    const firstToken = token!.latestContent['token']!;
    expect(firstToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(rel(s, peer).localAppData).toEqual({ leader: 'greeter/0' });
    expect(s.appStatus).toEqual({ name: 'waiting', message: 'no unit is serving yet' });
    expect(everythingPrinted()).not.toContain(firstToken);
  });

  it('config-changed: typed config with the charm defaults; nothing to open before start', async () => {
    const { s } = await run('config-changed');
    expect(logs('INFO')).toContain('configured: greeting "Hello" on port 8080');
    expect(s.openedPorts).toEqual([]);
    // Steady state: the status equals the remembered one, so no status-set at all.
    expect(count('status-set')).toBe(0);
  });

  it('start: deferred while the store is not there; the notice is kept in controller state', async () => {
    const { s } = await run('start');
    expect(deferred(s)).toEqual([{ source: 'start', observer: 'GreeterCharm.onStart', snapshot: {}, count: 1 }]);
    expect(logs('INFO')).toContain('cannot start the greeter before the store publishes its endpoint; start deferred');
    expect(s.workloadVersion).toBe('');
    expect(s.storedState['charm.started']).toBeUndefined();
    expect(count('state-set')).toBe(1);
  });

  it('store relation-created: the deferred start re-runs first and is deferred again; status moves to waiting', async () => {
    const { s } = await run('store-created');
    expect(deferred(s)).toEqual([{ source: 'start', observer: 'GreeterCharm.onStart', snapshot: {}, count: 2 }]);
    expect(logs('INFO')).toContain(`related to store kv (relation ${store.id})`);
    expect(s.unitStatus).toEqual({ name: 'waiting', message: 'waiting for the store to publish its endpoint and credentials' });
  });

  it('store relation-joined: a store unit arrives without data; start stays deferred', async () => {
    const { s } = await run('store-joined');
    expect(deferred(s)[0]).toMatchObject({ source: 'start', count: 3 });
    expect(s.openedPorts).toEqual([]);
  });

  it('store relation-changed with endpoint + credentials: deferred start runs, store-ready is emitted, the port opens', async () => {
    const { s } = await run('store-changed');
    expect(s.storedState[STATE_KEYS.deferred]).toBeUndefined();
    expect(s.storedState['charm.started']).toBe('true');
    expect(s.storedState['charm.store-endpoint']).toBe('kv.internal:6379');
    expect(s.workloadVersion).toBe('2.4.1');
    expect(s.openedPorts).toEqual([{ protocol: 'tcp', port: 8080 }]);
    expect(s.unitStatus).toEqual({ name: 'active', message: 'serving "Hello" on :8080' });
    expect(s.appStatus).toEqual({ name: 'active', message: '1/2 units serving' });
    expect(rel(s, peer).localUnitData).toMatchObject({ serving: 'true' });
    // The deferred start ran before this event's observers; the custom event carried the unit's zone.
    const info = logs('INFO');
    expect(info.indexOf('greeter started')).toBeGreaterThanOrEqual(0);
    expect(info.indexOf('greeter started')).toBeLessThan(info.indexOf('store ready at kv.internal:6379 (zone az1)'));
    // The consumer labelled the store's secret on first read; its password is never printed.
    expect(consumed(s)).toMatchObject({ label: STORE_CREDENTIALS_LABEL, trackedRevision: 1 });
    expect(everythingPrinted()).not.toContain(STORE_PASSWORD);
  });

  it('greeting relation-created: the leader grants the API token to the relation and publishes URL + secret id', async () => {
    const tokenId = (await tokenOf()).id;
    const { s } = await run('greeting-created');
    expect(rel(s, client).localAppData).toEqual({ url: 'http://127.0.0.1:8080/hello/friends', 'token-secret-id': tokenId });
    expect(apiToken(s)!.grants).toEqual([{ relationId: client.id }]);
    // One relation-set per changed bag: only the client app bag changed (peer bag already current).
    expect(count('relation-set')).toBe(1);
    expect(count('secret-grant')).toBe(1);
  });

  it('greeting relation-joined: nothing changed, so nothing is written and the grant is not repeated', async () => {
    await run('greeting-joined');
    expect(logs('DEBUG')).toEqual([]); // DEBUG goes to stdout in hooks, not juju-log
    expect(ctx.records.stdout).toContain('client unit webapp/0 of webapp joined');
    expect(count('relation-set')).toBe(0);
    expect(count('secret-grant')).toBe(0);
    expect(count('state-set')).toBe(0);
  });

  it("greeting relation-changed (remote app data): the URL follows the client's audience", async () => {
    const { s } = await run('greeting-changed');
    expect(rel(s, client).localAppData['url']).toBe('http://127.0.0.1:8080/hello/the%20team');
    expect(count('relation-set')).toBe(1);
  });

  it('secret-changed: the consumer refreshes to the new credentials and restarts the workload', async () => {
    const { s } = await run('secret-changed');
    expect(ctx.records.env['JUJU_SECRET_LABEL']).toBe(STORE_CREDENTIALS_LABEL);
    expect(consumed(s)).toMatchObject({ trackedRevision: 2, trackedContent: { password: NEW_STORE_PASSWORD } });
    expect(s.storedState['charm.workload-restarts']).toBe('1');
    expect(logs('INFO')).toContain('store credentials rotated; greeter restarted to use them (restart 1)');
    expect(everythingPrinted()).not.toContain(NEW_STORE_PASSWORD);
  });

  it('config-changed with an out-of-range port: blocked with what to do, and nothing else changes', async () => {
    const { input: s, s: badConfig } = await run('bad-config');
    expect(badConfig.unitStatus).toEqual({
      name: 'blocked',
      message: 'config "port" is 80: use 1024-65535 (the greeter does not run as root)',
    });
    expect(logs('WARNING')).toEqual([
      'config "port" is 80: use 1024-65535 (the greeter does not run as root); keeping the last good configuration',
    ]);
    expect(badConfig.openedPorts).toEqual([{ protocol: 'tcp', port: 8080 }]);
    expect(badConfig.relations).toEqual(s.relations);
    for (const tool of ['relation-set', 'open-port', 'close-port']) expect(count(tool)).toBe(0);
  });

  it('action greet while the config is bad: fails with the config problem', async () => {
    await ctx.run(events.action('greet', { name: 'Ada' }), await after('bad-config'));
    expect(ctx.records.actionFailure).toBe('cannot greet: config "port" is 80: use 1024-65535 (the greeter does not run as root)');
    expect(ctx.records.actionResults).toEqual({});
  });

  it('config-changed with good values: port moves (close old, open new), URL and peer bag follow, active again', async () => {
    const { s } = await run('good-config');
    expect(s.openedPorts).toEqual([{ protocol: 'tcp', port: 9090 }]);
    expect(
      ctx.records.transcript
        .filter((t) => t.tool.endsWith('-port') && t.tool !== 'opened-ports')
        .map((t) => `${t.tool} ${t.args.join(' ')}`),
    ).toEqual(['close-port 8080/tcp', 'open-port 9090/tcp']);
    expect(rel(s, client).localAppData['url']).toBe('http://127.0.0.1:9090/hello/the%20team');
    expect(rel(s, peer).localUnitData['port']).toBe('9090');
    expect(count('relation-set')).toBe(2);
    expect(s.unitStatus).toEqual({ name: 'active', message: 'serving "Bonjour" on :9090' });
  });

  it('action greet: validated params (with the schema default), progress log and nested results', async () => {
    const s = await after('good-config');
    await ctx.run(events.action('greet', { name: 'Ada', times: 2 }), s);
    expect(ctx.records.actionFailure).toBeUndefined();
    expect(ctx.records.actionLogs).toEqual(['greeting Ada 2 time(s)']);
    expect(ctx.records.actionResults).toEqual({
      greeting: { text: 'BONJOUR, ADA! BONJOUR, ADA!', times: '2' },
      'served-by': { unit: 'greeter/0', port: '9090' },
    });
    await ctx.run(events.action('greet', { name: 'Bo' }), s);
    expect(ctx.records.actionResults).toMatchObject({ greeting: { text: 'BONJOUR, BO!', times: '1' } });
  });

  it.each([
    [{ name: 'Ada', loud: true }, /loud/],
    [{}, /name/],
    [{ name: 'Ada', times: 9 }, /times/],
    [{ name: '' }, /name/],
  ])('action greet with invalid params %j: refused by the framework before the handler runs', async (params, message) => {
    await ctx.run(events.action('greet', params), await after('good-config'));
    expect(ctx.records.exitCode).toBe(0);
    expect(ctx.records.actionFailure).toMatch(message);
    expect(ctx.records.actionLogs).toEqual([]);
    expect(ctx.records.actionResults).toEqual({});
  });

  it('action rotate-token on the leader: a new revision, never shown', async () => {
    const firstToken = (await tokenOf()).latestContent['token'];
    const { s: out } = await run('rotate-token');
    const token = apiToken(out)!;
    expect(token.latestRevision).toBe(2);
    expect(token.latestContent['token']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(token.latestContent['token']).not.toBe(firstToken);
    expect(ctx.records.actionResults).toEqual({ rotated: 'true', clients: '1' });
    expect(ctx.records.actionLogs).toEqual(['rotating the API token']);
    expect(everythingPrinted()).not.toContain(token.latestContent['token']);
  });

  it('action rotate-token on a non-leader: fails saying where to run it', async () => {
    await ctx.run(events.action('rotate-token'), { ...(await after('rotate-token')), leader: false });
    expect(ctx.records.actionFailure).toBe('only the leader can rotate the API token: run it on the leader unit (greeter/leader)');
    expect(count('secret-set')).toBe(0);
  });

  it('update-status: TRACE/DEBUG to stdout, and a steady state writes nothing', async () => {
    const { input, s } = await run('update-status');
    expect(ctx.records.stdout).toContain('TRACE update-status: checking the workload');
    expect(ctx.records.stdout).toContain('DEBUG greeter serving; 1 restart(s)');
    for (const tool of ['status-set', 'relation-set', 'state-set', 'open-port', 'close-port', 'application-version-set'])
      expect(count(tool)).toBe(0);
    expect(s).toEqual(input);
  });

  it('upgrade-charm: the workload version is set again', async () => {
    const { s } = await run('upgrade-charm');
    expect(s.workloadVersion).toBe('2.4.1');
    expect(logs('INFO')).toContain('charm upgraded; it ships greeter 2.4.1');
  });

  it("greeting relation-departed: the departing client unit's data is still readable", async () => {
    await run('greeting-departed');
    expect(logs('INFO')).toContain('client frontend-0 of webapp left');
  });

  it('greeting relation-broken: the grant is revoked; the relation is left out of publishing', async () => {
    const { s } = await run('greeting-broken');
    expect(apiToken(s)!.grants).toEqual([]);
    expect(count('secret-revoke')).toBe(1);
    expect(count('relation-set')).toBe(0);
  });

  it("store relation-departed: logs the departing unit's zone from its bag", async () => {
    await run('store-departed');
    expect(logs('WARNING')).toEqual([expect.stringMatching(/^store unit kv\/0 \(zone az1\) left; \d+ remain$/)]);
  });

  it('store relation-broken: stops serving (port closed, peers told), blocked on the missing store', async () => {
    const { s } = await run('store-broken');
    expect(s.openedPorts).toEqual([]);
    expect(s.storedState['charm.store-endpoint']).toBeUndefined();
    expect(rel(s, peer).localUnitData['serving']).toBe('false');
    expect(s.unitStatus).toEqual({ name: 'blocked', message: 'needs a store: juju integrate greeter <kv-store>' });
    expect(s.appStatus).toEqual({ name: 'waiting', message: 'no unit is serving yet' });
  });

  it('stop: the workload is marked stopped and the unit says so', async () => {
    const { s } = await run('stop');
    expect(s.storedState['charm.started']).toBeUndefined();
    expect(s.unitStatus).toEqual({ name: 'maintenance', message: 'greeter stopped' });
    expect(logs('INFO')).toContain('greeter stopped');
  });

  it('remove: the leader removes every revision of the API token', async () => {
    const tokenId = (await tokenOf()).id;
    const { input, s } = await run('remove');
    expect(apiToken(input)).toBeDefined();
    expect(apiToken(s)).toBeUndefined();
    expect(ctx.records.transcript.filter((t) => t.tool === 'secret-remove').map((t) => t.args)).toEqual([[tokenId]]);
  });
});
