/**
 * Juju runs one uniter per unit, concurrently: each unit's hooks are serial and in order, with no
 * order between units (internal/worker/uniter: one Uniter per unit agent). The local model draws
 * the next unit from a seeded PRNG: a seed replays its orders; other seeds produce other orders.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalModel } from '../../../lib/localmodel/driver';
import { CACHE_DIR, SHELL_CHARM, SHELL_PROVIDER } from './helpers';

jest.setTimeout(180_000);

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-interleave-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function scenario(seed: number): Promise<{ order: string[]; perUnit: Record<string, string[]>; seed: number }> {
  const logs = path.join(tmp, `logs-${seed}-${Math.random()}`);
  fs.mkdirSync(logs);
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, seed });
  try {
    await lm.deploy(SHELL_CHARM, { app: 'req', units: 2, env: { EVENT_LOG_DIR: logs } });
    await lm.deploy(SHELL_PROVIDER, { app: 'prov', units: 1, env: { EVENT_LOG_DIR: logs } });
    await lm.integrate('req', 'prov');
    await lm.removeRelation('req', 'prov');
    const order = lm.history.map((h) => `${h.unit} ${h.event}${h.remoteUnit ? ` ${h.remoteUnit}` : ''}`);
    const perUnit: Record<string, string[]> = {};
    for (const h of lm.history) (perUnit[h.unit] ??= []).push(h.event);
    return { order, perUnit, seed: lm.seed };
  } finally {
    await lm.close();
  }
}

test('the same seed replays the same interleaving; different seeds interleave units differently, each unit still in order', async () => {
  const a = await scenario(11);
  const again = await scenario(11);
  expect(a.seed).toBe(11);
  expect(again.order).toEqual(a.order);
  const others = [await scenario(22), await scenario(33)];
  expect(others.some((o) => o.order.join('\n') !== a.order.join('\n'))).toBe(true);
  for (const run of [a, ...others]) {
    // Per unit, Juju's own sequence holds whatever the interleaving: setup before start, broken after departed.
    for (const events of Object.values(run.perUnit)) {
      expect(events.indexOf('install')).toBe(0);
      expect(events.indexOf('start')).toBeGreaterThan(events.indexOf('config-changed'));
      expect(events.lastIndexOf('data-relation-broken')).toBeGreaterThan(events.lastIndexOf('data-relation-departed'));
    }
  }
  // Across seeds, prov/0's relation-broken is not always after every req unit's relation-departed.
  const brokenBeforeRemoteDeparted = (o: string[]) =>
    o.indexOf('prov/0 data-relation-broken') <
    Math.max(...o.map((e, i) => (e.startsWith('req/') && e.includes('data-relation-departed') ? i : -1)));
  const seeds = [a, ...others, await scenario(44), await scenario(55)];
  expect(new Set(seeds.map((s) => brokenBeforeRemoteDeparted(s.order))).size).toBe(2);
});

test('LOCALMODEL_SEED sets the seed of a new model', async () => {
  const saved = process.env['LOCALMODEL_SEED'];
  process.env['LOCALMODEL_SEED'] = '4242';
  try {
    const lm = await LocalModel.open({ cacheDir: CACHE_DIR });
    expect(lm.seed).toBe(4242);
    await lm.close();
    process.env['LOCALMODEL_SEED'] = 'x';
    await expect(LocalModel.open({ cacheDir: CACHE_DIR })).rejects.toThrow('LOCALMODEL_SEED="x" is not an integer');
  } finally {
    if (saved === undefined) delete process.env['LOCALMODEL_SEED'];
    else process.env['LOCALMODEL_SEED'] = saved;
  }
});
