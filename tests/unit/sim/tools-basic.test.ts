import { openSession, type HookContextSpec } from '../../../lib/sim';
import { fixture, FIXED_NOW } from './fixture';

function session(spec: Partial<HookContextSpec> & { unit: string }) {
  const f = fixture();
  const s = openSession(f.model, { hook: spec.action ? undefined : 'install', now: FIXED_NOW, ...spec } as HookContextSpec);
  return { ...f, s, run: (tool: string, ...args: string[]) => s.runner.run(tool, args) };
}

describe('config-get', () => {
  it('prints set values and non-null defaults, typed in JSON', () => {
    const { run } = session({ unit: 'mm/0' });
    expect(run('config-get', '--format=json').stdout).toBe('{"enabled":false,"replicas":3,"topics":"x,y"}\n');
    expect(run('config-get', '--all', '--format=json').stdout).toBe(
      '{"creds":null,"enabled":false,"ratio":null,"replicas":3,"topics":"x,y"}\n',
    );
  });
  it('one key: its value; unknown key: null with exit 0; smart booleans', () => {
    const { run } = session({ unit: 'mm/0' });
    expect(run('config-get', 'replicas', '--format=json').stdout).toBe('3\n');
    expect(run('config-get', 'nope', '--format=json')).toEqual({ code: 0, stdout: 'null\n', stderr: '' });
    expect(run('config-get', 'enabled').stdout).toBe('False\n');
  });
  it('key with --all is a usage error; an unknown format too', () => {
    const { run } = session({ unit: 'mm/0' });
    expect(run('config-get', 'topics', '--all')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERROR cannot use argument --all together with key "topics"\n',
    });
    expect(run('config-get', '--format=xml').stderr).toBe('ERROR invalid value "xml" for flag --format: unknown format "xml"\n');
  });
});

describe('status-set / status-get', () => {
  it('applies at once, keeps history, and status-get --include-data returns the JSON shape', () => {
    const { s, run, model } = session({ unit: 'mm/0' });
    expect(run('status-set', 'maintenance', 'installing').code).toBe(0);
    expect(run('status-set', 'active', '--', '-dash message').code).toBe(0);
    expect(model.units['mm/0']!.status).toEqual({ status: 'active', message: '-dash message', data: {}, since: '2025-01-02T03:04:05Z' });
    expect(model.units['mm/0']!.statusHistory.map((h) => h.status)).toEqual(['unknown', 'maintenance']);
    expect(run('status-get', '--include-data', '--format=json').stdout).toBe(
      '{"message":"-dash message","status":"active","status-data":{}}\n',
    );
    expect(run('status-get', '--format=json').stdout).toBe('{"status":"active"}\n');
    expect(run('status-get').stdout).toBe('active\n');
    s.discard();
    expect(model.units['mm/0']!.status.status).toBe('active');
  });
  it('rejects an invalid status with the spec text and exit 2', () => {
    expect(session({ unit: 'mm/0' }).run('status-set', 'x')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERROR invalid status "x", expected one of [maintenance blocked waiting active]\n',
    });
  });
  it('--application needs leadership; status-get --application nests units', () => {
    expect(session({ unit: 'mm/1' }).run('status-set', '--application', 'active').code).toBe(1);
    const { run, model } = session({ unit: 'mm/0' });
    expect(run('status-set', '--application=True', 'blocked', 'need source').code).toBe(0);
    expect(model.applications['mm']!.status.message).toBe('need source');
    expect(run('status-get', '--application', '--format=json').stdout).toBe(
      '{"application-status":{"status":"blocked","units":{"mm/0":{"status":"unknown"},"mm/1":{"status":"unknown"}}}}\n',
    );
  });
});

describe('is-leader, application-version-set, juju-log', () => {
  it('is-leader prints JSON true/false and smart True/False', () => {
    expect(session({ unit: 'mm/0' }).run('is-leader', '--format=json').stdout).toBe('true\n');
    expect(session({ unit: 'mm/1' }).run('is-leader').stdout).toBe('False\n');
  });
  it('application-version-set applies at once and needs a version', () => {
    const { run, model } = session({ unit: 'mm/1' });
    expect(run('application-version-set', '3.9.0').code).toBe(0);
    expect(model.applications['mm']!.workloadVersion).toBe('3.9.0');
    expect(run('application-version-set').stderr).toBe('ERROR no version specified\n');
  });
  it('juju-log records level and message, prefixes relation hooks, demotes bad levels', () => {
    const f = fixture();
    const s = openSession(f.model, { unit: 'mm/0', hook: 'source-relation-changed', relationId: 3, remoteUnit: 'kafka/0', now: FIXED_NOW });
    s.runner.run('juju-log', ['-l', 'WARNING', '--', '-hello', 'world']);
    s.runner.run('juju-log', ['--log-level=LOUD', 'msg']);
    expect(f.model.logs.map((l) => [l.level, l.message])).toEqual([
      ['WARNING', 'source:3: -hello world'],
      ['WARNING', 'Specified log level of "LOUD" is not valid'],
      ['INFO', 'source:3: msg'],
    ]);
    expect(s.runner.run('juju-log', []).code).toBe(2);
  });
});

describe('actions', () => {
  const action = { name: 'pause', params: { reason: 'maint', nested: { deep: 1 } } };
  it('action-get returns params, walks dotted keys, null for missing', () => {
    const { run } = session({ unit: 'mm/0', action });
    expect(run('action-get', '--format=json').stdout).toBe('{"nested":{"deep":1},"reason":"maint"}\n');
    expect(run('action-get', 'nested.deep', '--format=json').stdout).toBe('1\n');
    expect(run('action-get', 'nested.none', '--format=json').stdout).toBe('null\n');
  });
  it('action-set nests dotted keys, overwrites, and validates keys with the spec texts', () => {
    const { run, s } = session({ unit: 'mm/0', action });
    expect(run('action-set', 'a.b=1', 'c=x').code).toBe(0);
    expect(run('action-set', 'c=y').code).toBe(0);
    expect(s.actionRun!.results).toEqual({ a: { b: '1' }, c: 'y' });
    expect(run('action-set', 'stdout=x')).toEqual({ code: 2, stdout: '', stderr: 'ERROR cannot set reserved action key "stdout"\n' });
    expect(run('action-set', 'Bad=x').stderr).toBe(
      'ERROR key "Bad" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods\n',
    );
    expect(run('action-set', 'noequals').stderr).toBe('ERROR argument "noequals" must be of the form key...=value\n');
  });
  it('action-fail marks the run failed even when the process exits 0; action-log applies at once', () => {
    const { run, s, model } = session({ unit: 'mm/0', action });
    run('action-log', 'step', 'one');
    run('action-fail');
    expect(run('action-fail', 'a', 'b').stderr).toBe('ERROR unrecognized args: ["b"]\n');
    s.commit({ exitCode: 0, stdout: 'out' });
    const rec = model.actions[0]!;
    expect(rec).toMatchObject({
      status: 'failed',
      failMessage: 'action failed without reason given, check action for errors',
      logs: ['step one'],
      returnCode: 0,
      stdout: 'out',
    });
  });
  it('a non-zero exit fails the action with "exit status N"; action tools outside actions fail', () => {
    const { s, model } = session({ unit: 'mm/0', action });
    s.discard({ exitCode: 3 });
    expect(model.actions[0]).toMatchObject({ status: 'failed', failMessage: 'exit status 3' });
    expect(session({ unit: 'mm/0' }).run('action-get')).toEqual({ code: 1, stdout: '', stderr: 'ERROR not running an action\n' });
  });
  it('refuses to open an action the charm does not define', () => {
    expect(() => openSession(fixture().model, { unit: 'mm/0', action: { name: 'nope' } })).toThrow('action "nope" is not defined');
  });
});

describe('state-get / state-set / state-delete', () => {
  it('buffers writes that the same hook reads back, and commits them', () => {
    const { run, s, model } = session({ unit: 'mm/0' });
    expect(run('state-get', '--format=json').stdout).toBe('null\n');
    run('state-set', 'a=1', 'b=2');
    run('state-delete', 'b');
    expect(run('state-get', '--format=json').stdout).toBe('{"a":"1"}\n');
    expect(model.units['mm/0']!.state).toEqual({});
    s.commit();
    expect(model.units['mm/0']!.state).toEqual({ a: '1' });
  });
  it('missing key is "" unless --strict; --file - takes YAML on stdin', () => {
    const { run, s, model } = session({ unit: 'mm/0' });
    expect(run('state-get', 'nope', '--format=json').stdout).toBe('""\n');
    expect(run('state-get', 'nope', '--strict')).toEqual({ code: 1, stdout: '', stderr: 'ERROR "nope" not found\n' });
    expect(s.runner.run('state-set', ['--file', '-'], 'k: {"x": 1}').code).toBe(2);
    expect(s.runner.run('state-set', ['--file', '-'], 'k: \'{"x": 1}\'').code).toBe(0);
    s.discard();
    expect(model.units['mm/0']!.state).toEqual({});
  });
  it('enforces the value size limit', () => {
    const { run } = session({ unit: 'mm/0' });
    expect(run('state-set', `k=${'x'.repeat(64 * 1024 + 1)}`).code).toBe(1);
  });
});

describe('leader-get / leader-set', () => {
  it('leader-set applies at once and queues leader-settings-changed on followers', () => {
    const { run, s, model } = session({ unit: 'mm/0' });
    expect(run('leader-set', 'k=v').code).toBe(0);
    expect(model.applications['mm']!.leaderSettings).toEqual({ k: 'v' });
    expect(run('leader-get', 'k').stdout).toBe('v\n');
    expect(s.discard().events).toEqual([{ unit: 'mm/1', hook: 'leader-settings-changed' }]);
  });
  it('non-leaders cannot leader-set', () => {
    expect(session({ unit: 'mm/1' }).run('leader-set', 'k=v').stderr).toMatch(/^ERROR cannot write leadership settings/);
  });
});
