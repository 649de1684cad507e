/**
 * An unmodified Python `ops` charm (ops pinned from PyPI, in a venv this test creates with
 * tests/fixtures/python-ops-charm/setup-venv.sh) runs under the local model: relations, a secret
 * shared over a relation (with an empty value), an action, ports and collect-status — a standing
 * proof of fidelity beside our own charm. Under CI=true a missing Python or a failed venv fails.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { LocalModel } from '../../../lib/localmodel/driver';
import { CACHE_DIR, REPO_ROOT } from './helpers';

jest.setTimeout(600_000);

const FIXTURE = path.join(REPO_ROOT, 'tests', 'fixtures', 'python-ops-charm');
const VENV = path.join(REPO_ROOT, '.tscharm', 'python-ops-venv');

let venv: string | undefined;
let setupError: Error | undefined;
try {
  venv = execFileSync(path.join(FIXTURE, 'setup-venv.sh'), [VENV], {
    encoding: 'utf8',
    timeout: 480_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
} catch (err) {
  setupError = err as Error;
}
const ci = process.env['CI'] === 'true';
const maybe = venv || ci ? test : test.skip;

maybe('the Python ops charm deploys, relates, shares a secret, runs an action, opens ports and breaks cleanly', async () => {
  if (!venv) throw new Error(`cannot create the Python venv for the ops fixture charm: ${setupError?.message ?? 'unknown error'}`);
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, retryDelayMs: 50 });
  try {
    const env = { PY_OPS_VENV: venv };
    await lm.deploy(path.join(FIXTURE, 'charm'), { app: 'up', units: 1, env });
    await lm.deploy(path.join(FIXTURE, 'charm'), { app: 'down', units: 2, env, config: { port: 9090 } });
    await lm.integrate('down:upstream', 'up:data');
    const failures = lm.history.filter((h) => !h.ok).map((h) => `${h.unit} ${h.event}`);
    expect(failures).toEqual([]);
    for (const u of ['down/0', 'down/1']) {
      expect(lm.model.units[u]!.status).toMatchObject({ status: 'active', message: 'ports [9090]; relations 0+1' });
      expect(lm.model.units[u]!.openedPorts).toEqual([{ protocol: 'tcp', from: 9090, to: 9090, endpoints: [] }]);
    }
    expect(lm.model.units['up/0']!.status).toMatchObject({ status: 'active', message: 'ports [8080]; relations 1+0' });
    const relation = lm.model.relations.find((r) => r.ends.length === 2)!;
    expect(relation.unitData['down/1']).toMatchObject({ 'password-length': '9' });

    const action = await lm.run('down/1', 'get-password', { reveal: false });
    expect(action).toMatchObject({ status: 'completed', results: { length: '9', 'note-empty': 'True' } });

    await lm.config('down', { port: 9191 });
    expect(lm.model.units['down/0']!.openedPorts.map((p) => p.from)).toEqual([9191]);

    await lm.removeRelation('down:upstream', 'up:data');
    expect(lm.history.filter((h) => !h.ok).map((h) => `${h.unit} ${h.event}`)).toEqual([]);
    expect(Object.keys(lm.model.secrets)).toEqual([]);
    expect(lm.model.units['down/0']!.status.message).toBe('ports [9191]; relations 0+0');
  } finally {
    await lm.close();
  }
});
