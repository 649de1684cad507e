/**
 * What the PACKED charm loads at start-up, seen from inside real dispatch processes under the
 * local model (process.moduleLoadList, written by a --require'd recorder on exit), with Kafka
 * Connect reached over HTTPS verified against the CA the connect-client relation hands over:
 *
 * - the leader's update-status talks to Connect through the bundled (slimmed) axios over https
 *   with that CA, and loads neither undici (axios' fetch adapter probe) nor http2;
 * - a non-leader's update-status loads no REST stack at all: no http, https, tls or undici;
 * - dispatch runs the bundle through the code-cache loader, and V8 accepts the cache.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ToolAgent } from '../../../lib/localmodel/agent';
import type { LocalModel } from '../../../lib/localmodel/driver';
import { openSession } from '../../../lib/sim';
import { startFakeConnect, type FakeConnect } from '../../../tools/testkit/fake-connect';
import { tlsFixtures } from '../../support/tls-fixtures';
import {
  openModel,
  preparePackedWorld,
  REST_PASSWORD,
  REST_USER,
  SOURCE_PASSWORD,
  SOURCE_USER,
  TARGET_PASSWORD,
  TARGET_USER,
  type PackedWorld,
} from '../../../tools/testkit/packed-charm';

jest.setTimeout(240_000);

const APP = 'mirrormaker';
let fake: FakeConnect;
let world: PackedWorld;
let lm: LocalModel;
let caPem: string;

beforeAll(async () => {
  const tls = tlsFixtures();
  caPem = tls.caPem;
  fake = await startFakeConnect({
    auth: { username: REST_USER, password: REST_PASSWORD },
    tls: { certPem: tls.serverCertPem, keyPem: tls.serverKeyPem },
  });
  world = await preparePackedWorld();
  lm = await openModel();
  // no charm-side health check: the fake relations name brokers that must not be dialled
  await lm.deploy(world.charmFile, { app: APP, config: { health_check_budget_seconds: 0 } });
  await lm.deploy(world.kafkaProvider, {
    app: 'kafka-a',
    config: { 'bootstrap-servers': '127.0.1.12:9092', username: SOURCE_USER, password: SOURCE_PASSWORD },
  });
  await lm.deploy(world.kafkaProvider, {
    app: 'kafka-b',
    config: { 'bootstrap-servers': '127.0.2.21:9092', username: TARGET_USER, password: TARGET_PASSWORD },
  });
  await lm.deploy(world.connectProvider, {
    app: 'kafka-connect',
    config: { endpoints: fake.url, username: REST_USER, password: REST_PASSWORD, 'tls-ca': caPem },
  });
  await lm.integrate(`${APP}:source`, 'kafka-a');
  await lm.integrate(`${APP}:target`, 'kafka-b');
  await lm.integrate(`${APP}:connect-client`, 'kafka-connect');
  await lm.addUnit(APP);
  await lm.updateStatus();
});

afterAll(async () => {
  await lm?.close();
  await fake?.stop();
  if (world) fs.rmSync(world.tmp, { recursive: true, force: true });
});

interface Dispatched {
  readonly code: number | null;
  readonly stderr: string;
  readonly modules: string[];
}

/** update-status on `unit` through its real ./dispatch, recording the modules Node loaded. */
async function updateStatusRecordingModules(unit: string): Promise<Dispatched> {
  const charmDir = lm.unitStates[unit]!.charmDir;
  const out = path.join(world.tmp, `modules-${unit.replace('/', '-')}.json`);
  const recorder = path.join(world.tmp, 'record-modules.js');
  fs.writeFileSync(
    recorder,
    `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));\n`,
  );
  const session = openSession(lm.model, { unit, hook: 'update-status', charmDir, cwd: charmDir });
  const agent = (lm as unknown as { agent: ToolAgent }).agent;
  const context = agent.register(session);
  try {
    const env = {
      ...session.env,
      ...context.env,
      PATH: agent.toolsDir,
      NODE_OPTIONS: `--require ${recorder}`,
      TSCHARM_CODE_CACHE_DEBUG: '1',
    };
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(path.join(charmDir, 'dispatch'), [], { cwd: charmDir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stderr: err }));
    });
    if (code === 0) session.commit({ exitCode: 0 });
    else session.discard({ exitCode: code ?? 1 });
    return { code, stderr, modules: JSON.parse(fs.readFileSync(out, 'utf8')) as string[] };
  } finally {
    agent.unregister(context.contextId);
  }
}

const loaded = (modules: readonly string[], name: string) => modules.includes(`NativeModule ${name}`);

test('the steady state is reached over https verified with the relation CA', () => {
  expect(fake.url).toMatch(/^https:/);
  expect(lm.model.units[`${APP}/0`]!.status).toMatchObject({ status: 'active' });
  expect(fake.state.connectors.size).toBe(3);
});

test('leader update-status: REST over https with the CA through the bundled axios, without undici or http2', async () => {
  const r0 = fake.requests.length;
  const r = await updateStatusRecordingModules(`${APP}/0`);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('tscharm code cache: accepted\n');
  const requests = fake.requests.slice(r0);
  expect(requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /connectors']);
  expect(requests.every((q) => q.authorized)).toBe(true);
  expect(lm.model.units[`${APP}/0`]!.status).toMatchObject({ status: 'active' });
  for (const m of ['http', 'https', 'tls']) expect([m, loaded(r.modules, m)]).toEqual([m, true]);
  for (const m of ['internal/deps/undici/undici', 'http2', 'internal/webstreams/readablestream'])
    expect([m, loaded(r.modules, m)]).toEqual([m, false]);
});

test('non-leader update-status loads no REST stack: no http, https, tls, undici', async () => {
  const r0 = fake.requests.length;
  const r = await updateStatusRecordingModules(`${APP}/1`);
  expect(r.code).toBe(0);
  expect(fake.requests.length).toBe(r0);
  for (const m of ['http', 'https', 'tls', 'http2', 'internal/deps/undici/undici']) expect([m, loaded(r.modules, m)]).toEqual([m, false]);
  // nor the health check's Kafka client (@platformatic/kafka loads tls and zlib; net and diagnostics_channel are
  // loaded by Node itself for the piped stdio)
  for (const m of ['zlib']) expect([m, loaded(r.modules, m)]).toEqual([m, false]);
});
