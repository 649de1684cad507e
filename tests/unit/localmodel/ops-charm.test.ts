/**
 * Our own kind of charm: a tiny lib/ops charm packed by tscharm (dispatch → runtime/node →
 * dist/charm.js) runs unchanged under the local model with a PATH that holds only the hook tools
 * (so no `node`): lifecycle, peer data, status via collect-status, an action. Packed once; each
 * test deploys it into its own model.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalModel } from '../../../lib/localmodel/driver';
import { pack } from '../../../lib/tscharm/pack';
import { DEFAULT_NODE_VERSION, hostArchitecture } from '../../../lib/tscharm/runtime';
import { noNodeSystemPath } from '../../../tools/testkit/packed-charm';
import { CACHE_DIR, collapseRelationChanged, REPO_ROOT } from './helpers';

jest.setTimeout(180_000);

const FIXTURE = path.join(REPO_ROOT, 'tests', 'fixtures', 'localmodel-ops-charm');
let tmp: string;
let charmFile: string;
let lm: LocalModel | undefined;

/** This test's model: the packed charm deployed with two units. */
async function deployed(): Promise<LocalModel> {
  const model = await LocalModel.open({ cacheDir: CACHE_DIR, systemPath: noNodeSystemPath() });
  lm = model;
  await model.deploy(charmFile, { app: 'ops', units: 2 });
  return model;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-ops-'));
  const packed = await pack({
    charmDir: FIXTURE,
    entry: 'src/charm.ts',
    base: 'ubuntu@22.04',
    arch: hostArchitecture() ?? 'amd64',
    outDir: tmp,
    nodeVersion: DEFAULT_NODE_VERSION,
    cacheDir: path.join(REPO_ROOT, '.tscharm', 'cache'),
  });
  charmFile = packed.charmFile;
});

afterEach(async () => {
  await lm?.close();
  lm = undefined;
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the hooks’ PATH has the hook tools, then the system’s without node', async () => {
  const lm = await deployed();
  expect(lm.hookPath.split(':')).toEqual([expect.any(String), noNodeSystemPath()]);
  const probe = spawnSync('/bin/sh', ['-c', 'command -v config-get && command -v xz && ! command -v node'], {
    env: { PATH: lm.hookPath },
    encoding: 'utf8',
  });
  expect(probe.status).toBe(0);
});

test('every hook ran and committed; status comes from collect-status', async () => {
  const lm = await deployed();
  const failed = lm.history.filter((h) => !h.ok);
  expect(failed).toEqual([]);
  expect(collapseRelationChanged(lm.history.filter((h) => h.unit === 'ops/1').map((h) => h.event))).toEqual([
    'install',
    'peers-relation-created',
    'leader-settings-changed',
    'config-changed',
    'start',
    'peers-relation-joined',
    'peers-relation-changed',
  ]);
  expect(lm.model.units['ops/0']!.status).toMatchObject({ status: 'active', message: 'greeting=hello' });
});

test('peer unit data written by the framework is in the model, and config changes reach it', async () => {
  const lm = await deployed();
  const peers = () => lm.model.relations.find((r) => r.ends[0]!.endpoint === 'peers')!;
  expect(peers().unitData['ops/0']).toMatchObject({ greeting: 'hello', seen: 'ops/1' });
  await lm.config('ops', { greeting: 'hi' });
  expect(peers().unitData['ops/1']).toMatchObject({ greeting: 'hi', seen: 'ops/0' });
  expect(lm.model.units['ops/1']!.status.message).toBe('greeting=hi');
});

test('an action returns its results', async () => {
  const lm = await deployed();
  await lm.config('ops', { greeting: 'hi' });
  const outcome = await lm.run('ops/0', 'hello', { name: 'ann' });
  expect(outcome).toMatchObject({ status: 'completed', results: { message: 'hi ann' }, returnCode: 0 });
});
