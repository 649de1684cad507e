/**
 * The PACKED MirrorMaker charm (`tscharm pack --entry charm/main.ts`) under the local model, with
 * no `node` on the hooks' PATH: deploy → integrate source, target, connect-client (Juju's order,
 * real dispatch processes, real hook-tool shims) against the provider test doubles, which hand out
 * fake cluster endpoints/users and the URL + basic-auth user of an in-test fake Kafka Connect.
 * Statuses, the relation data each side published, the REST calls on the fake, a config change,
 * update-status, every action (leader and non-leader), remove-relation, and no password anywhere.
 *
 * Every test opens its own model and builds it up to the stage it starts from (`modelAt`), so
 * each runs alone and in any order; only the pack (read-only) is shared. After each test, no
 * password may appear in anything its model exposed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { parse } from 'yaml';
import type { ActionOutcome, LocalModel } from '../../../lib/localmodel/driver';
import { showUnit, statusView } from '../../../lib/localmodel/status';
import type { StatusRecord } from '../../../lib/sim';
import { startFakeConnect, type FakeConnect, type RecordedRequest } from '../../../tools/testkit/fake-connect';
import {
  ALL_PASSWORDS,
  CHARM_FILE_NAME,
  deployProviders,
  noNodeSystemPath,
  openModel,
  preparePackedWorld,
  recordHooks,
  REST_PASSWORD,
  REST_USER,
  SOURCE_PASSWORD,
  SOURCE_USER,
  TARGET_PASSWORD,
  TARGET_USER,
  uuidHex,
  type PackedWorld,
  type ServedHook,
} from '../../../tools/testkit/packed-charm';

jest.setTimeout(240_000);

const APP = 'mirrormaker';
const LEADER = `${APP}/0`;
/** A connector someone else made on the same Connect cluster: never touched by the charm. */
const FOREIGN = 'orders-to-s3-sink';
/** As data_interfaces (Python's json.dumps) writes it: ", " between items. */
const REQUESTED_SECRETS = '["username", "password", "tls", "tls-ca", "uris"]';
const FOREIGN_LOOKALIKE = `mirror_source_other_r9_${'ab'.repeat(16)}`;

let world: PackedWorld;

/** One test's model: the local model, the fake Connect behind it, and what it recorded. */
interface TestModel {
  fake: FakeConnect;
  lm: LocalModel;
  served: ServedHook[];
  actionOutcomes: ActionOutcome[];
  /** The data path the charm names its connectors by: mirror_<kind>_<app>_r<connect relation>_<uuid hex>. */
  names: { source: string; checkpoint: string; heartbeat: string };
}
let m: TestModel | undefined;

/** The stages a test can start from, in the order an operator reaches them. */
const STAGES = ['empty', 'deployed', 'providers', 'source', 'target', 'active', 'two-units'] as const;
type Stage = (typeof STAGES)[number];

/** A new model (and fake Connect) brought to `stage`; it becomes this test's model. */
async function modelAt(stage: Stage): Promise<TestModel> {
  const fake = await startFakeConnect({ auth: { username: REST_USER, password: REST_PASSWORD } });
  fake.addConnector(FOREIGN, {
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
    topics: 'orders',
    file: '/tmp/orders',
  });
  fake.addConnector(FOREIGN_LOOKALIKE, { 'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector', topics: '.*' });
  const lm = await openModel();
  const hex = uuidHex(lm);
  m = {
    fake,
    lm,
    served: recordHooks(lm),
    actionOutcomes: [],
    names: {
      source: `mirror_source_${APP}_r3_${hex}`,
      checkpoint: `mirror_checkpoint_${APP}_r3_${hex}`,
      heartbeat: `mirror_heartbeat_${APP}_r3_${hex}`,
    },
  };
  const reached = (s: Stage) => STAGES.indexOf(stage) >= STAGES.indexOf(s);
  // no charm-side health check: the fake relations name brokers that must not be dialled
  if (reached('deployed')) await lm.deploy(world.charmFile, { app: APP, config: { health_check_budget_seconds: 0 } });
  if (reached('providers')) await deployProviders(lm, world, fake.url);
  if (reached('source')) await lm.integrate(`${APP}:source`, 'kafka-a');
  if (reached('target')) await lm.integrate(`${APP}:target`, 'kafka-b');
  if (reached('active')) await lm.integrate(`${APP}:connect-client`, 'kafka-connect');
  if (reached('two-units')) await lm.addUnit(APP);
  expect(lm.history.filter((h) => !h.ok)).toEqual([]);
  return m;
}

function current(): TestModel {
  if (!m) throw new Error('the test opened no model (modelAt)');
  return m;
}

type ShowUnit = Record<string, { 'relation-info': RelationInfo[]; 'workload-status': { current: string; message: string } }>;
interface RelationInfo {
  'relation-id': number;
  endpoint: string;
  'application-data': Record<string, string>;
  'local-application-data'?: Record<string, string>;
}

function relationInfo(unit: string, endpoint: string): RelationInfo {
  const doc = parse(showUnit(current().lm, unit)) as ShowUnit;
  const info = doc[unit]!['relation-info'].find((r) => r.endpoint === endpoint);
  if (!info) throw new Error(`${unit} has no ${endpoint} relation`);
  return info;
}

function status(unit: string): StatusRecord {
  return current().lm.model.units[unit]!.status;
}

/** Every status the unit had, oldest first, including the current one. */
function statusTrail(unit: string): string[] {
  const u = current().lm.model.units[unit]!;
  return [...u.statusHistory, u.status].map((s) => `${s.status}: ${s.message}`);
}

// Config validation (PUT /connector-plugins/<class>/config/validate) changes nothing on Connect.
const writes = (rs: readonly RecordedRequest[]) =>
  rs.filter((r) => r.method !== 'GET' && !r.path.endsWith('/config/validate')).map((r) => `${r.method} ${decodeURIComponent(r.path)}`);

/** Runs `op` and returns the REST requests and the hooks it caused. */
async function observe(op: () => Promise<unknown>): Promise<{ requests: RecordedRequest[]; hooks: ServedHook[] }> {
  const { fake, served } = current();
  const r0 = fake.requests.length;
  const h0 = served.length;
  await op();
  return { requests: fake.requests.slice(r0), hooks: served.slice(h0) };
}

async function runAction(unit: string, name: string, params: Record<string, unknown> = {}): Promise<ActionOutcome> {
  const outcome = await current().lm.run(unit, name, params);
  current().actionOutcomes.push(outcome);
  return outcome;
}

/** Everything a model exposed: log lines, statuses, action results, tool-call traces, show-unit. */
function exposedTexts({ lm, actionOutcomes, served }: TestModel): string[] {
  const texts: string[] = [];
  for (const l of lm.model.logs) texts.push(l.message);
  for (const u of Object.values(lm.model.units)) for (const s of [...u.statusHistory, u.status]) texts.push(s.message);
  for (const a of Object.values(lm.model.applications)) for (const s of [a.status, ...a.statusHistory]) texts.push(s.message);
  for (const o of actionOutcomes) texts.push(JSON.stringify(o.results), o.message ?? '', ...o.logs, o.stdout, o.stderr);
  for (const h of served) texts.push(JSON.stringify(h.transcript));
  for (const u of Object.keys(lm.model.units)) texts.push(showUnit(lm, u));
  return texts;
}

beforeAll(async () => {
  world = await preparePackedWorld();
});

afterEach(async () => {
  const done = m;
  m = undefined;
  if (!done) return;
  try {
    for (const text of exposedTexts(done)) {
      for (const secret of ALL_PASSWORDS) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/LoginModule required/);
    }
    expect(done.fake.requests.filter((r) => !r.authorized)).toEqual([]);
  } finally {
    await done.lm.close();
    await done.fake.stop();
  }
});

afterAll(() => {
  if (world) fs.rmSync(world.tmp, { recursive: true, force: true });
});

test('the pack is the real charm, and the hooks’ PATH has the hook tools and the system’s without node', async () => {
  const { lm } = await modelAt('empty');
  expect(world.charmFile.endsWith(`/${CHARM_FILE_NAME}`)).toBe(true);
  expect(lm.hookPath.split(':')).toEqual([expect.stringContaining('localmodel-tools-'), noNodeSystemPath()]);
  const noNode = spawnSync('/bin/sh', ['-c', 'command -v node'], { env: { PATH: lm.hookPath }, encoding: 'utf8' });
  expect(noNode.status).not.toBe(0);
  expect(noNode.stdout).toBe('');
  const tools = spawnSync('/bin/sh', ['-c', 'command -v relation-get'], { env: { PATH: lm.hookPath }, encoding: 'utf8' });
  expect(tools.status).toBe(0);
});

test('deploy: the setup hooks all commit, and the charm is Blocked naming the missing relations', async () => {
  const { lm, fake } = await modelAt('deployed');
  expect(lm.apps[APP]!.packed).toBe(true);
  expect(lm.history.filter((h) => h.unit === LEADER).map((h) => [h.event, h.ok])).toEqual([
    ['install', true],
    ['peer-relation-created', true],
    ['leader-elected', true],
    ['config-changed', true],
    ['start', true],
  ]);
  expect(status(LEADER)).toMatchObject({ status: 'blocked', message: 'missing relations: source, target, connect-client' });
  expect(statusView(lm).apps.find((a) => a.app === APP)).toMatchObject({ status: 'blocked' });
  await deployProviders(lm, world, fake.url);
  expect(lm.history.every((h) => h.ok)).toBe(true);
  expect(fake.requests).toEqual([]);
});

test('integrate source: the requirer asks for the topic and admin role; Kafka A publishes endpoints and secret URIs', async () => {
  const { lm } = await modelAt('providers');
  const { requests, hooks } = await observe(() => lm.integrate(`${APP}:source`, 'kafka-a'));
  expect(requests).toEqual([]); // no Connect relation yet: nothing to talk to
  expect(hooks.filter((h) => h.unit === LEADER).map((h) => h.event)).toEqual([
    'source-relation-created',
    'source-relation-joined',
    'source-relation-changed',
    'source-relation-changed', // after Kafka A published its app data
  ]);
  const mine = relationInfo(LEADER, 'source');
  expect(mine['local-application-data']).toEqual({
    topic: '__mirrormaker-user',
    'extra-user-roles': 'admin',
    'requested-secrets': REQUESTED_SECRETS,
  });
  expect(mine['application-data']).toEqual({
    endpoints: '127.0.1.11:9092,127.0.1.12:9092',
    topic: '__mirrormaker-user',
    'secret-user': expect.stringMatching(/^secret:[0-9a-v]{20}$/),
    'secret-tls': expect.stringMatching(/^secret:[0-9a-v]{20}$/),
  });
  // The user secret carries the configured SCRAM user, granted to this relation only.
  const userSecret = lm.model.secrets[mine['application-data']['secret-user']!.replace(/^secret:/, '')]!;
  expect(userSecret.revisions.at(-1)!.content).toMatchObject({ username: SOURCE_USER });
  expect(userSecret.grants).toEqual([expect.objectContaining({ target: APP, relationId: mine['relation-id'] })]);
  // The charm read it under its own label (data_interfaces label pinning).
  expect(userSecret.consumers[LEADER]).toMatchObject({ label: `source.${mine['relation-id']}.user.secret` });
  expect(status(LEADER)).toMatchObject({ status: 'blocked', message: 'missing relations: target, connect-client' });
  expect(status('kafka-a/0')).toMatchObject({ status: 'active', message: 'serving 1 client' });
});

test('integrate target, then connect-client: Waiting on the way, then Active with 3 connectors PUT', async () => {
  const { lm, fake, names } = await modelAt('source');
  await lm.integrate(`${APP}:target`, 'kafka-b');
  expect(relationInfo(LEADER, 'target')['application-data']).toMatchObject({ endpoints: '127.0.2.21:9092', topic: '__mirrormaker-user' });
  expect(status(LEADER)).toMatchObject({ status: 'blocked', message: 'missing relations: connect-client' });
  const trailBefore = statusTrail(LEADER).length;

  const { requests, hooks } = await observe(() => lm.integrate(`${APP}:connect-client`, 'kafka-connect'));
  expect(hooks.filter((h) => h.unit === LEADER).map((h) => h.event)).toEqual([
    'connect-client-relation-created',
    'connect-client-relation-joined',
    'connect-client-relation-changed',
    'connect-client-relation-changed',
  ]);
  // Until Kafka Connect has published its endpoints and user, the charm waits for it.
  const trail = statusTrail(LEADER).slice(trailBefore - 1);
  expect(trail.some((s) => s.startsWith('waiting: '))).toBe(true);
  expect(trail.at(-1)).toBe('active: mirroring kafka-a → kafka-b: 3 connectors RUNNING, 3 tasks');
  expect(statusView(lm).apps.find((a) => a.app === APP)).toMatchObject({ status: 'active' });

  const mine = relationInfo(LEADER, 'connect-client');
  expect(mine['local-application-data']).toEqual({
    'plugin-url': 'NOT-REQUIRED',
    'requested-secrets': REQUESTED_SECRETS,
  });
  expect(mine['application-data']).toEqual({ endpoints: fake.url, 'secret-user': expect.stringMatching(/^secret:[0-9a-v]{20}$/) });

  // Exactly three writes, each creating one of the charm's connectors, authenticated.
  expect(writes(requests).sort()).toEqual(
    [names.checkpoint, names.heartbeat, names.source].map((n) => `PUT /connectors/${n}/config`).sort(),
  );
  expect(requests.every((r) => r.authorized)).toBe(true);
  for (const name of Object.values(names)) expect(name).toMatch(/^mirror_(source|checkpoint|heartbeat)_mirrormaker_r3_[0-9a-f]{32}$/);
  const source = fake.connector(names.source)!.config;
  expect(source).toMatchObject({
    'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
    'source.cluster.alias': 'kafka-a',
    'target.cluster.alias': 'kafka-b',
    'source.cluster.bootstrap.servers': '127.0.1.11:9092,127.0.1.12:9092',
    'target.cluster.bootstrap.servers': '127.0.2.21:9092',
    topics: '.*',
  });
  // The SCRAM users from the providers' secrets reached the connector config (and only there).
  expect(source['source.cluster.sasl.jaas.config']).toContain(`username="${SOURCE_USER}" password="${SOURCE_PASSWORD}"`);
  expect(source['target.cluster.sasl.jaas.config']).toContain(`username="${TARGET_USER}" password="${TARGET_PASSWORD}"`);
  expect(fake.connector(FOREIGN)).toBeDefined();
  // The passwords did travel: to Connect, inside the connector configs the charm PUT.
  const puts = requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/config')).map((r) => JSON.stringify(r.body));
  expect(puts.some((b) => [SOURCE_PASSWORD, TARGET_PASSWORD].every((p) => b.includes(p)))).toBe(true);
});

test('config topics=… PUTs exactly the affected connectors, once each', async () => {
  const { lm, fake, names } = await modelAt('active');
  const { requests } = await observe(() => lm.config(APP, { topics: 'orders,payments.*' }));
  expect(writes(requests).sort()).toEqual([`PUT /connectors/${names.checkpoint}/config`, `PUT /connectors/${names.source}/config`].sort());
  expect(fake.connector(names.source)!.config['topics']).toBe('orders,payments.*');
  expect(fake.connector(names.checkpoint)!.config['topics']).toBe('orders,payments.*');
  expect(status(LEADER).status).toBe('active');
});

test('update-status in the steady state: 0 REST writes, 0 relation-set, no status-set, on every unit', async () => {
  const { lm } = await modelAt('active');
  await lm.updateStatus(); // status memory settles after the relations' hooks
  const { requests, hooks } = await observe(() => lm.updateStatus());
  expect(hooks.map((h) => h.unit).sort()).toEqual(['kafka-a/0', 'kafka-b/0', 'kafka-connect/0', LEADER]);
  expect(writes(requests)).toEqual([]);
  expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /connectors']);
  const tools = hooks.flatMap((h) => h.transcript.map((t) => t.tool));
  expect(tools).not.toContain('relation-set');
  expect(tools).not.toContain('status-set');
  expect(tools).not.toContain('state-set');
  expect(hooks.every((h) => h.transcript.every((t) => t.code === 0))).toBe(true);
  // The charm logs its own tool-call count; it agrees with what the agent served.
  const mine = hooks.find((h) => h.unit === LEADER)!;
  // Remote app names come from controller state (learnt in the relations' own hooks): no
  // relation-list; reads only, each at most once (the framework's per-dispatch memo).
  const leaderCalls = mine.transcript.map((t) => `${t.tool} ${t.args.join(' ')}`);
  // By tool, not in order: one relation-ids and one bag per endpoint (connect-client, source,
  // target, peer), remote app names from controller state, every credential read once (Connect is
  // compared with what the secrets hold now): the connect-client user, and user + tls of both
  // Kafka clusters.
  const count = (tool: string): number => mine.transcript.filter((t) => t.tool === tool).length;
  expect({
    config: count('config-get'),
    relationIds: count('relation-ids'),
    relations: count('relation-get'),
    secrets: count('secret-get'),
  }).toEqual({
    config: 1,
    relationIds: 5, // + receive-ca-cert
    relations: 4,
    secrets: 5,
  });
  expect(leaderCalls.filter((c) => c.startsWith('relation-list'))).toEqual([]);
  expect(new Set(leaderCalls).size).toBe(leaderCalls.length);
  const logged = lm.model.logs
    .filter((l) => l.unit === LEADER && l.context === 'update-status' && /done with \d+ hook-tool call/.test(l.message))
    .at(-1);
  expect(logged?.message).toContain(`done with ${mine.transcript.length} hook-tool call(s)`);
  expect(status(LEADER).message).toBe('mirroring kafka-a → kafka-b: 3 connectors RUNNING, 3 tasks');
});

describe('actions on the leader', () => {
  test('status: the flow, each connector’s state and tasks, no writes', async () => {
    const { lm, names } = await modelAt('active');
    await lm.config(APP, { topics: 'orders,payments.*' });
    let outcome: ActionOutcome | undefined;
    const { requests } = await observe(async () => (outcome = await runAction(LEADER, 'status')));
    expect(writes(requests)).toEqual([]);
    expect(outcome).toMatchObject({ status: 'completed', returnCode: 0 });
    const res = outcome!.results as Record<string, any>;
    expect(res['summary']).toBe('active: mirroring kafka-a → kafka-b: 3 connectors RUNNING, 3 tasks');
    expect(res['paused']).toBe('false');
    expect(res['flow']).toMatchObject({ source: 'kafka-a', target: 'kafka-b', topics: 'orders,payments.*' });
    expect(res['connectors']['source']).toMatchObject({ name: names.source, state: 'RUNNING', 'task-count': '1' });
    expect(res['connectors']['heartbeat']).toMatchObject({ name: names.heartbeat, state: 'RUNNING' });
  });

  test('pause: the three connectors are paused and stay paused across update-status', async () => {
    const { lm, fake, names } = await modelAt('active');
    let outcome: ActionOutcome | undefined;
    const { requests } = await observe(async () => (outcome = await runAction(LEADER, 'pause')));
    expect(outcome).toMatchObject({ status: 'completed', results: { paused: 'true' } });
    expect(writes(requests).sort()).toEqual(
      [names.checkpoint, names.heartbeat, names.source].map((n) => `PUT /connectors/${n}/pause`).sort(),
    );
    expect(status(LEADER).message).toMatch(/^paused by operator \(run the resume action\)/);
    const idle = await observe(() => lm.updateStatus());
    expect(writes(idle.requests)).toEqual([]);
    expect(Object.values(names).map((n) => fake.connector(n)!.targetState)).toEqual(['PAUSED', 'PAUSED', 'PAUSED']);
  });

  test('resume: the three connectors run again and the status is Active', async () => {
    const { names } = await modelAt('active');
    expect(await runAction(LEADER, 'pause')).toMatchObject({ status: 'completed' });
    let outcome: ActionOutcome | undefined;
    const { requests } = await observe(async () => (outcome = await runAction(LEADER, 'resume')));
    expect(outcome).toMatchObject({ status: 'completed', results: { paused: 'false' } });
    expect(
      writes(requests)
        .filter((w) => w.endsWith('/resume'))
        .sort(),
    ).toEqual([names.checkpoint, names.heartbeat, names.source].map((n) => `PUT /connectors/${n}/resume`).sort());
    expect(status(LEADER)).toMatchObject({ status: 'active', message: 'mirroring kafka-a → kafka-b: 3 connectors RUNNING, 3 tasks' });
  });

  test('restart: only failed parts by default; all=true restarts every connector', async () => {
    const { lm, fake, names } = await modelAt('active');
    fake.holdRestarts(true);
    fake.failConnector(names.checkpoint, 'java.lang.RuntimeException: boom');
    let only: ActionOutcome | undefined;
    const failed = await observe(async () => (only = await runAction(LEADER, 'restart')));
    expect(only).toMatchObject({ status: 'completed', results: { restarted: names.checkpoint, count: '1' } });
    expect(failed.requests.filter((r) => r.method === 'POST').map((r) => [decodeURIComponent(r.path), r.query['onlyFailed']])).toEqual([
      [`/connectors/${names.checkpoint}/restart`, ['true']],
    ]);
    fake.settleRestarts();
    fake.holdRestarts(false);
    let all: ActionOutcome | undefined;
    const every = await observe(async () => (all = await runAction(LEADER, 'restart', { all: true })));
    expect(all).toMatchObject({ status: 'completed', results: { count: '3' } });
    expect(every.requests.filter((r) => r.method === 'POST').map((r) => r.query['onlyFailed']?.[0])).toEqual(['false', 'false', 'false']);
    await lm.updateStatus();
    expect(status(LEADER).status).toBe('active');
  });
});

describe('a second unit (non-leader)', () => {
  test('add-unit: the new unit joins every relation and makes no REST write', async () => {
    const { lm } = await modelAt('active');
    const { requests, hooks } = await observe(() => lm.addUnit(APP));
    expect(lm.history.filter((h) => !h.ok)).toEqual([]);
    expect(writes(requests)).toEqual([]);
    const events = hooks.filter((h) => h.unit === `${APP}/1`).map((h) => h.event);
    expect(events.slice(0, 5)).toEqual([
      'install',
      'peer-relation-created',
      'source-relation-created',
      'target-relation-created',
      'connect-client-relation-created',
    ]);
    expect(events).toContain('connect-client-relation-changed');
    expect(lm.model.units[`${APP}/1`]!.leader).toBe(false);
  });

  test('update-status on the non-leader: the leader’s published status from the peer bag, no writes', async () => {
    const { lm } = await modelAt('two-units');
    await lm.updateStatus(); // the new unit learns what it has not asked before
    const { requests, hooks } = await observe(() => lm.updateStatus());
    const mine = hooks.find((h) => h.unit === `${APP}/1`)!;
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
    const calls = mine.transcript.map((t) => t.tool);
    expect(new Set(calls)).toEqual(new Set(['state-get', 'is-leader', 'relation-ids', 'relation-get']));
    expect(calls.filter((t) => t === 'relation-get')).toHaveLength(1);
    expect(status(`${APP}/1`).status).toBe(status(LEADER).status);
  });

  test('every action fails on the non-leader with the command to run instead, touching nothing', async () => {
    await modelAt('two-units');
    for (const name of ['status', 'pause', 'resume', 'restart']) {
      let outcome: ActionOutcome | undefined;
      const { requests, hooks } = await observe(async () => (outcome = await runAction(`${APP}/1`, name)));
      expect(outcome).toMatchObject({
        status: 'failed',
        message: `${APP}/1 is not the leader; only the leader talks to Kafka Connect. Run: juju run ${APP}/leader ${name}`,
      });
      expect(requests).toEqual([]);
      expect(hooks.flatMap((h) => h.transcript).filter((t) => t.tool === 'relation-set')).toEqual([]);
    }
  });
});

test('remove-relation connect-client: the charm’s connectors are deleted, foreign ones untouched', async () => {
  const { lm, fake, names } = await modelAt('active');
  const { requests } = await observe(() => lm.removeRelation(`${APP}:connect-client`, 'kafka-connect'));
  expect(lm.history.filter((h) => !h.ok)).toEqual([]);
  const deleted = writes(requests).filter((w) => w.startsWith('DELETE '));
  expect([...new Set(deleted)].sort()).toEqual(
    [names.checkpoint, names.heartbeat, names.source].map((n) => `DELETE /connectors/${n}`).sort(),
  );
  for (const n of Object.values(names)) expect(fake.connector(n)).toBeUndefined();
  expect(fake.connector(FOREIGN)).toBeDefined();
  expect(fake.connector(FOREIGN_LOOKALIKE)).toBeDefined();
  expect(fake.requests.filter((r) => r.method !== 'GET' && (r.path.includes(FOREIGN) || r.path.includes(FOREIGN_LOOKALIKE)))).toEqual([]);
  expect(status(LEADER)).toMatchObject({ status: 'blocked', message: 'missing relations: connect-client' });
  expect(lm.model.relations.some((r) => r.ends.some((e) => e.endpoint === 'connect-client'))).toBe(false);
});

test('no SCRAM or REST password in anything a model exposed, with the actions run and a unit added', async () => {
  const model = await modelAt('two-units');
  for (const name of ['status', 'pause', 'resume', 'restart']) await runAction(LEADER, name);
  await model.lm.updateStatus();
  const texts = exposedTexts(model);
  expect(texts.length).toBeGreaterThan(100);
  expect(model.lm.model.logs.filter((l) => l.unit.startsWith(`${APP}/`)).length).toBeGreaterThan(20);
  // the check itself runs after every test (afterEach)
});
