/**
 * Bad input through the local model: a hook that exits non-zero (unit in error with the hook
 * named, buffered writes discarded, nothing else runs on the unit until resolve), a livelock,
 * a hook timeout, and malformed charms refused at deploy with a message that says what to fix.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CharmRefusal, LivelockError, LocalModel } from '../../../lib/localmodel/driver';
import { CACHE_DIR, eventsOf, SHELL_CHARM, SHELL_PROVIDER, zipCharmDir } from './helpers';

jest.setTimeout(60_000);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-bad-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function dirs(name: string): { logs: string; control: string } {
  const logs = path.join(tmp, name, 'events');
  const control = path.join(tmp, name, 'control');
  fs.mkdirSync(logs, { recursive: true });
  fs.mkdirSync(control, { recursive: true });
  return { logs, control };
}

test('a failing hook: error state naming the hook, writes discarded, later events held; resolve retries it', async () => {
  const { logs, control } = dirs('fail');
  fs.writeFileSync(path.join(control, 'fail-config-changed'), '');
  // Juju's automatically-retry-hooks=false: the hook waits for resolve.
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, autoRetryHooks: false });
  try {
    await lm.deploy(SHELL_CHARM, { app: 'req', units: 1, env: { EVENT_LOG_DIR: logs, CONTROL_DIR: control } });
    const unit = lm.model.units['req/0']!;
    expect(unit.status).toMatchObject({ status: 'error', message: 'hook failed: "config-changed"' });
    // state-set doomed=yes was buffered and dropped; status-set applies at once, as in Juju.
    expect(unit.state).toEqual({ installed: 'yes' });
    expect(unit.statusHistory.map((s) => s.message)).toContain('about to fail');
    expect(lm.model.logs).toEqual(
      expect.arrayContaining([expect.objectContaining({ unit: 'req/0', level: 'WARNING', message: 'failing config-changed on purpose' })]),
    );
    expect(eventsOf(logs, 'req/0')).toEqual([
      'hooks/install',
      'hooks/cluster-relation-created',
      'hooks/leader-elected',
      'hooks/config-changed',
    ]);
    expect(lm.pending.map((e) => e.hook)).toEqual(['start']);
    await lm.updateStatus(); // not for a unit in error
    expect(eventsOf(logs, 'req/0')).toHaveLength(4);
    await expect(lm.resolve('req/0')).resolves.toBeUndefined();
    // Still failing: back in error.
    expect(unit.status.message).toBe('hook failed: "config-changed"');
    fs.rmSync(path.join(control, 'fail-config-changed'));
    await lm.resolve('req/0');
    expect(eventsOf(logs, 'req/0').slice(-3)).toEqual(['hooks/config-changed', 'hooks/config-changed', 'hooks/start']);
    expect(unit.status).toMatchObject({ status: 'active', message: 'ready' });
    expect(unit.state).toMatchObject({ greeting: 'hello' });
    await expect(lm.resolve('req/0')).rejects.toThrow('unit "req/0" is not in an error state');
  } finally {
    await lm.close();
  }
});

test('a failing relation hook on the provider keeps its relation data unpublished until resolved', async () => {
  const { logs, control } = dirs('fail-rel');
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, autoRetryHooks: false });
  try {
    await lm.deploy(SHELL_CHARM, { app: 'req', env: { EVENT_LOG_DIR: logs, CONTROL_DIR: control } });
    await lm.deploy(SHELL_PROVIDER, { app: 'prov', env: { EVENT_LOG_DIR: logs } });
    fs.writeFileSync(path.join(control, 'fail-data-relation-created'), '');
    const id = await lm.integrate('req', 'prov');
    const relation = lm.model.relations.find((r) => r.id === id)!;
    expect(lm.model.units['req/0']!.status.message).toBe('hook failed: "data-relation-created"');
    expect(relation.appData['req']).toEqual({});
    fs.rmSync(path.join(control, 'fail-data-relation-created'));
    await lm.resolve('req/0');
    expect(relation.appData['req']).toEqual({ greeting: 'hello' });
    expect(lm.model.units['prov/0']!.status.message).toBe('greeting=hello');
  } finally {
    await lm.close();
  }
});

test('resolve --no-retry skips the failed hook', async () => {
  const { logs, control } = dirs('skip');
  fs.writeFileSync(path.join(control, 'fail-install'), '');
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, autoRetryHooks: false });
  try {
    await lm.deploy(SHELL_CHARM, { app: 'req', env: { EVENT_LOG_DIR: logs, CONTROL_DIR: control } });
    expect(lm.model.units['req/0']!.status.message).toBe('hook failed: "install"');
    fs.rmSync(path.join(control, 'fail-install'));
    await lm.resolve('req/0', { retry: false });
    expect(eventsOf(logs, 'req/0')[0]).toBe('hooks/install');
    expect(eventsOf(logs, 'req/0').filter((e) => e === 'hooks/install')).toHaveLength(1);
    expect(lm.model.units['req/0']!.status.status).toBe('active');
  } finally {
    await lm.close();
  }
});

// Juju's model setting automatically-retry-hooks defaults to true: the uniter retries a failed hook
// with back-off (internal/worker/uniter/resolver.go retries on its retry timer) instead of waiting.
test('automatic hook retry (default on): a failed hook is retried with back-off and succeeds once its cause is gone', async () => {
  const { logs, control } = dirs('retry');
  fs.writeFileSync(path.join(control, 'fail-config-changed'), '');
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, retryDelayMs: 20, maxHookRetries: 3 });
  try {
    expect(lm.modelConfig['automatically-retry-hooks']).toBe(true);
    await lm.deploy(SHELL_CHARM, { app: 'req', units: 1, env: { EVENT_LOG_DIR: logs, CONTROL_DIR: control } });
    // Still failing after 3 retries: 4 runs, the unit in error, start held.
    expect(eventsOf(logs, 'req/0').filter((e) => e === 'hooks/config-changed')).toHaveLength(4);
    expect(lm.history.filter((h) => h.event === 'config-changed').map((h) => h.attempt ?? 1)).toEqual([1, 2, 3, 4]);
    expect(lm.model.units['req/0']!.status.message).toBe('hook failed: "config-changed"');
    fs.rmSync(path.join(control, 'fail-config-changed'));
    // The next operation retries again, without resolve.
    await lm.updateStatus();
    expect(eventsOf(logs, 'req/0').slice(-2)).toEqual(['hooks/config-changed', 'hooks/start']);
    expect(lm.model.units['req/0']!.status).toMatchObject({ status: 'active', message: 'ready' });
  } finally {
    await lm.close();
  }
});

test('automatically-retry-hooks=false: a failed hook waits for resolve', async () => {
  const { logs, control } = dirs('noretry');
  fs.writeFileSync(path.join(control, 'fail-install'), '');
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, retryDelayMs: 20 });
  try {
    lm.setModelConfig({ 'automatically-retry-hooks': false });
    await lm.deploy(SHELL_CHARM, { app: 'req', env: { EVENT_LOG_DIR: logs, CONTROL_DIR: control } });
    await lm.updateStatus();
    expect(eventsOf(logs, 'req/0')).toEqual(['hooks/install']);
    expect(() => lm.setModelConfig({ 'automatically-retry-hooks': 'yes' as unknown as boolean })).toThrow('must be true or false');
  } finally {
    await lm.close();
  }
});

function writeCharm(dir: string, dispatch: string, metadata = 'name: loop\npeers:\n  p:\n    interface: p\n'): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'metadata.yaml'), metadata);
  fs.writeFileSync(path.join(dir, 'dispatch'), dispatch, { mode: 0o755 });
  return dir;
}

test('a livelock (two units rewriting their peer bags forever) stops with a clear error', async () => {
  const charm = writeCharm(
    path.join(tmp, 'loop'),
    '#!/bin/sh\ncase "$JUJU_DISPATCH_PATH" in *-relation-changed) relation-set "n=$(date +%s%N)" ;; esac\n',
  );
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, maxEvents: 40 });
  try {
    const err = await lm.deploy(charm, { units: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LivelockError);
    expect((err as Error).message).toMatch(
      /^the model did not settle after 40 events .*\n {2}loop\/\d p-relation-changed \(relation 0, remote loop\/\d\)/,
    );
  } finally {
    await lm.close();
  }
});

test('a hook over the timeout is killed and fails the unit', async () => {
  const charm = writeCharm(path.join(tmp, 'slow'), '#!/bin/sh\n[ "$JUJU_HOOK_NAME" = install ] && sleep 30\nexit 0\n', 'name: slow\n');
  const lm = await LocalModel.open({ cacheDir: CACHE_DIR, hookTimeoutMs: 300 });
  try {
    await lm.deploy(charm);
    expect(lm.model.units['slow/0']!.status.message).toBe('hook failed: "install"');
    expect(lm.model.logs.some((l) => l.level === 'ERROR' && /install timed out after 300 ms/.test(l.message))).toBe(true);
  } finally {
    await lm.close();
  }
});

describe('malformed charms are refused at deploy', () => {
  let lm: LocalModel;
  beforeAll(async () => {
    lm = await LocalModel.open({ cacheDir: CACHE_DIR });
  });
  afterAll(async () => lm.close());

  test('no dispatch', async () => {
    const file = await zipCharmDir(SHELL_CHARM, path.join(tmp, 'nodispatch.charm'), { drop: ['dispatch'] });
    await expect(lm.deploy(file)).rejects.toThrow(/^invalid charm: no "dispatch" executable in /);
  });

  test('dispatch not executable', async () => {
    const file = await zipCharmDir(SHELL_CHARM, path.join(tmp, 'noexec.charm'), { mode: { dispatch: 0o644 } });
    const err = await lm.deploy(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CharmRefusal);
    expect((err as Error).message).toMatch(/"dispatch" in .* is not executable \(mode 644\); chmod \+x it$/);
  });

  test('metadata.yaml missing, invalid YAML, or without a valid name', async () => {
    const missing = await zipCharmDir(SHELL_CHARM, path.join(tmp, 'nometa.charm'), { drop: ['metadata.yaml'] });
    await expect(lm.deploy(missing)).rejects.toThrow('invalid charm: metadata.yaml is missing');
    const bad = writeCharm(path.join(tmp, 'badyaml'), '#!/bin/sh\n', 'name: [unclosed\n');
    await expect(lm.deploy(bad)).rejects.toThrow(/^invalid charm: metadata.yaml is not valid YAML: /);
    const noName = writeCharm(path.join(tmp, 'noname'), '#!/bin/sh\n', 'summary: x\n');
    await expect(lm.deploy(noName)).rejects.toThrow(
      'invalid charm: metadata.yaml needs a "name" made of lowercase letters, digits and hyphens (got null)',
    );
    const noIface = writeCharm(path.join(tmp, 'noiface'), '#!/bin/sh\n', 'name: x\nrequires:\n  db: {}\n');
    await expect(lm.deploy(noIface)).rejects.toThrow('invalid charm: metadata.yaml endpoint "db" under "requires" needs an "interface"');
  });

  test('not a zip, a path escape, or a missing file', async () => {
    const notZip = path.join(tmp, 'notzip.charm');
    fs.writeFileSync(notZip, 'hello');
    await expect(lm.deploy(notZip)).rejects.toThrow(/^invalid charm: ".*notzip.charm" is not a readable zip: /);
    const escape = await zipCharmDir(SHELL_CHARM, path.join(tmp, 'escape.charm'), {
      extra: [{ name: 'hooks/evil', kind: 'symlink', target: '../../../etc/passwd' }],
    });
    await expect(lm.deploy(escape)).rejects.toThrow('invalid charm: symlink "hooks/evil" points outside the charm');
    await expect(lm.deploy(path.join(tmp, 'nothere.charm'))).rejects.toThrow(/charm ".*nothere.charm" not found/);
  });

  test('nothing of a refused charm is left in the model', () => {
    expect(Object.keys(lm.model.applications)).toEqual([]);
  });

  test('a bad config at deploy is refused before anything runs', async () => {
    await expect(lm.deploy(SHELL_CHARM, { config: { times: 'x' } })).rejects.toThrow('option "times" expected int, got "x"');
    expect(lm.history).toHaveLength(0);
  });
});
