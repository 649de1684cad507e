import { HookToolBackend } from '../../../lib/ops/backend';
import { parseJujuContext } from '../../../lib/ops/context';
import {
  ConfigError,
  OpsError,
  RelationDataAccessError,
  RelationDataTypeError,
  SecretContentError,
  SecretNotFoundError,
  TooManyRelatedAppsError,
} from '../../../lib/ops/errors';
import { remoteAppMemoryIn } from '../../../lib/ops/framework';
import { Model, RemoteAppMemory, StatusMemory } from '../../../lib/ops/model';
import { ControllerState } from '../../../lib/ops/state';
import { ActiveStatus, BlockedStatus, ErrorStatus } from '../../../lib/ops/status';
import { FakeJuju, hookEnv, relationEnv, testMeta } from './fake-juju';

const meta = testMeta();

function model(juju: FakeJuju, env: Record<string, string> = hookEnv('config-changed'), memory?: StatusMemory): Model {
  return new Model(parseJujuContext(env, meta), new HookToolBackend(juju), meta, { statusMemory: memory });
}

function withRelations(leader = true): FakeJuju {
  const j = new FakeJuju();
  j.leader = leader;
  j.relations.push(
    {
      id: 1,
      endpoint: 'source',
      remoteApp: 'kafka',
      units: ['kafka/0', 'kafka/1'],
      bags: { kafka: { endpoints: 'k:9092' }, 'kafka/0': { a: '1' }, app: { mine: 'x' }, 'app/0': { host: 'h' } },
    },
    { id: 2, endpoint: 'peer', remoteApp: 'app', units: ['app/1'], bags: { app: { shared: 'y' } } },
    { id: 3, endpoint: 'target', remoteApp: 'k2', units: [], bags: {} },
    { id: 4, endpoint: 'target', remoteApp: 'k3', units: [], bags: {} },
  );
  return j;
}

describe('model basics', () => {
  it('exposes app, unit, model name/uuid and Juju version', () => {
    const m = model(new FakeJuju());
    expect([m.app.name, m.unit.name, m.name, m.uuid, m.jujuVersion]).toEqual([
      'app',
      'app/0',
      'dev',
      '00000000-0000-4000-8000-000000000000',
      '3.6.4',
    ]);
  });

  it('asks is-leader once per dispatch', () => {
    const j = new FakeJuju();
    const m = model(j);
    expect(m.unit.isLeader()).toBe(true);
    j.leader = false;
    expect(m.unit.isLeader()).toBe(true);
    expect(j.callsOf('is-leader')).toHaveLength(1);
  });
});

describe('config', () => {
  it('returns validated typed config (nulls dropped), fetched once', () => {
    const j = new FakeJuju();
    j.config = { topics: 'a,b', replicas: 3, ratio: 0.5, enabled: false, creds: null };
    const m = model(j);
    expect(m.config).toEqual({ topics: 'a,b', replicas: 3, ratio: 0.5, enabled: false });
    expect(Object.isFrozen(m.config)).toBe(true);
    void m.config;
    expect(j.callsOf('config-get')).toHaveLength(1);
  });

  it.each([
    [{ replicas: 'three' }, 'option "replicas" must be an integer (config type int), got "three"'],
    [{ replicas: 1.5 }, 'option "replicas" must be an integer (config type int), got 1.5'],
    [{ enabled: 'yes' }, 'option "enabled" must be a boolean (true or false), got "yes"'],
    [{ creds: 'password' }, 'option "creds" must be a secret URI "secret:<id>" (config type secret), got "password"'],
    [{ ratio: 'x' }, 'option "ratio" must be a number (config type float), got "x"'],
  ])('a wrong type is a ConfigError naming the option: %j', (cfg, message) => {
    const j = new FakeJuju();
    j.config = cfg;
    let err: unknown;
    try {
      void model(j).config;
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([message]);
  });

  it('uses an injected precompiled validator instead of compiling', () => {
    const j = new FakeJuju();
    j.config = { topics: 'a' };
    const validator = Object.assign((d: unknown) => (d as { topics?: string }).topics === 'b', {
      errors: [{ instancePath: '/topics', keyword: 'const', params: {}, message: 'must be b' }],
    });
    const m = new Model(parseJujuContext(hookEnv('install'), meta), new HookToolBackend(j), meta, { configValidator: validator });
    expect(() => m.config).toThrow('option "topics" must be b');
  });
});

describe('relations', () => {
  it('lists relations and gets one by endpoint or id', () => {
    const m = model(withRelations());
    expect(m.relations('target').map((r) => r.id)).toEqual([3, 4]);
    expect(m.getRelation('source')?.id).toBe(1);
    expect(m.getRelation('target', 4)?.app).toBe('k3');
    expect(m.getRelation('target', 99)).toBeNull();
    expect(() => m.getRelation('target')).toThrow(TooManyRelatedAppsError);
    expect(() => m.relations('nope')).toThrow(/endpoint "nope" is not declared/);
  });

  it('knows units, remote app and the peer relation', () => {
    const j = withRelations();
    const m = model(j);
    const src = m.getRelation('source')!;
    expect(src.units).toEqual(['kafka/0', 'kafka/1']);
    expect(src.app).toBe('kafka');
    expect(j.callsOf('relation-list').map((c) => c.args)).toEqual([
      ['-r', 'source:1', '--format=json'],
      ['-r', 'source:1', '--app', '--format=json'],
    ]);
    const peer = m.peers()!;
    expect(peer.isPeer).toBe(true);
    expect(peer.app).toBe('app');
    expect(peer.remoteAppData.get('shared')).toBe('y');
  });

  it('excludes the relation being broken from relations() but still gets it by id, inactive', () => {
    const j = withRelations();
    const m = model(j, relationEnv('target', 'broken', 3, 'k2'));
    expect(m.relations('target').map((r) => r.id)).toEqual([4]);
    const broken = m.getRelation('target', 3)!;
    expect(broken.active).toBe(false);
    expect(() => broken.localUnitData.set('a', 'b')).toThrow(RelationDataAccessError);
  });

  it('reads remote bags (and a departing unit bag) once', () => {
    const j = withRelations();
    const m = model(j, relationEnv('source', 'departed', 1, 'kafka', 'kafka/0', { JUJU_DEPARTING_UNIT: 'kafka/0' }));
    const r = m.getRelation('source')!;
    expect(r.remoteAppData.get('endpoints')).toBe('k:9092');
    expect(r.remoteAppData.toObject()).toEqual({ endpoints: 'k:9092' });
    expect(r.remoteUnitData('kafka/0').get('a')).toBe('1');
    expect(r.data('kafka/0').get('a')).toBe('1');
    expect(j.callsOf('relation-get')).toHaveLength(2);
  });

  it('coalesces writes: one relation-set per bag, only changed keys, "" deletes', () => {
    const j = withRelations();
    const m = model(j);
    const r = m.getRelation('source')!;
    expect(r.localAppData.get('mine')).toBe('x');
    r.localAppData.set('mine', 'x'); // unchanged: not sent
    r.localAppData.set('new', '1');
    r.localAppData.set('new', '2');
    r.localAppData.delete('mine');
    expect(r.localAppData.get('new')).toBe('2');
    expect(r.localAppData.has('mine')).toBe(false);
    expect(r.localUnitData.get('host')).toBe('h');
    r.localUnitData.update({ host: 'h', port: '9' });
    expect(j.callsOf('relation-set')).toHaveLength(0);
    m.commitRelationData();
    const sets = j.callsOf('relation-set');
    expect(sets).toHaveLength(2);
    expect(sets.map((c) => [c.args, JSON.parse(c.stdin!)])).toEqual([
      [['-r', 'source:1', '--app', '--file', '-'], { new: '2', mine: '' }],
      [['-r', 'source:1', '--file', '-'], { port: '9' }],
    ]);
    expect(j.relation(1).bags.app).toEqual({ new: '2' });
  });

  it('sends nothing when nothing changed', () => {
    const j = withRelations();
    const m = model(j);
    const r = m.getRelation('source')!;
    r.localUnitData.get('host');
    r.localUnitData.set('host', 'h');
    m.commitRelationData();
    expect(j.callsOf('relation-set')).toHaveLength(0);
  });

  it('a blind write (bag never read) sends the written keys without reading the bag first', () => {
    const j = withRelations();
    const m = model(j);
    m.getRelation('source')!.localUnitData.set('host', 'h2');
    m.commitRelationData();
    expect(j.callsOf('relation-get')).toHaveLength(0);
    expect(j.callsOf('relation-set').map((c) => c.stdin)).toEqual(['{"host":"h2"}']);
  });

  it('refuses a non-leader app-bag write before calling Juju', () => {
    const j = withRelations(false);
    const m = model(j);
    const r = m.getRelation('source')!;
    expect(() => r.localAppData.set('k', 'v')).toThrow(RelationDataAccessError);
    expect(() => r.localAppData.set('k', 'v')).toThrow(
      /app\/0 is not the leader, so it cannot write the application databag on relation source:1/,
    );
    expect(j.callsOf('relation-set')).toHaveLength(0);
    expect(j.callsOf('relation-get')).toHaveLength(0);
  });

  it('refuses a non-leader read of its own app bag on a non-peer relation, but allows peers', () => {
    const j = withRelations(false);
    const m = model(j);
    expect(() => m.getRelation('source')!.localAppData.get('mine')).toThrow(RelationDataAccessError);
    expect(m.peers()!.localAppData.get('shared')).toBe('y');
    expect(j.callsOf('relation-get')).toHaveLength(1);
  });

  it('never writes remote bags and only accepts string values', () => {
    const m = model(withRelations());
    const r = m.getRelation('source')!;
    expect(() => r.remoteAppData.set('k', 'v')).toThrow(/remote bags are read-only/);
    expect(() => r.remoteUnitData('kafka/0').set('k', 'v')).toThrow(RelationDataAccessError);
    expect(() => r.localUnitData.set('k', 5 as unknown as string)).toThrow(RelationDataTypeError);
    expect(() => r.localUnitData.update({ ok: 'x', bad: null as unknown as string })).toThrow(/key "bad".*got null/);
    expect(r.localUnitData.get('ok')).toBeUndefined();
  });
});

describe('secrets', () => {
  it('gets by id or label, peeks, refreshes and reads info', () => {
    const j = new FakeJuju();
    j.secrets.push({ id: 'secret:a', label: 'creds', owner: 'application', revisions: [{ password: 'one-pw' }] });
    const m = model(j);
    const byLabel = m.getSecret({ label: 'creds' });
    expect(byLabel.getContent()).toEqual({ password: 'one-pw' });
    expect(byLabel.peekContent()).toEqual({ password: 'one-pw' });
    expect(byLabel.getContent({ refresh: true })).toEqual({ password: 'one-pw' });
    expect(byLabel.getInfo()).toMatchObject({ id: 'secret:a', revision: 1 });
    expect(j.callsOf('secret-get').map((c) => c.args)).toEqual([
      ['--label', 'creds', '--format=json'],
      ['--label', 'creds', '--peek', '--format=json'],
      ['--label', 'creds', '--refresh', '--format=json'],
    ]);
    expect(() => m.getSecret({ id: 'secret:missing' })).toThrow(SecretNotFoundError);
  });

  it('adds, updates, grants, revokes and removes', () => {
    const j = withRelations();
    const m = model(j);
    const s = m.app.addSecret({ password: 'pw-123456' }, { label: 'mine', description: 'd', expire: new Date('2030-01-01T00:00:00Z') });
    expect(s.id).toBe('secret:s1');
    expect(j.callsOf('secret-add')[0].args.slice(0, 8)).toEqual([
      '--owner',
      'application',
      '--label',
      'mine',
      '--description',
      'd',
      '--expire',
      '2030-01-01T00:00:00.000Z',
    ]);
    s.setContent({ password: 'pw-654321' });
    expect(j.secrets[0].revisions).toHaveLength(2);
    s.setInfo({ label: 'renamed', rotate: 'weekly' });
    expect(s.label).toBe('renamed');
    const rel = m.getRelation('source')!;
    s.grant(rel, 'kafka/0');
    s.revoke(rel);
    s.removeRevision(1);
    s.removeAllRevisions();
    expect(j.calls.slice(-4).map((c) => [c.tool, ...c.args])).toEqual([
      ['secret-grant', 'secret:s1', '--relation', 'source:1', '--unit', 'kafka/0'],
      ['secret-revoke', 'secret:s1', '--relation', 'source:1'],
      ['secret-remove', 'secret:s1', '--revision', '1'],
      ['secret-remove', 'secret:s1'],
    ]);
    expect(JSON.stringify(j.calls)).not.toMatch(/pw-123456|pw-654321/);
    const u = m.unit.addSecret({ token: 'tok-abc' });
    expect(j.callsOf('secret-add')[1].args.slice(0, 2)).toEqual(['--owner', 'unit']);
    expect(u.id).toBe('secret:s2');
  });

  it('validates secret content without echoing values', () => {
    const m = model(new FakeJuju());
    expect(() => m.app.addSecret({ PW: 'value-abc' })).toThrow(SecretContentError);
    expect(() => m.app.addSecret({ ab: 'value-abc' })).toThrow(/key "ab" is invalid/);
    expect(() => m.app.addSecret({ password: '' })).toThrow(/needs a non-empty string value/);
    expect(() => m.app.addSecret({})).toThrow(/at least one key/);
  });
});

describe('status, ports, workload version', () => {
  function memory(): StatusMemory & { data: Record<string, { name: string; message: string }> } {
    const data: Record<string, { name: string; message: string }> = {};
    return { data, get: (s) => data[s], put: (s, v) => void (data[s] = v) };
  }

  it('sets unit and app status and skips a status equal to the last one set', () => {
    const j = new FakeJuju();
    const mem = memory();
    const m = model(j, hookEnv('config-changed'), mem);
    m.unit.setStatus(new ActiveStatus('ok'));
    m.unit.setStatus(new ActiveStatus('ok'));
    m.app.setStatus(new BlockedStatus('need source'));
    expect(j.statusLog).toEqual([
      { app: false, status: 'active', message: 'ok' },
      { app: true, status: 'blocked', message: 'need source' },
    ]);
    expect(mem.data.unit).toEqual({ name: 'active', message: 'ok' });
  });

  it('refuses app status on a non-leader and read-only statuses', () => {
    const j = new FakeJuju();
    j.leader = false;
    const m = model(j);
    expect(() => m.app.setStatus(new ActiveStatus())).toThrow(/not the leader/);
    expect(() => m.unit.setStatus(new ErrorStatus('x'))).toThrow(OpsError);
    expect(j.statusLog).toEqual([]);
  });

  it('opens, closes, lists and declaratively sets ports', () => {
    const j = new FakeJuju();
    const m = model(j);
    m.unit.openPort('tcp', 8080);
    m.unit.openPort('icmp');
    expect(m.unit.openedPorts()).toEqual([{ protocol: 'tcp', port: 8080 }, { protocol: 'icmp' }]);
    m.unit.setPorts({ protocol: 'tcp', port: 9092 }, { protocol: 'icmp' });
    expect(j.ports.sort()).toEqual(['9092/tcp', 'icmp']);
    m.unit.closePort('tcp', 9092);
    expect(j.ports).toEqual(['icmp']);
    expect(() => m.unit.openPort('tcp', 70000)).toThrow(/invalid tcp port 70000/);
  });

  it('sets the workload version', () => {
    const j = new FakeJuju();
    model(j).unit.setWorkloadVersion('3.9.1');
    expect(j.workloadVersion).toBe('3.9.1');
    expect(j.callsOf('application-version-set')[0].args).toEqual(['--', '3.9.1']);
  });
});

describe('remote app memory (saves relation-list --app across dispatches)', () => {
  function mapMemory(): RemoteAppMemory & { map: Map<number, string> } {
    const map = new Map<number, string>();
    return { map, get: (id) => map.get(id), put: (id, app) => void map.set(id, app), forget: (id) => void map.delete(id) };
  }
  const withMemory = (j: FakeJuju, env: Record<string, string>, memory: RemoteAppMemory) =>
    new Model(parseJujuContext(env, meta), new HookToolBackend(j), meta, { remoteAppMemory: memory });

  it('asks relation-list --app once, then later dispatches use the remembered name', () => {
    const j = withRelations();
    const memory = mapMemory();
    expect(withMemory(j, hookEnv('update-status'), memory).getRelation('source')!.app).toBe('kafka');
    expect(j.callsOf('relation-list')).toHaveLength(1);
    expect(memory.map.get(1)).toBe('kafka');
    const later = withMemory(j, hookEnv('update-status'), memory);
    expect(later.getRelation('source')!.app).toBe('kafka');
    expect(later.getRelation('source')!.remoteAppData.get('endpoints')).toBe('k:9092');
    expect(j.callsOf('relation-list')).toHaveLength(1);
  });

  it('learns the name for free from the relation’s own hook, and never remembers peers', () => {
    const j = withRelations();
    const memory = mapMemory();
    const m = withMemory(j, relationEnv('target', 'created', 3, 'k2'), memory);
    expect(m.getRelation('target', 3)!.app).toBe('k2');
    expect(m.peers()!.app).toBe('app');
    expect(j.callsOf('relation-list')).toHaveLength(0);
    expect([...memory.map]).toEqual([[3, 'k2']]);
  });

  it('forgets the relation in its relation-broken and does not trust memory for it there', () => {
    const j = withRelations();
    const memory = mapMemory();
    memory.put(3, 'stale-name');
    memory.put(1, 'kafka');
    const m = withMemory(j, relationEnv('target', 'broken', 3, 'k2'), memory);
    expect(m.getRelation('target', 3)!.app).toBe('k2');
    expect([...memory.map]).toEqual([[1, 'kafka']]);
  });

  it('lives in controller state under tscharm.remote-app.<id>, written only when new', () => {
    const j = withRelations();
    const state = new ControllerState(new HookToolBackend(j));
    void withMemory(j, hookEnv('update-status'), remoteAppMemoryIn(state)).getRelation('source')!.app;
    state.commit();
    expect(j.state).toMatchObject({ 'tscharm.remote-app.1': 'kafka' });
    const writesBefore = j.callsOf('state-set').length;
    const next = new ControllerState(new HookToolBackend(j));
    void withMemory(j, hookEnv('update-status'), remoteAppMemoryIn(next)).getRelation('source')!.app;
    next.commit();
    expect(j.callsOf('state-set')).toHaveLength(writesBefore);
    expect(j.callsOf('relation-list')).toHaveLength(1);
  });
});

describe('charm-registered secret values', () => {
  it('addSecretValues makes a value redacted from model.redact', () => {
    const m = model(new FakeJuju());
    expect(m.redact('user mm2 password s3cr3t-value')).toBe('user mm2 password s3cr3t-value');
    m.addSecretValues('s3cr3t-value');
    expect(m.redact('user mm2 password s3cr3t-value')).toBe('user mm2 password <redacted>');
  });
});
