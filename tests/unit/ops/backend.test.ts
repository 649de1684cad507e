import * as fs from 'fs';
import { HookToolBackend, classifyToolFailure } from '../../../lib/ops/backend';
import {
  InvalidArgumentsError,
  ModelError,
  NotFoundError,
  NotLeaderError,
  PermissionError,
  RelationNotFoundError,
  SecretNotFoundError,
  ToolOutputError,
} from '../../../lib/ops/errors';
import { Redactor } from '../../../lib/ops/redact';
import { FakeJuju, fail, ok } from './fake-juju';

const rel = { endpoint: 'source', id: 3 };

describe('classifyToolFailure', () => {
  const f = (tool: string, stderr: string, exitCode = 1) => classifyToolFailure({ tool, args: ['x'], exitCode, stderr });
  it.each([
    [f('relation-get', 'ERROR invalid value "source:9" for flag -r: relation not found', 2), RelationNotFoundError],
    [f('network-get', 'ERROR relation not found'), RelationNotFoundError],
    [f('secret-get', 'ERROR secret "secret:x" not found'), SecretNotFoundError],
    [f('relation-set', 'ERROR cannot write relation settings'), NotLeaderError],
    [f('status-set', 'ERROR this unit is not the leader'), NotLeaderError],
    [f('relation-set', 'ERROR cannot read relation application settings: permission denied (unauthorized access)'), PermissionError],
    [f('storage-get', 'ERROR storage "x" not found'), NotFoundError],
    [f('status-set', 'ERROR invalid status "x", expected one of [maintenance blocked waiting active]', 2), InvalidArgumentsError],
    [f('config-get', 'ERROR boom'), ModelError],
  ])('%#: classifies %s', (err, cls) => {
    expect(err).toBeInstanceOf(cls);
    expect(err.constructor).toBe(cls);
  });

  it('carries tool, args, exit code and stderr', () => {
    const e = f('status-set', 'ERROR bad', 2);
    expect(e).toMatchObject({ tool: 'status-set', args: ['x'], exitCode: 2, stderr: 'ERROR bad' });
    expect(e.message).toContain('status-set');
    expect(e.message).toContain('exit 2');
  });
});

describe('HookToolBackend argv', () => {
  it('uses --format=json, -r endpoint:id and --file - with JSON on stdin', () => {
    const juju = new FakeJuju();
    juju.relations.push({ id: 3, endpoint: 'source', remoteApp: 'kafka', units: ['kafka/0'], bags: {} });
    const b = new HookToolBackend(juju);
    b.relationGet(rel, 'kafka/0', false);
    b.relationGet(rel, 'kafka', true);
    b.relationSet(rel, true, { a: '1', gone: '' });
    expect(juju.calls[0]).toEqual({ tool: 'relation-get', args: ['-r', 'source:3', '-', 'kafka/0', '--format=json'] });
    expect(juju.calls[1].args).toEqual(['-r', 'source:3', '--app', '-', 'kafka', '--format=json']);
    expect(juju.calls[2]).toEqual({ tool: 'relation-set', args: ['-r', 'source:3', '--app', '--file', '-'], stdin: '{"a":"1","gone":""}' });
  });

  it('puts -- before free text (status messages, log lines, action messages)', () => {
    const juju = new FakeJuju();
    const b = new HookToolBackend(juju);
    b.statusSet('blocked', '-x starts with a dash', true);
    b.jujuLog('WARNING', '--not-a-flag');
    b.actionFail('-oops');
    b.actionLog('-progress');
    expect(juju.calls.map((c) => c.args)).toEqual([
      ['--application', 'blocked', '--', '-x starts with a dash'],
      ['--log-level', 'WARNING', '--', '--not-a-flag'],
      ['--', '-oops'],
      ['--', '-progress'],
    ]);
  });

  it('sends state-set as JSON on stdin and reads null state as {}', () => {
    const juju = new FakeJuju();
    const b = new HookToolBackend(juju);
    expect(b.stateGet()).toEqual({});
    b.stateSet({ k: 'v' });
    expect(juju.calls[1]).toEqual({ tool: 'state-set', args: ['--file', '-'], stdin: '{"k":"v"}' });
  });
});

describe('HookToolBackend cache', () => {
  it('memoises config, leadership, relation ids/units/app and bags for the dispatch', () => {
    const juju = new FakeJuju();
    juju.relations.push({ id: 3, endpoint: 'source', remoteApp: 'kafka', units: ['kafka/0'], bags: { kafka: { x: '1' } } });
    const b = new HookToolBackend(juju);
    for (let i = 0; i < 3; i++) {
      b.configGet();
      b.isLeader();
      b.relationIds('source');
      b.relationList(rel);
      b.relationRemoteApp(rel);
      b.relationGet(rel, 'kafka', true);
    }
    expect(b.callCount).toBe(6);
    expect(juju.calls).toHaveLength(6);
    expect(b.relationIds('source')).toEqual([3]);
  });

  it('forgets a bag after relation-set to it', () => {
    const juju = new FakeJuju();
    juju.relations.push({ id: 3, endpoint: 'source', remoteApp: 'kafka', units: [], bags: {} });
    const b = new HookToolBackend(juju);
    expect(b.relationGet(rel, 'app', true)).toEqual({});
    b.relationSet(rel, true, { a: '1' });
    expect(b.relationGet(rel, 'app', true)).toEqual({ a: '1' });
    expect(juju.callsOf('relation-get')).toHaveLength(2);
  });

  it('caches secret content and refreshes on --refresh or secret-set', () => {
    const juju = new FakeJuju();
    juju.secrets.push({ id: 'secret:a', owner: 'application', revisions: [{ password: 'hunter22' }] });
    const b = new HookToolBackend(juju);
    b.secretGet({ id: 'secret:a' });
    b.secretGet({ id: 'secret:a' });
    expect(juju.callsOf('secret-get')).toHaveLength(1);
    b.secretSet('secret:a', { password: 'hunter33' });
    expect(b.secretGet({ id: 'secret:a' })).toEqual({ password: 'hunter33' });
    expect(b.secretGet({ id: 'secret:a' }, 'refresh')).toEqual({ password: 'hunter33' });
    expect(juju.callsOf('secret-get').map((c) => c.args)).toEqual([
      ['secret:a', '--format=json'],
      ['secret:a', '--format=json'],
      ['secret:a', '--refresh', '--format=json'],
    ]);
  });
});

describe('HookToolBackend secrets never on argv', () => {
  it('passes content as key#file=<0600 temp file> and deletes the file afterwards', () => {
    const juju = new FakeJuju();
    const b = new HookToolBackend(juju);
    const id = b.secretAdd({ password: 's3cr3t-value', username: 'bob-the-user' }, { owner: 'unit', label: 'creds', rotate: 'daily' });
    expect(id).toBe('secret:s1');
    const call = juju.callsOf('secret-add')[0];
    expect(JSON.stringify(call)).not.toContain('s3cr3t-value');
    expect(call.args.slice(0, 6)).toEqual(['--owner', 'unit', '--label', 'creds', '--rotate', 'daily']);
    const fileArgs = call.args.filter((a) => a.includes('#file='));
    expect(fileArgs.map((a) => a.split('#')[0])).toEqual(['password', 'username']);
    for (const a of fileArgs) {
      const file = a.split('#file=')[1];
      expect(juju.secretFileContents[file]).toBe('600');
      expect(fs.existsSync(file)).toBe(false);
    }
    expect(juju.secrets[0].revisions[0]).toEqual({ password: 's3cr3t-value', username: 'bob-the-user' });
  });

  it('redacts known secret values from tool errors', () => {
    const juju = new FakeJuju();
    juju.secrets.push({ id: 'secret:a', owner: 'application', revisions: [{ password: 'topsecretpw' }] });
    juju.on('relation-set', () => fail('ERROR value topsecretpw rejected'));
    juju.relations.push({ id: 3, endpoint: 'source', remoteApp: 'kafka', units: [], bags: {} });
    const b = new HookToolBackend(juju, new Redactor());
    b.secretGet({ id: 'secret:a' });
    let err: unknown;
    try {
      b.relationSet(rel, false, { x: 'topsecretpw' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelError);
    const me = err as ModelError;
    expect(me.message).not.toContain('topsecretpw');
    expect(me.stderr).not.toContain('topsecretpw');
    expect(me.stderr).toContain('<redacted>');
  });

  it('throws a typed error for a missing secret', () => {
    const b = new HookToolBackend(new FakeJuju());
    expect(() => b.secretGet({ label: 'nope' })).toThrow(SecretNotFoundError);
  });

  it('secret-info-get parses the single-entry map', () => {
    const juju = new FakeJuju();
    juju.secrets.push({ id: 'secret:a', label: 'l', owner: 'unit', revisions: [{ abc: 'x' }, { abc: 'y' }] });
    const info = new HookToolBackend(juju).secretInfoGet({ label: 'l' });
    expect(info).toMatchObject({ id: 'secret:a', label: 'l', revision: 2, owner: 'unit' });
    expect(juju.calls[0].args).toEqual(['--label', 'l', '--format=json']);
  });
});

describe('HookToolBackend output errors', () => {
  it('rejects non-JSON and wrongly-shaped output', () => {
    const juju = new FakeJuju().on('config-get', () => ok('not json')).on('is-leader', () => ok('"yes"'));
    const b = new HookToolBackend(juju);
    expect(() => b.configGet()).toThrow(ToolOutputError);
    expect(() => b.isLeader()).toThrow(ToolOutputError);
  });
  it('turns a relation-get on a vanished relation into RelationNotFoundError', () => {
    const b = new HookToolBackend(new FakeJuju());
    expect(() => b.relationGet({ endpoint: 'source', id: 99 }, 'kafka', true)).toThrow(RelationNotFoundError);
  });
});
