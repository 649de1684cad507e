/**
 * The Kubernetes build (`tscharm pack --variant k8s`) of the same charm source: its metadata
 * differs from the machine build only in name, display name, summary, description and
 * `assumes: [k8s-api]` (no containers, no resources); a machine model refuses it; in a Kubernetes
 * model (K8s hook env: no machine id) it deploys, integrates with the providers, creates its
 * connectors named after the K8s app on the fake Connect, answers an action, and ends Active.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { LocalModel } from '../../../lib/localmodel/driver';
import { startFakeConnect, type FakeConnect } from '../../../tools/testkit/fake-connect';
import {
  ALL_PASSWORDS,
  deployProviders,
  K8S_CHARM_FILE_NAME,
  openModel,
  preparePackedWorld,
  recordHooks,
  REPO_ROOT,
  REST_PASSWORD,
  REST_USER,
  uuidHex,
  type PackedWorld,
  type ServedHook,
} from '../../../tools/testkit/packed-charm';
import { entrypointProblems, readZip } from '../tscharm/helpers';

jest.setTimeout(240_000);

const APP = 'mirrormaker-k8s';
let fake: FakeConnect;
let world: PackedWorld;
let lm: LocalModel;
let served: ServedHook[];

beforeAll(async () => {
  fake = await startFakeConnect({ auth: { username: REST_USER, password: REST_PASSWORD } });
  world = await preparePackedWorld('k8s');
  lm = await openModel('kubernetes');
  served = recordHooks(lm);
});

afterAll(async () => {
  await lm?.close();
  await fake?.stop();
  if (world) fs.rmSync(world.tmp, { recursive: true, force: true });
});

test('the .charm is the K8s charm: same endpoints, config and actions as the machine one, assumes k8s-api, no container or resource', async () => {
  expect(path.basename(world.charmFile)).toBe(K8S_CHARM_FILE_NAME);
  const records = await readZip(world.charmFile);
  const text = (name: string) => records.find((r) => r.name === name)!.data.toString();
  const k8s = parse(text('metadata.yaml')) as Record<string, unknown>;
  const machine = parse(fs.readFileSync(path.join(REPO_ROOT, 'metadata.yaml'), 'utf8')) as Record<string, unknown>;
  expect(k8s['name']).toBe('mirrormaker-connect-k8s-integrator');
  expect(k8s['display-name']).toBe('Apache Kafka Connect K8s MirrorMaker Integrator');
  expect(k8s['assumes']).toEqual(['k8s-api']);
  for (const key of ['containers', 'resources', 'storage', 'provides']) expect(k8s[key]).toBeUndefined();
  const { name: _n, 'display-name': _d, summary: _s, description: _desc, assumes: _a, ...k8sRest } = k8s;
  const { name: _mn, 'display-name': _md, summary: _ms, description: _mdesc, ...machineRest } = machine;
  expect(k8sRest).toEqual(machineRest);
  expect(text('config.yaml')).toBe(fs.readFileSync(path.join(REPO_ROOT, 'config.yaml'), 'utf8'));
  expect(text('actions.yaml')).toBe(fs.readFileSync(path.join(REPO_ROOT, 'actions.yaml'), 'utf8'));
  // charmcraft analyse's entrypoint check (charmcraft itself is not installed here).
  expect(entrypointProblems(records)).toEqual([]);
  expect(records.find((r) => r.name === 'dist/start.js')).toBeDefined();
});

test('a machine model refuses the K8s charm, as Juju does', async () => {
  const machineModel = await openModel('machine');
  try {
    await expect(machineModel.deploy(world.charmFile, { app: APP })).rejects.toThrow(/requires the "k8s-api" feature/);
    expect(machineModel.model.applications[APP]).toBeUndefined();
  } finally {
    await machineModel.close();
  }
});

test('in a Kubernetes model it deploys, integrates and mirrors: connectors created, Active, action answered', async () => {
  // The fake relations name brokers nobody serves: the health check is for the e2e suite.
  await lm.deploy(world.charmFile, { app: APP, config: { health_check_budget_seconds: 0 } });
  const install = served.find((h) => h.unit === `${APP}/0` && h.event === 'install');
  expect(install).toBeDefined();
  expect(install!.env['JUJU_MACHINE_ID']).toBeUndefined();
  expect(install!.env['KUBERNETES_SERVICE_HOST']).toBeDefined();
  await deployProviders(lm, world, fake.url);
  await lm.integrate(`${APP}:source`, 'kafka-a');
  await lm.integrate(`${APP}:target`, 'kafka-b');
  await lm.integrate(`${APP}:connect-client`, 'kafka-connect');
  await lm.updateStatus();
  const unit = lm.model.units[`${APP}/0`]!;
  expect([unit.status.status, unit.status.message]).toEqual(['active', expect.stringMatching(/^mirroring kafka-a → kafka-b/)]);
  const connectRelation = lm.model.relations.find((r) => r.ends.some((e) => e.app === APP && e.endpoint === 'connect-client'))!;
  const suffix = `${APP}_r${connectRelation.id}_${uuidHex(lm)}`;
  expect([...fake.state.connectors.keys()].filter((n) => n.startsWith('mirror_')).sort()).toEqual(
    [`mirror_checkpoint_${suffix}`, `mirror_heartbeat_${suffix}`, `mirror_source_${suffix}`].sort(),
  );
  const outcome = await lm.run(`${APP}/0`, 'status');
  expect(outcome.status).toBe('completed');
  expect(lm.model.logs.filter((l) => ALL_PASSWORDS.some((p) => l.message.includes(p)))).toEqual([]);
});
