import { addSecret, openSession, type JujuModel } from '../../../lib/sim';
import { fixture, FIXED_NOW } from './fixture';

function open(model: JujuModel, unit: string, hook = 'update-status') {
  const s = openSession(model, { unit, hook, now: FIXED_NOW });
  return { s, run: (tool: string, ...args: string[]) => s.runner.run(tool, args) };
}

/** kafka owns a secret granted to mm over relation 3. */
function granted() {
  const f = fixture();
  const secret = addSecret(f.model, { kind: 'application', app: 'kafka' }, { password: 'pw1' }, { label: 'kafka-creds' });
  secret.grants.push({ target: 'mm', kind: 'application', relationId: 3, role: 'view' });
  return { ...f, secret, uri: `secret:${secret.id}` };
}

describe('secret-add', () => {
  it('prints a secret:<20-char xid> URI and creates the secret only on commit', () => {
    const f = fixture();
    const { s, run } = open(f.model, 'mm/0');
    const res = run(
      'secret-add',
      '--label',
      'mine',
      '--description',
      'd',
      'username=admin',
      'password#base64=' + Buffer.from('s3cret').toString('base64'),
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^secret:[0-9a-v]{20}\n$/);
    const id = res.stdout.trim().slice('secret:'.length);
    expect(f.model.secrets[id]).toBeUndefined();
    expect(run('secret-get', res.stdout.trim(), '--format=json').stdout).toBe('{"password":"s3cret","username":"admin"}\n');
    s.commit();
    expect(f.model.secrets[id]).toMatchObject({ label: 'mine', description: 'd', owner: { kind: 'application', app: 'mm' } });
    expect(f.model.secrets[id]!.revisions.map((r) => r.content)).toEqual([{ password: 's3cret', username: 'admin' }]);
  });
  it('is discarded with the hook', () => {
    const f = fixture();
    const { s, run } = open(f.model, 'mm/0');
    run('secret-add', 'key=value');
    s.discard();
    expect(Object.keys(f.model.secrets)).toEqual([]);
  });
  it('validates content with the spec texts', () => {
    const { run } = open(fixture().model, 'mm/0');
    expect(run('secret-add')).toEqual({ code: 2, stdout: '', stderr: 'ERROR missing secret value or filename\n' });
    // secrets.CreateSecretData strips base64 padding before looking for "=": "key=" has no separator left.
    expect(run('secret-add', 'key=').stderr).toBe('ERROR key value "key=" not valid\n');
    expect(run('secret-add', 'ab=x').stderr).toBe('ERROR key "ab" not valid\n');
    expect(run('secret-add', '--rotate', 'sometimes', 'key=x').stderr).toBe(
      'ERROR invalid value "sometimes" for flag --rotate: rotate policy "sometimes" not valid\n',
    );
    expect(run('secret-add', '--expire', 'soon', 'key=x').stderr).toBe('ERROR expire time or duration "soon" not valid\n');
  });
  it('application-owned secrets need leadership; unit-owned do not', () => {
    const { run } = open(fixture().model, 'mm/1');
    expect(run('secret-add', 'key=x')).toEqual({ code: 1, stdout: '', stderr: 'ERROR this unit is not the leader\n' });
    expect(run('secret-add', '--owner', 'unit', 'key=x').code).toBe(0);
  });
  it('reads key#file=<path> through the injectable reader and --expire durations from the clock', () => {
    const f = fixture();
    const s = openSession(f.model, { unit: 'mm/0', hook: 'install', now: FIXED_NOW, cwd: '/tmp', readFile: (p) => `content of ${p}` });
    const uri = s.runner.run('secret-add', ['--expire', '1h30m', 'cert#file=c.pem']).stdout.trim();
    s.commit();
    const secret = f.model.secrets[uri.slice(7)]!;
    expect(secret.revisions[0]!.content).toEqual({ cert: 'content of /tmp/c.pem' });
    expect(secret.expireTime).toBe('2025-01-02T04:34:05Z');
  });
});

describe('secret-get as consumer', () => {
  it('pins the revision on first read and keeps it until --refresh; --peek reads latest once', () => {
    const { model, secret, uri } = granted();
    const a = open(model, 'mm/0');
    expect(a.run('secret-get', uri, '--format=json').stdout).toBe('{"password":"pw1"}\n');
    expect(secret.consumers['mm/0']).toEqual({ revision: 1 });
    secret.revisions.push({ revision: 2, content: { password: 'pw2' }, createTime: 'x' });
    expect(a.run('secret-get', uri, 'password').stdout).toBe('pw1\n');
    expect(a.run('secret-get', uri, 'password', '--peek').stdout).toBe('pw2\n');
    expect(secret.consumers['mm/0']!.revision).toBe(1);
    expect(a.run('secret-get', uri, 'password', '--refresh').stdout).toBe('pw2\n');
    expect(secret.consumers['mm/0']!.revision).toBe(2);
    expect(a.run('secret-get', uri, '--peek', '--refresh').stderr).toBe('ERROR specify one of --peek or --refresh but not both\n');
    // Revision 1 is now tracked by nobody: the owner (kafka's leader) gets secret-remove.
    expect(a.s.commit().events).toEqual([
      { unit: 'kafka/0', hook: 'secret-remove', secretId: uri, secretRevision: 1, secretLabel: 'kafka-creds' },
    ]);
  });
  it('pins a consumer label on get by id, then finds the secret by that label', () => {
    const { model, secret, uri } = granted();
    const { run } = open(model, 'mm/1');
    expect(run('secret-get', uri, '--label', 'source-creds').code).toBe(0);
    expect(secret.consumers['mm/1']).toEqual({ revision: 1, label: 'source-creds' });
    expect(run('secret-get', '--label', 'source-creds', '--format=json').stdout).toBe('{"password":"pw1"}\n');
    // The first positional is always the URI, as in Juju.
    expect(run('secret-get', '--label', 'source-creds', 'password').stderr).toBe('ERROR secret URI "password" not valid\n');
    // The owner's label is not the consumer's.
    expect(run('secret-get', '--label', 'kafka-creds')).toEqual({ code: 1, stdout: '', stderr: 'ERROR secret "kafka-creds" not found\n' });
  });
  it('not found, no access, missing key, and bad URI texts', () => {
    const { model, uri } = granted();
    const { run } = open(model, 'mm/0');
    expect(run('secret-get', 'secret:aaaaaaaaaaaaaaaaaaaa').stderr).toBe('ERROR secret "secret:aaaaaaaaaaaaaaaaaaaa" not found\n');
    expect(run('secret-get', uri, 'user').stderr).toBe('ERROR secret key "user" not found\n');
    expect(run('secret-get', 'nonsense')).toEqual({ code: 2, stdout: '', stderr: 'ERROR secret URI "nonsense" not valid\n' });
    expect(run('secret-get')).toEqual({ code: 2, stdout: '', stderr: 'ERROR require either a secret URI or label\n' });
    const other = addSecret(model, { kind: 'application', app: 'kafka' }, { password: 'x' });
    expect(run('secret-get', `secret:${other.id}`)).toEqual({ code: 1, stdout: '', stderr: 'ERROR permission denied\n' });
  });
  it('prints YAML by default and base64 with key#base64', () => {
    const { model, uri } = granted();
    const { run } = open(model, 'mm/0');
    expect(run('secret-get', uri).stdout).toBe('password: pw1\n');
    expect(run('secret-get', uri, 'password#base64').stdout).toBe(`${Buffer.from('pw1').toString('base64')}\n`);
  });
});

describe('secret-set and owner reads', () => {
  it('a new revision on commit notifies consumers behind it; owners always read the latest', () => {
    const { model, secret, uri } = granted();
    open(model, 'mm/0').run('secret-get', uri);
    const owner = open(model, 'kafka/0');
    expect(owner.run('secret-set', uri, 'password=pw2').code).toBe(0);
    expect(owner.run('secret-get', uri, 'password').stdout).toBe('pw2\n');
    expect(secret.revisions).toHaveLength(1);
    const effects = owner.s.commit();
    expect(model.secrets[secret.id]!.revisions.map((r) => r.revision)).toEqual([1, 2]);
    expect(effects.events).toEqual([{ unit: 'mm/0', hook: 'secret-changed', secretId: uri }]);
  });
  it('setting identical content makes no new revision; metadata-only changes apply', () => {
    const { model, secret, uri } = granted();
    const owner = open(model, 'kafka/0');
    owner.run('secret-set', uri, 'password=pw1', '--description', 'new');
    owner.s.commit();
    expect(model.secrets[secret.id]!.revisions).toHaveLength(1);
    expect(model.secrets[secret.id]!.description).toBe('new');
  });
  it('only the owner leader may manage an application secret', () => {
    const { model, uri } = granted();
    expect(open(model, 'kafka/1').run('secret-set', uri, 'password=x')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERROR this unit is not the leader\n',
    });
    expect(open(model, 'mm/0').run('secret-set', uri, 'password=x').stderr).toBe('ERROR permission denied\n');
  });
});

describe('secret-info-get, secret-ids, grant, revoke, remove', () => {
  it('secret-info-get prints the owner view keyed by URI', () => {
    const { model, uri } = granted();
    const { run } = open(model, 'kafka/0');
    const info = JSON.parse(run('secret-info-get', uri, '--format=json').stdout) as Record<string, Record<string, unknown>>;
    expect(info[uri]).toMatchObject({ revision: 1, label: 'kafka-creds', owner: 'application' });
    expect(info[uri]!['access']).toEqual([{ target: 'application-mm', scope: 'relation-mm.source#kafka.kafka-client', role: 'view' }]);
    expect(run('secret-info-get', '--label', 'kafka-creds', '--format=json').stdout).toBe(`${JSON.stringify(info)}\n`.replace(/\//g, '/'));
    expect(run('secret-info-get', uri, '--label', 'x').code).toBe(2);
    expect(open(model, 'mm/0').run('secret-info-get', uri)).toEqual({ code: 1, stdout: '', stderr: `ERROR secret "${uri}" not found\n` });
  });
  it('secret-ids lists owned secrets including ones added in this hook', () => {
    const { model, uri } = granted();
    const { run } = open(model, 'kafka/0');
    const added = run('secret-add', 'key=v').stdout.trim();
    expect(JSON.parse(run('secret-ids', '--format=json').stdout)).toEqual([uri, added].sort());
    expect(open(model, 'mm/0').run('secret-ids', '--format=json').stdout).toBe('[]\n');
  });
  it('secret-grant over a relation, to a unit of the remote app only; revoke removes access', () => {
    const f = fixture();
    const owner = open(f.model, 'mm/0');
    const uri = owner.run('secret-add', 'key=val').stdout.trim();
    expect(owner.run('secret-grant', uri, '-r', 'source:3', '--unit', 'mm/1').stderr).toBe(
      'ERROR cannot specify unit "mm/1" in relation to application "kafka"\n',
    );
    expect(owner.run('secret-grant', uri).stderr).toBe('ERROR no relation id specified\n');
    expect(owner.run('secret-grant', uri, '-r', '3').code).toBe(0);
    owner.s.commit();
    expect(open(f.model, 'kafka/1').run('secret-get', uri, 'key').stdout).toBe('val\n');
    const again = open(f.model, 'mm/0');
    expect(again.run('secret-revoke', uri, '--app', 'kafka', '--unit', 'kafka/0').stderr).toBe(
      'ERROR specify only one of application or unit\n',
    );
    expect(again.run('secret-revoke', uri).stderr).toBe('ERROR missing relation or application or unit\n');
    expect(again.run('secret-revoke', uri, '-r', '3').code).toBe(0);
    again.s.commit();
    expect(open(f.model, 'kafka/1').run('secret-get', uri).stderr).toBe('ERROR permission denied\n');
  });
  it('secret-remove removes one revision or the whole secret, on commit', () => {
    const { model, secret, uri } = granted();
    secret.revisions.push({ revision: 2, content: { password: 'pw2' }, createTime: 'x' });
    const a = open(model, 'kafka/0');
    expect(a.run('secret-remove', uri, '--revision', '1').code).toBe(0);
    expect(a.run('secret-remove', uri, '--revision', '9').code).toBe(1);
    a.s.commit();
    expect(model.secrets[secret.id]!.revisions.map((r) => r.revision)).toEqual([2]);
    const b = open(model, 'kafka/0');
    b.run('secret-remove', uri);
    expect(b.run('secret-get', uri).stderr).toBe(`ERROR secret "${uri}" not found\n`);
    b.s.commit();
    expect(model.secrets[secret.id]).toBeUndefined();
  });
});
