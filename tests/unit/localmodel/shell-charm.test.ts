/**
 * A charm that is not ours (POSIX shell, no framework) end to end through the local model, as a
 * packed .charm: deploy (2 units + peers) → integrate with a shell provider → config → actions →
 * remove-relation → remove-unit, checking the events each unit saw (in order), statuses, relation
 * data, logs, secrets and action results. Each test opens its own model and brings it to the
 * stage it starts from (deployed, or integrated with the provider), so each runs alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalModel, Refusal } from '../../../lib/localmodel/driver';
import { formatStatus, showUnit } from '../../../lib/localmodel/status';
import { CACHE_DIR, eventsOf, SHELL_CHARM, SHELL_PROVIDER, zipCharmDir } from './helpers';

jest.setTimeout(60_000);

let tmp: string | undefined;
let logs: string;
let lm: LocalModel | undefined;
let relationId: number;

/** A new model: `req` (2 units, packed) deployed, and with `to: 'integrated'` related to `prov`. */
async function modelAt(to: 'deployed' | 'integrated'): Promise<LocalModel> {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-shell-'));
  logs = path.join(tmp, 'events');
  fs.mkdirSync(logs);
  const charm = await zipCharmDir(SHELL_CHARM, path.join(tmp, 'shell-charm.charm'));
  const model = await LocalModel.open({ modelDir: path.join(tmp, 'model'), cacheDir: CACHE_DIR });
  lm = model;
  await model.deploy(charm, { app: 'req', units: 2, env: { EVENT_LOG_DIR: logs } });
  if (to === 'integrated') {
    await model.deploy(SHELL_PROVIDER, { app: 'prov', units: 1, env: { EVENT_LOG_DIR: logs } });
    relationId = await model.integrate('req', 'prov:data');
  }
  return model;
}

afterEach(async () => {
  await lm?.close();
  lm = undefined;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

function model(): LocalModel {
  if (!lm) throw new Error('the test opened no model');
  return lm;
}
const state = (unit: string) => model().model.units[unit]!.state;
const status = (unit: string) => ({ status: model().model.units[unit]!.status.status, message: model().model.units[unit]!.status.message });

test('deploy: each unit runs install → peer created → leader-elected / leader-settings-changed → config-changed → start, then peer joined/changed', async () => {
  const lm = await modelAt('deployed');
  expect(eventsOf(logs, 'req/0')).toEqual([
    'hooks/install',
    'hooks/cluster-relation-created',
    'hooks/leader-elected',
    'hooks/config-changed',
    'hooks/start',
    'hooks/cluster-relation-joined req/1',
    'hooks/cluster-relation-changed req/1',
  ]);
  expect(eventsOf(logs, 'req/1')).toEqual([
    'hooks/install',
    'hooks/cluster-relation-created',
    'hooks/leader-settings-changed',
    'hooks/config-changed',
    'hooks/start',
    'hooks/cluster-relation-joined req/0',
    'hooks/cluster-relation-changed req/0',
  ]);
  expect(lm.model.units['req/0']!.leader).toBe(true);
  expect(status('req/0')).toEqual({ status: 'active', message: 'ready' });
  expect(state('req/0')).toMatchObject({ installed: 'yes', greeting: 'hello' });
});

test('bad tool calls from the charm got Juju’s exit codes (unknown flag 2, unknown relation id 2, bad status 2)', async () => {
  await modelAt('deployed');
  expect(state('req/1')).toMatchObject({ 'bad-flag': '2', 'bad-relation': '2', 'bad-status': '2' });
});

test('stdout goes to the unit log at DEBUG, juju-log at INFO, with the hook as context', async () => {
  const lm = await modelAt('deployed');
  const mine = lm.model.logs.filter((l) => l.unit === 'req/0' && l.context === 'install');
  expect(mine).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ level: 'INFO', message: 'running hooks/install' }),
      expect.objectContaining({ level: 'DEBUG', message: 'stdout of install' }),
    ]),
  );
});

test('integrate: created on every unit, then joined → changed per remote unit; data flows both ways with a secret', async () => {
  const lm = await modelAt('integrated');
  const req0 = eventsOf(logs, 'req/0');
  const fromIntegrate = req0.slice(req0.indexOf('hooks/data-relation-created'));
  expect(fromIntegrate.slice(0, 3)).toEqual([
    'hooks/data-relation-created',
    'hooks/data-relation-joined prov/0',
    'hooks/data-relation-changed prov/0',
  ]);
  const prov = eventsOf(logs, 'prov/0');
  const provFrom = prov.slice(prov.indexOf('hooks/data-relation-created'));
  expect(provFrom.slice(0, 5)).toEqual([
    'hooks/data-relation-created',
    'hooks/data-relation-joined req/0',
    'hooks/data-relation-changed req/0',
    'hooks/data-relation-joined req/1',
    'hooks/data-relation-changed req/1',
  ]);
  const relation = lm.model.relations.find((r) => r.id === relationId)!;
  expect(relation.appData['req']).toEqual({ greeting: 'hello' });
  expect(relation.appData['prov']).toMatchObject({ token: 't0', 'secret-id': expect.stringMatching(/^secret:[0-9a-v]{20}$/) });
  expect(relation.unitData['req/1']).toMatchObject({ 'unit-greeting': 'req/1 says hello', 'private-address': '127.0.0.1' });
  expect(status('req/1')).toEqual({ status: 'active', message: 'token=t0' });
  expect(state('req/1')).toMatchObject({ 'nonleader-app-write': '1', 'password-seen': 'pw-t0' });
  expect(status('prov/0')).toEqual({ status: 'active', message: 'greeting=hello' });
  // The provider saw the app-bag change in a relation-changed with no remote unit.
  expect(prov).toContain('hooks/data-relation-changed');
});

test('integrating the same endpoints again, or past the endpoint limit, is refused', async () => {
  const lm = await modelAt('integrated');
  await expect(lm.integrate('req:data', 'prov:data')).rejects.toThrow(new Refusal('relation req:data prov:data already exists'));
});

test('config: validated like Juju; a change runs config-changed on every unit and flows to the other side', async () => {
  const lm = await modelAt('integrated');
  await expect(lm.config('req', { times: 'many' })).rejects.toThrow('option "times" expected int, got "many"');
  await expect(lm.config('req', { loud: 'yes' })).rejects.toThrow('option "loud" expected boolean, got "yes"');
  await expect(lm.config('req', { nope: 'x' })).rejects.toThrow('unknown option "nope"');
  const before = eventsOf(logs, 'req/1').length;
  await lm.config('req', { greeting: 'bonjour', times: '3' });
  expect(eventsOf(logs, 'req/1').slice(before)[0]).toBe('hooks/config-changed');
  expect(lm.getConfig('req')).toMatchObject({ greeting: 'bonjour', times: 3 });
  expect(lm.model.relations.find((r) => r.id === relationId)!.appData['req']).toEqual({ greeting: 'bonjour' });
  expect(status('prov/0')).toEqual({ status: 'active', message: 'greeting=bonjour' });
  const unchanged = lm.history.length;
  await lm.config('req', { greeting: 'bonjour' });
  expect(lm.history.length).toBe(unchanged);
});

test('secrets: a new revision by the owner fires secret-changed on the consumers that track it', async () => {
  const lm = await modelAt('integrated');
  expect(state('req/0')['password-seen']).toBe('pw-t0');
  await lm.config('prov', { token: 't1' });
  expect(eventsOf(logs, 'req/0')).toContain('hooks/secret-changed');
  expect(state('req/0')['password-seen']).toBe('pw-t1');
  expect(status('req/0')).toEqual({ status: 'active', message: 'token=t1' });
});

test('actions: success with results, logs and stdout; params validated against actions.yaml', async () => {
  const lm = await modelAt('deployed');
  const ok = await lm.run('req/1', 'greet', { name: 'ann' });
  expect(ok).toMatchObject({
    status: 'completed',
    results: { greeting: 'hello ann', times: '2', nested: { key: 'v' }, 'bad-key-code': '2' },
    logs: ['greeting ann'],
    stdout: 'stdout of greet\ngreeted ann\n',
    returnCode: 0,
  });
  expect(eventsOf(logs, 'req/1').at(-1)).toBe('actions/greet');
  await expect(lm.run('req/1', 'greet', {})).rejects.toThrow('validation failed: (root) : name is required');
  await expect(lm.run('req/1', 'greet', { name: 5 })).rejects.toThrow(
    'validation failed: (root).name : Invalid type. Expected: string, given: integer',
  );
  await expect(lm.run('req/1', 'greet', { name: 'a', extra: 1 })).rejects.toThrow(
    'validation failed: (root) : Additional property extra is not allowed',
  );
  await expect(lm.run('req/1', 'dance')).rejects.toThrow('action "dance" not defined on unit "req/1"');
});

test('actions: action-fail and a non-zero exit fail the action, not the unit', async () => {
  const lm = await modelAt('deployed');
  const failed = await lm.run('req/0', 'explode');
  expect(failed).toMatchObject({ status: 'failed', message: 'exploded as asked', stderr: 'about to explode\n', returnCode: 0 });
  const crashed = await lm.run('req/0', 'crash');
  expect(crashed).toMatchObject({ status: 'failed', message: 'exit status 3', returnCode: 3 });
  expect(status('req/0').status).not.toBe('error');
});

test('status table and show-unit', async () => {
  const lm = await modelAt('integrated');
  await lm.config('req', { greeting: 'bonjour' });
  await lm.config('prov', { token: 't1' });
  const text = formatStatus(lm);
  expect(text).toMatch(/^req\s+active\s+2\s+shell-charm\s+1\s+token=t1$/m);
  expect(text).toMatch(/^req\/0\*\s+active\s+idle\s+127\.0\.0\.1\s+token=t1$/m);
  expect(text).toMatch(/^req\/1\s+active\s+idle\s+127\.0\.0\.1\s+token=t1$/m);
  expect(text).toMatch(/^prov:data\s+req:data\s+shell-data\s+regular$/m);
  expect(text).toMatch(/^req:cluster\s+req:cluster\s+shell-cluster\s+peer$/m);
  const shown = showUnit(lm, 'req/1');
  expect(shown).toContain('relation-info:');
  expect(shown).toContain('unit-greeting: req/1 says bonjour');
  expect(shown).toContain('token: t1');
  expect(shown).toContain('leader: false');
});

test('remove-relation: departed per remote unit then broken, on every unit; the relation goes away', async () => {
  const lm = await modelAt('integrated');
  await lm.removeRelation('req', 'prov');
  expect(eventsOf(logs, 'req/0').slice(-2)).toEqual(['hooks/data-relation-departed prov/0 prov/0', 'hooks/data-relation-broken']);
  // Juju gives no order between the remote units one unit sees depart: any order, broken last.
  const provTail = eventsOf(logs, 'prov/0').slice(-3);
  expect([...provTail.slice(0, 2)].sort()).toEqual([
    'hooks/data-relation-departed req/0 req/0',
    'hooks/data-relation-departed req/1 req/1',
  ]);
  expect(provTail[2]).toBe('hooks/data-relation-broken');
  expect(state('req/0')).toMatchObject({ departed: 'prov/0', 'broken-app-write': '1' });
  expect(status('req/0')).toEqual({ status: 'blocked', message: 'no provider' });
  expect(lm.model.relations.some((r) => r.id === relationId)).toBe(false);
  expect(Object.values(lm.model.secrets).every((s) => s.grants.length === 0)).toBe(true);
});

test('remove-unit of the leader: peers see departed; the unit runs stop → departed → remove; a new leader is elected', async () => {
  const lm = await modelAt('deployed');
  await lm.removeUnit('req/0');
  expect(eventsOf(logs, 'req/0').slice(-3)).toEqual(['hooks/stop', 'hooks/cluster-relation-departed req/1 req/0', 'hooks/remove']);
  expect(eventsOf(logs, 'req/1').slice(-2)).toEqual(['hooks/cluster-relation-departed req/0 req/0', 'hooks/leader-elected']);
  expect(lm.model.units['req/0']).toBeUndefined();
  expect(lm.model.units['req/1']!.leader).toBe(true);
  expect(formatStatus(lm)).toMatch(/^req\/1\*/m);
});

test('the state persists: a second LocalModel on the same directory sees the same model', async () => {
  const lm = await modelAt('deployed');
  await lm.config('req', { greeting: 'bonjour' });
  await lm.removeUnit('req/0');
  lm.save();
  const again = await LocalModel.open({ modelDir: lm.modelDir, cacheDir: CACHE_DIR });
  try {
    expect(Object.keys(again.model.units).sort()).toEqual(['req/1']);
    await again.updateStatus();
    expect(again.model.units['req/1']!.status).toMatchObject({ status: 'active', message: 'greeting=bonjour' });
  } finally {
    await again.close();
  }
});
