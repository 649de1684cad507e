import { openSession } from '../../../lib/sim';
import { fixture, FIXED_NOW } from './fixture';

function hook(unit: string, hookName: string, extra: Record<string, unknown> = {}) {
  const f = fixture();
  const session = openSession(f.model, { unit, hook: hookName, now: FIXED_NOW, ...extra });
  return { ...f, session, run: (tool: string, ...args: string[]) => session.runner.run(tool, args) };
}

describe('relation-ids', () => {
  it('lists the relations of an endpoint as endpoint:id', () => {
    const { run } = hook('mm/0', 'install');
    expect(run('relation-ids', 'source', '--format=json')).toEqual({ code: 0, stdout: '["source:3"]\n', stderr: '' });
    expect(run('relation-ids', 'peer', '--format=json').stdout).toBe('["peer:1"]\n');
  });
  it('defaults to the hook relation endpoint, else fails with exit 2', () => {
    expect(
      hook('mm/0', 'source-relation-changed', { relationId: 3, remoteUnit: 'kafka/0' }).run('relation-ids', '--format=json').stdout,
    ).toBe('["source:3"]\n');
    expect(hook('mm/0', 'install').run('relation-ids')).toEqual({ code: 2, stdout: '', stderr: 'ERROR no endpoint name specified\n' });
  });
});

describe('relation-list', () => {
  it('lists joined remote units and the remote app with --app', () => {
    const { run } = hook('mm/0', 'install');
    expect(run('relation-list', '-r', 'source:3', '--format=json').stdout).toBe('["kafka/0","kafka/1"]\n');
    expect(run('relation-list', '-r', '3', '--app', '--format=json').stdout).toBe('"kafka"\n');
    expect(run('relation-list', '-r', 'peer:1', '--format=json').stdout).toBe('["mm/1"]\n');
  });
  it('leaves out the departing unit during relation-departed', () => {
    const { run } = hook('mm/0', 'source-relation-departed', { relationId: 3, remoteUnit: 'kafka/1', departingUnit: 'kafka/1' });
    expect(run('relation-list', '--format=json').stdout).toBe('["kafka/0"]\n');
  });
  it('fails with the spec texts for bad and unknown ids and missing -r', () => {
    const { run } = hook('mm/0', 'install');
    expect(run('relation-list', '-r', 'source:x')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERROR invalid value "source:x" for flag -r: invalid relation id\n',
    });
    expect(run('relation-list', '-r', 'source:99').stderr).toBe('ERROR invalid value "source:99" for flag -r: relation not found\n');
    expect(run('relation-list')).toEqual({ code: 2, stdout: '', stderr: 'ERROR no relation id specified\n' });
  });
});

describe('relation-get', () => {
  it('reads the remote unit from context, pre-filled addresses included', () => {
    const { run } = hook('mm/0', 'source-relation-changed', { relationId: 3, remoteUnit: 'kafka/1' });
    expect(run('relation-get', '--format=json', '-').stdout).toBe(
      '{"egress-subnets":"10.0.1.2/32","ingress-address":"10.0.1.2","private-address":"10.0.1.2"}\n',
    );
    expect(run('relation-get', '--format=json', 'missing').stdout).toBe('null\n');
    expect(run('relation-get', 'ingress-address').stdout).toBe('10.0.1.2\n');
  });
  it('reads app bags with --app, and switches to app mode when only a remote app is in context', () => {
    const f = fixture();
    f.model.relations.find((r) => r.id === 3)!.appData['kafka'] = { endpoints: 'h:9092' };
    const s = openSession(f.model, { unit: 'mm/0', hook: 'source-relation-changed', relationId: 3, remoteApp: 'kafka' });
    expect(s.runner.run('relation-get', ['--format=json']).stdout).toBe('{"endpoints":"h:9092"}\n');
    expect(s.runner.run('relation-get', ['--app', 'endpoints', 'kafka/0']).stdout).toBe('h:9092\n');
  });
  it('rejects an app name without --app and a bad unit name (exit 1)', () => {
    const { run } = hook('mm/0', 'install');
    expect(run('relation-get', '-r', '3', '-', 'kafka')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERROR expected unit name, got application name "kafka"\n',
    });
    expect(run('relation-get', '-r', '3', '-', 'Bad/x').stderr).toBe('ERROR invalid unit name "Bad/x"\n');
  });
  it('needs a unit or app when the context has none (relation-broken)', () => {
    const f = fixture();
    const s = openSession(f.model, { unit: 'mm/0', hook: 'install' });
    expect(s.runner.run('relation-get', ['-r', '3'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR no unit or application specified\n' });
  });
  it('refuses a non-leader reading its own app bag in a non-peer relation, allows it for peers', () => {
    const { run } = hook('mm/1', 'install');
    expect(run('relation-get', '-r', '3', '--app', '-', 'mm')).toEqual({ code: 1, stdout: '', stderr: 'ERROR permission denied\n' });
    expect(run('relation-get', '-r', '1', '--app', '--format=json', '-', 'mm').stdout).toBe('{}\n');
  });
});

describe('relation-set', () => {
  it('buffers writes: own reads see them at once, other units only after commit', () => {
    const f = fixture();
    const writer = openSession(f.model, { unit: 'mm/0', hook: 'config-changed' });
    expect(writer.runner.run('relation-set', ['-r', 'source:3', 'topic=t1', 'extra=x']).code).toBe(0);
    expect(writer.runner.run('relation-get', ['-r', '3', '--format=json', 'topic', 'mm/0']).stdout).toBe('"t1"\n');
    const reader = openSession(f.model, { unit: 'kafka/0', hook: 'update-status' });
    expect(reader.runner.run('relation-get', ['-r', '3', 'topic', 'mm/0']).stdout).toBe('');
    const effects = writer.commit();
    expect(reader.runner.run('relation-get', ['-r', '3', 'topic', 'mm/0']).stdout).toBe('t1\n');
    expect(effects.events).toEqual([
      { unit: 'kafka/0', hook: 'kafka-client-relation-changed', relationId: 3, remoteApp: 'mm', remoteUnit: 'mm/0' },
      { unit: 'kafka/1', hook: 'kafka-client-relation-changed', relationId: 3, remoteApp: 'mm', remoteUnit: 'mm/0' },
    ]);
  });
  it('drops writes on discard', () => {
    const f = fixture();
    const s = openSession(f.model, { unit: 'mm/0', hook: 'config-changed' });
    s.runner.run('relation-set', ['-r', '3', 'topic=t1']);
    expect(s.discard().events).toEqual([]);
    expect(f.model.relations.find((r) => r.id === 3)!.unitData['mm/0']!['topic']).toBeUndefined();
  });
  it('an empty value deletes the key; --file - reads YAML from stdin; key=value overrides the file', () => {
    const f = fixture();
    const s = openSession(f.model, { unit: 'mm/0', hook: 'config-changed' });
    expect(s.runner.run('relation-set', ['-r', '3', '--file', '-', 'b=override'], '{"a": "1", "b": "2", "n": 5}').code).toBe(0);
    s.runner.run('relation-set', ['-r', '3', 'private-address=']);
    s.commit();
    const bag = f.model.relations.find((r) => r.id === 3)!.unitData['mm/0']!;
    expect(bag).toEqual({ a: '1', b: 'override', n: '5', 'egress-subnets': '127.0.0.1/32', 'ingress-address': '127.0.0.1' });
  });
  it('--app is leader only', () => {
    expect(hook('mm/1', 'install').run('relation-set', '-r', '3', '--app', 'k=v')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERROR cannot write relation settings\n',
    });
  });
  it('leader app writes notify remote units without a remote unit; peers exclude the writer', () => {
    const f = fixture();
    const s = openSession(f.model, { unit: 'mm/0', hook: 'config-changed' });
    s.runner.run('relation-set', ['-r', '1', '--app', 'k=v']);
    expect(s.commit().events).toEqual([{ unit: 'mm/1', hook: 'peer-relation-changed', relationId: 1, remoteApp: 'mm' }]);
    expect(f.model.relations.find((r) => r.id === 1)!.appData['mm']).toEqual({ k: 'v' });
  });
  it('an unchanged bag triggers nothing; a malformed argument is a usage error', () => {
    const f = fixture();
    const s = openSession(f.model, { unit: 'mm/0', hook: 'config-changed' });
    s.runner.run('relation-set', ['-r', '3', 'private-address=127.0.0.1']);
    expect(s.runner.run('relation-set', ['-r', '3', 'novalue'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERROR expected "key=value", got "novalue"\n',
    });
    expect(s.commit().events).toEqual([]);
  });
});
