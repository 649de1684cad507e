/**
 * Hook-tool behaviours checked against Juju's own source (juju/juju, 3.6 branch), one test per
 * behaviour a charm (or ops / Canonical's relation libraries) depends on. Each test names the file
 * and function it follows.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createModel,
  addApplication,
  addUnit,
  charmMetaFromYaml,
  openSession,
  parseSecretUri,
  type HookContextSpec,
  type JujuModel,
} from '../../../lib/sim';
import { fixture, FIXED_NOW } from './fixture';

function open(model: JujuModel, spec: Partial<HookContextSpec> & { unit: string }) {
  const session = openSession(model, { hook: 'install', now: FIXED_NOW, ...spec } as HookContextSpec);
  return { session, run: (tool: string, ...args: string[]) => session.runner.run(tool, args) };
}

describe('relation-ids during relation-broken', () => {
  // internal/worker/uniter/runner/context/context.go, HookContext.RelationIds(): "relation %d is
  // broken, excluding from relations-ids"; jujuc/relation-ids.go lists only what that returns.
  it('does not list the relation that is breaking, but relation-get -r still reaches it', () => {
    const f = fixture();
    const { run } = open(f.model, { unit: 'mm/0', hook: 'source-relation-broken', relationId: f.sourceId, remoteApp: 'kafka' });
    expect(run('relation-ids', 'source', '--format=json').stdout).toBe('[]\n');
    expect(run('relation-ids', '--format=json').stdout).toBe('[]\n');
    expect(run('relation-ids', 'peer', '--format=json').stdout).toBe('["peer:1"]\n');
    expect(run('relation-get', '-r', String(f.sourceId), '--app', '-', 'kafka').code).toBe(0);
  });
  it('lists it in every other hook', () => {
    const f = fixture();
    const { run } = open(f.model, {
      unit: 'mm/0',
      hook: 'source-relation-departed',
      relationId: f.sourceId,
      remoteUnit: 'kafka/1',
      departingUnit: 'kafka/1',
    });
    expect(run('relation-ids', 'source', '--format=json').stdout).toBe('["source:3"]\n');
  });
});

describe('secret-add / secret-set content', () => {
  // jujuc/secret-add.go, secretAddCommand.Run: only `updateArgs.Value.IsEmpty()` (no keys at all) is
  // "empty secret value"; core/secrets/secret_value.go CreateSecretData / ReadSecretData keep "" values.
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-fidelity-'));
    fs.writeFileSync(path.join(dir, 'empty'), '');
    fs.writeFileSync(path.join(dir, 'none.yaml'), '{}\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts an empty value (ops passes content as key#file=<path>)', () => {
    const f = fixture();
    const { session, run } = open(f.model, { unit: 'mm/0', cwd: dir });
    const added = run('secret-add', `password#file=${path.join(dir, 'empty')}`, 'username=bob');
    expect(added.code).toBe(0);
    const uri = added.stdout.trim();
    expect(run('secret-set', uri, `password#file=${path.join(dir, 'empty')}`, 'username=').code).toBe(2);
    expect(run('secret-set', uri, `password#file=${path.join(dir, 'empty')}`, `username#file=${path.join(dir, 'empty')}`).code).toBe(0);
    session.commit();
    const id = parseSecretUri(uri)!;
    expect(f.model.secrets[id]!.revisions[0]!.content).toEqual({ password: '', username: '' });
  });
  it('accepts empty values from a --file YAML map', () => {
    const f = fixture();
    fs.writeFileSync(path.join(dir, 'blank.yaml'), 'token: ""\n');
    const { run } = open(f.model, { unit: 'mm/0', cwd: dir });
    expect(run('secret-add', '--file', path.join(dir, 'blank.yaml')).code).toBe(0);
  });
  it('refuses only a secret with no keys at all', () => {
    const f = fixture();
    const { run } = open(f.model, { unit: 'mm/0', cwd: dir });
    expect(run('secret-add')).toEqual({ code: 2, stdout: '', stderr: 'ERROR missing secret value or filename\n' });
    expect(run('secret-add', '--file', path.join(dir, 'none.yaml'))).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERROR empty secret value not valid\n',
    });
  });
});

describe('list tools print juju/cmd "smart" by default', () => {
  // juju/cmd output.go FormatSmart: a []string is joined by "\n"; an empty result prints nothing.
  // jujuc/opened-ports.go, relation-ids.go, relation-list.go, secret-ids.go all default to "smart".
  it('opened-ports, relation-ids, relation-list, secret-ids: one item a line, nothing when empty', () => {
    const f = fixture();
    f.model.units['mm/0']!.openedPorts.push(
      { protocol: 'tcp', from: 8080, to: 8080, endpoints: [] },
      { protocol: 'udp', from: 53, to: 54, endpoints: [] },
    );
    const { session, run } = open(f.model, { unit: 'mm/0' });
    expect(run('opened-ports').stdout).toBe('8080/tcp\n53-54/udp\n');
    expect(run('relation-ids', 'source').stdout).toBe('source:3\n');
    expect(run('relation-list', '-r', '3').stdout).toBe('kafka/0\nkafka/1\n');
    expect(run('secret-ids')).toEqual({ code: 0, stdout: '', stderr: '' });
    const uri = run('secret-add', 'token=x').stdout.trim();
    session.commit();
    const next = open(f.model, { unit: 'mm/0', hook: 'update-status' });
    expect(next.run('secret-ids').stdout).toBe(`${uri}\n`);
    expect(next.run('secret-ids', '--format=json').stdout).toBe(`["${uri}"]\n`);
    expect(next.run('secret-ids', '--format=yaml').stdout).toBe(`- ${uri}\n`);
  });
  it('prints nothing for an empty list', () => {
    const f = fixture();
    const source = f.model.relations.find((r) => r.id === f.sourceId)!;
    source.scope = source.scope.filter((u) => u.startsWith('mm/'));
    const { run } = open(f.model, { unit: 'mm/1' });
    expect(run('opened-ports')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(run('relation-list', '-r', '3')).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('relation-model-get', () => {
  // jujuc/relation-model-get.go (added in Juju 3.6.2): -r/--relation, defaults to the hook
  // relation, Init "no relation id specified", prints modelDetails{UUID `yaml:"uuid"`}.
  it('prints the remote model uuid of the relation', () => {
    const f = fixture();
    const { run } = open(f.model, { unit: 'mm/0', hook: 'source-relation-changed', relationId: 3, remoteUnit: 'kafka/0' });
    expect(run('relation-model-get')).toEqual({ code: 0, stdout: `uuid: ${f.model.uuid}\n`, stderr: '' });
    expect(run('relation-model-get', '-r', '3', '--format=json').stdout).toBe(`{"uuid":"${f.model.uuid}"}\n`);
  });
  it('needs a relation outside relation hooks, and does not exist before 3.6.2', () => {
    const f = fixture();
    expect(open(f.model, { unit: 'mm/0' }).run('relation-model-get')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERROR no relation id specified\n',
    });
    f.model.jujuVersion = '3.6.1';
    expect(open(f.model, { unit: 'mm/0' }).run('relation-model-get', '-r', '3')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERROR bad request: unknown command "relation-model-get"\n',
    });
  });
});

describe('resource-get', () => {
  // jujuc/resource-get.go: Init "missing required resource name"; Run wraps the download error
  // as "could not download resource: …" and prints the path with no trailing newline.
  function withResource() {
    const model = createModel({ uuid: '11111111-2222-4333-8444-555555555555' });
    addApplication(model, 'app', charmMetaFromYaml({ name: 'app', resources: { software: { type: 'file', filename: 'sw.zip' } } }));
    addUnit(model, 'app', { leader: true });
    return model;
  }
  it('prints the local path of an attached resource', () => {
    const model = withResource();
    model.applications['app']!.resources = { software: '/var/lib/juju/agents/unit-app-0/resources/software/sw.zip' };
    expect(open(model, { unit: 'app/0' }).run('resource-get', 'software')).toEqual({
      code: 0,
      stdout: '/var/lib/juju/agents/unit-app-0/resources/software/sw.zip',
      stderr: '',
    });
  });
  it('errors for a missing name, an unknown resource and one with no file', () => {
    const model = withResource();
    const { run } = open(model, { unit: 'app/0' });
    expect(run('resource-get')).toEqual({ code: 2, stdout: '', stderr: 'ERROR missing required resource name\n' });
    expect(run('resource-get', 'nope').stderr).toBe('ERROR could not download resource: resource "nope" not found\n');
    expect(run('resource-get', 'software').code).toBe(1);
  });
});

describe('secret ids', () => {
  // core/secrets/secret.go: ParseURI accepts `secret:<id>`, `secret://<uuid>/<id>`, a bare id; the
  // host must be a UUID. NewURI (3.6.19+) issues 12 random bytes in base32hex instead of an xid.
  it('reads the old xid form and the sourced form, refuses a non-UUID host', () => {
    expect(parseSecretUri('secret:9m4e2mr0ui3e8a215n4g')).toBe('9m4e2mr0ui3e8a215n4g');
    expect(parseSecretUri('9m4e2mr0ui3e8a215n4g')).toBe('9m4e2mr0ui3e8a215n4g');
    expect(parseSecretUri('secret://11111111-2222-4333-8444-555555555555/9m4e2mr0ui3e8a215n4g')).toBe('9m4e2mr0ui3e8a215n4g');
    expect(parseSecretUri('secret://not-a-uuid/9m4e2mr0ui3e8a215n4g')).toBeUndefined();
    expect(parseSecretUri('http:9m4e2mr0ui3e8a215n4g')).toBeUndefined();
    expect(parseSecretUri('secret:short')).toBeUndefined();
  });
  it('issues opaque ids: 20 base32hex characters, unrelated between models', () => {
    const a = fixture().model;
    const b = createModel({ uuid: '99999999-2222-4333-8444-555555555555' });
    addApplication(b, 'mm', a.applications['mm']!.charm);
    addUnit(b, 'mm', { leader: true });
    const ia = open(a, { unit: 'mm/0' }).run('secret-add', 'token=v').stdout.trim();
    const rb = open(b, { unit: 'mm/0' }).run('secret-add', 'token=v');
    expect(rb.stderr).toBe('');
    const ib = rb.stdout.trim();
    expect(ia).toMatch(/^secret:[0-9a-v]{20}$/);
    expect(ib).toMatch(/^secret:[0-9a-v]{20}$/);
    expect(ia).not.toBe(ib);
  });
});

describe('unknown tool names', () => {
  it('are refused even when they name an Object.prototype member', () => {
    const { run } = open(fixture().model, { unit: 'mm/0' });
    expect(run('toString')).toEqual({ code: 1, stdout: '', stderr: 'ERROR bad request: unknown command "toString"\n' });
  });
});

describe('action params additionalProperties by JUJU_VERSION (local model side)', () => {
  // Juju 3 leaves additionalProperties to JSON Schema's default (true); Juju 4 defaults it to false.
  const { validateActionParams } = require('../../../lib/localmodel/validate') as typeof import('../../../lib/localmodel/validate');
  const actions = { go: { params: { n: { type: 'integer' } } }, strict: { params: {}, additionalProperties: false } };
  it('passes undeclared params under 3.x, refuses them under 4.x, and an explicit setting wins', () => {
    expect(validateActionParams('a/0', 'go', actions, { n: 1, extra: 'x' }, '3.6.4')).toEqual({ n: 1, extra: 'x' });
    expect(() => validateActionParams('a/0', 'go', actions, { n: 1, extra: 'x' }, '4.0.0')).toThrow(
      /Additional property extra is not allowed/,
    );
    expect(() => validateActionParams('a/0', 'strict', actions, { extra: 'x' }, '3.6.4')).toThrow(/Additional property extra/);
  });
});

describe('transcripts redact secret content', () => {
  const { redactArgs } = require('../../../lib/sim') as typeof import('../../../lib/sim');
  it('secret-add/-set values, and credential-looking keys of relation-set/state-set/leader-set/action-set', () => {
    expect(redactArgs('secret-add', ['--label', 'x', 'password=hunter2', 'cert#file=/tmp/c'])).toEqual([
      '--label',
      'x',
      'password=<redacted>',
      'cert#file=/tmp/c',
    ]);
    expect(redactArgs('relation-set', ['-r', '3', 'password=hunter2', 'endpoints=a:1'])).toEqual([
      '-r',
      '3',
      'password=<redacted>',
      'endpoints=a:1',
    ]);
    expect(redactArgs('state-set', ['jaas-config=x', 'mode=on'])).toEqual(['jaas-config=<redacted>', 'mode=on']);
    expect(redactArgs('config-get', ['password=x'])).toEqual(['password=x']);
  });
});

describe('after its relation-broken, a unit no longer sees the relation', () => {
  // The uniter removes a relation from the unit's context once relation-broken has run, while the
  // other units (running concurrently) may still have hooks for it.
  it('later hooks on that unit do not list or reach it; other units still do', () => {
    const f = fixture();
    const broken = open(f.model, { unit: 'mm/0', hook: 'source-relation-broken', relationId: f.sourceId, remoteApp: 'kafka' });
    broken.session.commit();
    const later = open(f.model, { unit: 'mm/0', hook: 'update-status' });
    expect(later.run('relation-ids', 'source', '--format=json').stdout).toBe('[]\n');
    expect(later.run('relation-get', '-r', String(f.sourceId), '-', 'kafka/0').code).toBe(2);
    expect(open(f.model, { unit: 'mm/1', hook: 'update-status' }).run('relation-ids', 'source', '--format=json').stdout).toBe(
      '["source:3"]\n',
    );
  });
});
