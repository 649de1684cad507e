import { parseJujuContext, resolveDispatchPath } from '../../../lib/ops/context';
import { ContextError } from '../../../lib/ops/errors';
import { actionEnv, hookEnv, relationEnv, testMeta } from './fake-juju';

const meta = testMeta();

function contextError(fn: () => unknown): ContextError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ContextError) return e;
    throw e;
  }
  throw new Error('expected a ContextError');
}

describe('resolveDispatchPath', () => {
  it.each([
    ['hooks/install', 'install', undefined],
    ['hooks/config-changed', 'config-changed', undefined],
    ['hooks/leader-settings-changed', 'leader-settings-changed', undefined],
    ['hooks/secret-expired', 'secret-expired', undefined],
    ['hooks/source-relation-changed', 'relation-changed', 'source'],
    ['hooks/peer-relation-created', 'relation-created', 'peer'],
    ['hooks/metrics-relation-broken', 'relation-broken', 'metrics'],
    ['hooks/data-storage-detaching', 'storage-detaching', 'data'],
    ['hooks/workload-pebble-ready', 'pebble-ready', 'workload'],
    ['hooks/workload-pebble-check-recovered', 'pebble-check-recovered', 'workload'],
    ['hooks/workload-pebble-custom-notice', 'pebble-custom-notice', 'workload'],
    ['hooks/pre-series-upgrade', 'pre-series-upgrade', undefined],
    ['hooks/collect-metrics', 'collect-metrics', undefined],
    ['actions/pause', 'action', 'pause'],
  ])('%s → %s', (p, kind, scope) => {
    const t = resolveDispatchPath(p, meta);
    expect(t.kind).toBe(kind);
    expect(t.scope).toBe(scope);
  });

  it('treats hooks for undeclared endpoints as unknown (no-op)', () => {
    expect(resolveDispatchPath('hooks/nope-relation-changed', meta).kind).toBe('unknown');
    expect(resolveDispatchPath('hooks/meter-status-changed', meta).kind).toBe('unknown');
  });

  it('rejects an action that actions.yaml does not define', () => {
    expect(contextError(() => resolveDispatchPath('actions/explode', meta)).variable).toBe('JUJU_DISPATCH_PATH');
  });
});

describe('parseJujuContext', () => {
  it('parses a relation hook into a frozen typed context', () => {
    const ctx = parseJujuContext(relationEnv('source', 'changed', 7, 'kafka', 'kafka/1'), meta);
    expect(ctx.unitName).toBe('app/0');
    expect(ctx.appName).toBe('app');
    expect(ctx.relation).toEqual({ endpoint: 'source', id: 7, remoteApp: 'kafka', remoteUnit: 'kafka/1', departingUnit: null });
    expect(Object.isFrozen(ctx)).toBe(true);
    expect(Object.isFrozen(ctx.relation)).toBe(true);
    expect(() => {
      (ctx as { unitName: string }).unitName = 'x';
    }).toThrow();
  });

  it('falls back to argv[0] when JUJU_DISPATCH_PATH is missing', () => {
    const env = hookEnv('start');
    delete (env as Record<string, string | undefined>).JUJU_DISPATCH_PATH;
    const ctx = parseJujuContext(env, meta, '/var/lib/juju/agents/unit-app-0/charm/hooks/start');
    expect(ctx.target.kind).toBe('start');
    expect(ctx.dispatchPath).toBe('hooks/start');
    expect(contextError(() => parseJujuContext(env, meta, '/usr/bin/node')).variable).toBe('JUJU_DISPATCH_PATH');
  });

  it.each(['JUJU_UNIT_NAME', 'JUJU_MODEL_NAME', 'JUJU_MODEL_UUID', 'JUJU_VERSION', 'JUJU_HOOK_NAME'])(
    'names a missing always-required variable: %s',
    (name) => {
      const env: Record<string, string | undefined> = hookEnv('install');
      delete env[name];
      const err = contextError(() => parseJujuContext(env, meta));
      expect(err.variable).toBe(name);
      expect(err.message).toContain(name);
    },
  );

  it.each([
    ['joined needs JUJU_REMOTE_UNIT', relationEnv('source', 'joined', 1, 'kafka'), 'JUJU_REMOTE_UNIT'],
    ['departed needs JUJU_DEPARTING_UNIT', relationEnv('source', 'departed', 1, 'kafka', 'kafka/0'), 'JUJU_DEPARTING_UNIT'],
    ['relation needs JUJU_RELATION_ID', { ...relationEnv('source', 'created', 1, 'kafka'), JUJU_RELATION_ID: '' }, 'JUJU_RELATION_ID'],
    ['relation id must be numeric', { ...relationEnv('source', 'created', 1, 'kafka'), JUJU_RELATION_ID: 'source:x' }, 'JUJU_RELATION_ID'],
    [
      'relation id endpoint must match',
      { ...relationEnv('source', 'created', 1, 'kafka'), JUJU_RELATION_ID: 'target:1' },
      'JUJU_RELATION_ID',
    ],
    ['JUJU_RELATION must match the hook', { ...relationEnv('source', 'created', 1, 'kafka'), JUJU_RELATION: 'target' }, 'JUJU_RELATION'],
    ['relation needs JUJU_REMOTE_APP', { ...relationEnv('source', 'broken', 1, 'kafka'), JUJU_REMOTE_APP: '' }, 'JUJU_REMOTE_APP'],
    ['secret needs JUJU_SECRET_ID', hookEnv('secret-changed'), 'JUJU_SECRET_ID'],
    ['secret-remove needs a revision', hookEnv('secret-remove', { JUJU_SECRET_ID: 'secret:abc' }), 'JUJU_SECRET_REVISION'],
    [
      'revision must be an integer',
      hookEnv('secret-expired', { JUJU_SECRET_ID: 'secret:abc', JUJU_SECRET_REVISION: 'two' }),
      'JUJU_SECRET_REVISION',
    ],
    ['storage needs JUJU_STORAGE_ID', hookEnv('data-storage-attached'), 'JUJU_STORAGE_ID'],
    ['pebble needs JUJU_WORKLOAD_NAME', hookEnv('workload-pebble-ready'), 'JUJU_WORKLOAD_NAME'],
    ['notice needs JUJU_NOTICE_ID', hookEnv('workload-pebble-custom-notice', { JUJU_WORKLOAD_NAME: 'workload' }), 'JUJU_NOTICE_ID'],
    [
      'check events need the check name',
      hookEnv('workload-pebble-check-failed', { JUJU_WORKLOAD_NAME: 'workload' }),
      'JUJU_PEBBLE_CHECK_NAME',
    ],
    ['unit name must be app/N', hookEnv('install', { JUJU_UNIT_NAME: 'app' }), 'JUJU_UNIT_NAME'],
    ['version must look like a version', hookEnv('install', { JUJU_VERSION: 'latest' }), 'JUJU_VERSION'],
  ])('%s', (_label, env, variable) => {
    expect(contextError(() => parseJujuContext(env, meta)).variable).toBe(variable);
  });

  it('relation-changed without a remote unit is an app-bag change, not an error', () => {
    const env = relationEnv('source', 'changed', 1, 'kafka');
    const ctx = parseJujuContext(env, meta);
    expect(ctx.target.kind).toBe('relation-changed');
    expect(ctx.relation).toMatchObject({ endpoint: 'source', id: 1, remoteApp: 'kafka', remoteUnit: null });
  });

  it('actions need JUJU_ACTION_NAME and JUJU_ACTION_UUID but not JUJU_HOOK_NAME', () => {
    const ctx = parseJujuContext(actionEnv('pause'), meta);
    expect(ctx.action).toEqual({ name: 'pause', uuid: '7' });
    const env: Record<string, string | undefined> = actionEnv('pause');
    delete env.JUJU_ACTION_UUID;
    expect(contextError(() => parseJujuContext(env, meta)).variable).toBe('JUJU_ACTION_UUID');
  });

  it('parses secret, storage and workload details', () => {
    const s = parseJujuContext(
      hookEnv('secret-remove', { JUJU_SECRET_ID: 'secret:abc', JUJU_SECRET_LABEL: 'creds', JUJU_SECRET_REVISION: '3' }),
      meta,
    );
    expect(s.secret).toEqual({ id: 'secret:abc', label: 'creds', revision: 3 });
    const st = parseJujuContext(hookEnv('data-storage-attached', { JUJU_STORAGE_ID: 'data/2', JUJU_STORAGE_LOCATION: '/srv' }), meta);
    expect(st.storage).toMatchObject({ name: 'data', index: 2, location: '/srv' });
    const w = parseJujuContext(
      hookEnv('workload-pebble-check-failed', { JUJU_WORKLOAD_NAME: 'workload', JUJU_PEBBLE_CHECK_NAME: 'up' }),
      meta,
    );
    expect(w.workload).toMatchObject({ name: 'workload', checkName: 'up' });
  });
});
