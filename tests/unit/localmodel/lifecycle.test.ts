/**
 * Orderings the shell-charm walk-through does not reach: add-unit into an existing regular
 * relation, remove-unit of a related non-leader (departed on both sides, broken on the unit),
 * and refresh (upgrade-charm → config-changed, with the new charm's files).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalModel } from '../../../lib/localmodel/driver';
import { CACHE_DIR, eventsOf, SHELL_CHARM, SHELL_PROVIDER, zipCharmDir } from './helpers';

jest.setTimeout(60_000);

let tmp: string;
let logs: string;
let lm: LocalModel | undefined;

/** Each test's own model: `req` (the shell charm, packed) related to `prov`, one unit each. */
async function related(modelType: 'machine' | 'kubernetes' = 'machine'): Promise<LocalModel> {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-life-'));
  logs = path.join(tmp, 'events');
  fs.mkdirSync(logs);
  const model = await LocalModel.open({ cacheDir: CACHE_DIR, modelType });
  lm = model;
  await model.deploy(await zipCharmDir(SHELL_CHARM, path.join(tmp, 'req.charm')), { app: 'req', env: { EVENT_LOG_DIR: logs } });
  await model.deploy(SHELL_PROVIDER, { app: 'prov', env: { EVENT_LOG_DIR: logs } });
  await model.integrate('req', 'prov');
  return model;
}

afterEach(async () => {
  await lm?.close();
  lm = undefined;
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('add-unit: setup (created for peer then regular relations) → start, then joined/changed with peers and the remote app', async () => {
  const lm = await related();
  const provBefore = eventsOf(logs, 'prov/0').length;
  expect(await lm.addUnit('req')).toEqual(['req/1']);
  expect(eventsOf(logs, 'req/1')).toEqual([
    'hooks/install',
    'hooks/cluster-relation-created',
    'hooks/data-relation-created',
    'hooks/leader-settings-changed',
    'hooks/config-changed',
    'hooks/start',
    'hooks/cluster-relation-joined req/0',
    'hooks/cluster-relation-changed req/0',
    'hooks/data-relation-joined prov/0',
    'hooks/data-relation-changed prov/0',
  ]);
  expect(eventsOf(logs, 'req/0').slice(-2)).toEqual(['hooks/cluster-relation-joined req/1', 'hooks/cluster-relation-changed req/1']);
  expect(eventsOf(logs, 'prov/0').slice(provBefore)).toEqual(['hooks/data-relation-joined req/1', 'hooks/data-relation-changed req/1']);
  expect(lm.model.units['req/1']!.state).toMatchObject({ 'password-seen': 'pw-t0', 'nonleader-app-write': '1' });
  // Each unit of a packed charm has its own charm directory.
  expect(lm.unitStates['req/1']!.charmDir).not.toBe(lm.unitStates['req/0']!.charmDir);
});

test('remove-unit of a related non-leader: departed on the remote side and peers; stop → departed… → broken → remove on the unit', async () => {
  const lm = await related();
  expect(await lm.addUnit('req')).toEqual(['req/1']);
  const provBefore = eventsOf(logs, 'prov/0').length;
  await lm.removeUnit('req/1');
  expect(eventsOf(logs, 'req/1').slice(-5)).toEqual([
    'hooks/stop',
    'hooks/cluster-relation-departed req/0 req/1',
    'hooks/data-relation-departed prov/0 req/1',
    'hooks/data-relation-broken',
    'hooks/remove',
  ]);
  expect(eventsOf(logs, 'prov/0').slice(provBefore)).toEqual(['hooks/data-relation-departed req/1 req/1']);
  expect(eventsOf(logs, 'req/0').at(-1)).toBe('hooks/cluster-relation-departed req/1 req/1');
  expect(lm.model.units['req/0']!.leader).toBe(true);
  expect(fs.existsSync(path.join(lm.modelDir, 'units', 'req-1'))).toBe(false);
});

test("machines: a removed unit's number is never given again (Juju's per-application unit sequence)", async () => {
  const lm = await related();
  expect(await lm.addUnit('req', 2)).toEqual(['req/1', 'req/2']);
  await lm.removeUnit('req/2');
  await lm.removeUnit('req/1');
  expect(await lm.addUnit('req')).toEqual(['req/3']);
  await lm.removeUnit('req/0');
  expect(lm.model.units['req/3']!.leader).toBe(true);
  expect(await lm.addUnit('req')).toEqual(['req/4']);
  expect(lm.history.filter((h) => !h.ok)).toEqual([]);
});

test('Kubernetes: a scale-up after a scale-down takes the old ordinal again, as a new unit in every relation', async () => {
  const lm = await related('kubernetes');
  expect(await lm.addUnit('req')).toEqual(['req/1']);
  await lm.removeUnit('req/1');
  expect(eventsOf(logs, 'req/1').at(-1)).toBe('hooks/remove');
  const before = eventsOf(logs, 'req/1').length;
  // the pod req-1 again: a new unit, not the one that ran data-relation-broken
  expect(await lm.addUnit('req')).toEqual(['req/1']);
  expect(eventsOf(logs, 'req/1').slice(before)).toEqual(
    expect.arrayContaining(['hooks/data-relation-joined prov/0', 'hooks/data-relation-changed prov/0']),
  );
  expect(lm.history.filter((h) => !h.ok)).toEqual([]);
  expect(lm.model.units['req/1']!.state).toMatchObject({ 'password-seen': 'pw-t0' });
});

test('refresh: upgrade-charm → config-changed on every unit, running the new charm', async () => {
  const lm = await related();
  const v2 = path.join(tmp, 'req-v2');
  fs.cpSync(SHELL_CHARM, v2, { recursive: true });
  const dispatchFile = path.join(v2, 'dispatch');
  fs.writeFileSync(
    dispatchFile,
    fs
      .readFileSync(dispatchFile, 'utf8')
      .replace('status-set active ready', 'status-set active ready-v2')
      .replace('hooks/start)', 'hooks/start|hooks/upgrade-charm)'),
  );
  await lm.refresh('req', await zipCharmDir(v2, path.join(tmp, 'req-v2.charm')));
  expect(eventsOf(logs, 'req/0').slice(-2)).toEqual(['hooks/upgrade-charm', 'hooks/config-changed']);
  expect(lm.apps['req']!.revision).toBe(2);
  expect(lm.model.units['req/0']!.status).toMatchObject({ status: 'active', message: 'ready-v2' });
});

test.each([
  ['machine', true],
  ['kubernetes', false],
] as const)(
  'refresh on a %s model: the old charm’s files go, the new ones come, and what the unit wrote in its charm directory stays: %s',
  async (modelType, kept) => {
    const lm = await related(modelType);
    const unitDir = lm.unitStates['req/0']!.charmDir;
    fs.writeFileSync(path.join(unitDir, '.unit-state.db'), 'written by the unit');
    fs.writeFileSync(path.join(unitDir, 'old-only.txt'), 'a file of revision 1');
    const v1 = path.join(tmp, `req-v1-${modelType}`);
    fs.cpSync(SHELL_CHARM, v1, { recursive: true });
    fs.writeFileSync(path.join(v1, 'old-only.txt'), 'a file of revision 1');
    await lm.refresh('req', await zipCharmDir(v1, path.join(tmp, `req-v1-${modelType}.charm`)));
    const v2 = path.join(tmp, `req-v2-${modelType}`);
    fs.cpSync(SHELL_CHARM, v2, { recursive: true });
    fs.writeFileSync(path.join(v2, 'new-only.txt'), 'a file of revision 3');
    await lm.refresh('req', await zipCharmDir(v2, path.join(tmp, `req-v2-${modelType}.charm`)));
    const dir = lm.unitStates['req/0']!.charmDir;
    expect(fs.existsSync(path.join(dir, 'old-only.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'new-only.txt'), 'utf8')).toBe('a file of revision 3');
    expect(fs.existsSync(path.join(dir, '.unit-state.db'))).toBe(kept);
    expect(lm.history.filter((h) => !h.ok)).toEqual([]);
  },
);
