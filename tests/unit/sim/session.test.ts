import { addSecret, cloneModel, openSession, redactArgs } from '../../../lib/sim';
import { fixture, FIXED_NOW } from './fixture';

describe('hook environment', () => {
  it('sets the relation variables for relation hooks (empty remote unit for app-data changes)', () => {
    const { model } = fixture();
    const s = openSession(model, { unit: 'mm/1', hook: 'source-relation-changed', relationId: 3, remoteApp: 'kafka' });
    expect(s.env).toMatchObject({
      JUJU_DISPATCH_PATH: 'hooks/source-relation-changed',
      JUJU_HOOK_NAME: 'source-relation-changed',
      JUJU_UNIT_NAME: 'mm/1',
      JUJU_MODEL_NAME: 'dev',
      JUJU_MODEL_UUID: '11111111-2222-4333-8444-555555555555',
      JUJU_VERSION: '3.6.4',
      JUJU_RELATION: 'source',
      JUJU_RELATION_ID: 'source:3',
      JUJU_REMOTE_APP: 'kafka',
      JUJU_REMOTE_UNIT: '',
      JUJU_CHARM_DIR: '/var/lib/juju/agents/unit-mm-1/charm',
    });
    expect(s.env['JUJU_CONTEXT_ID']).toMatch(/^mm\/1-source-relation-changed-\d+$/);
    expect(s.env['JUJU_DEPARTING_UNIT']).toBeUndefined();
  });
  it('sets the action variables with an empty hook name', () => {
    const s = openSession(fixture().model, { unit: 'mm/0', action: { name: 'pause' } });
    expect(s.env).toMatchObject({ JUJU_DISPATCH_PATH: 'actions/pause', JUJU_HOOK_NAME: '', JUJU_ACTION_NAME: 'pause' });
    expect(s.env['JUJU_ACTION_TAG']).toBe(`action-${s.env['JUJU_ACTION_UUID']}`);
  });
  it('sets the secret variables, the label being the consumer label for secret-changed', () => {
    const { model } = fixture();
    const secret = addSecret(model, { kind: 'application', app: 'kafka' }, { password: 'x' }, { label: 'owner-label' });
    secret.consumers['mm/0'] = { revision: 1, label: 'mine' };
    const changed = openSession(model, { unit: 'mm/0', hook: 'secret-changed', secret: { id: `secret:${secret.id}` } });
    expect(changed.env).toMatchObject({ JUJU_SECRET_ID: `secret:${secret.id}`, JUJU_SECRET_LABEL: 'mine' });
    expect(changed.env['JUJU_SECRET_REVISION']).toBeUndefined();
    const removed = openSession(model, { unit: 'kafka/0', hook: 'secret-remove', secret: { id: secret.id, revision: 1 } });
    expect(removed.env).toMatchObject({ JUJU_SECRET_LABEL: 'owner-label', JUJU_SECRET_REVISION: '1' });
  });
  it('refuses inconsistent contexts', () => {
    const { model } = fixture();
    expect(() => openSession(model, { unit: 'mm/0', hook: 'source-relation-changed' })).toThrow('needs a relation id');
    expect(() => openSession(model, { unit: 'mm/0', hook: 'source-relation-changed', relationId: 1 })).toThrow(
      'is not a "source" relation',
    );
    expect(() => openSession(model, { unit: 'mm/0', hook: 'source-relation-joined', relationId: 3 })).toThrow('needs a remote unit');
    expect(() => openSession(model, { unit: 'mm/0', hook: 'secret-changed' })).toThrow('needs a secret');
    expect(() => openSession(model, { unit: 'mm/9', hook: 'install' })).toThrow('unit "mm/9" not found');
  });
});

describe('transcript and unknown tools', () => {
  it('records every call with secret content redacted and #file paths kept', () => {
    const s = openSession(fixture().model, { unit: 'mm/0', hook: 'install' });
    s.runner.run('secret-add', ['--label', 'l', 'password=hunter2', 'cert#file=/nonexistent-sim-dir/x', 'tok#base64=aGk=']);
    s.runner.run('status-set', ['bogus']);
    expect(s.transcript).toEqual([
      {
        tool: 'secret-add',
        args: ['--label', 'l', 'password=<redacted>', 'cert#file=/nonexistent-sim-dir/x', 'tok#base64=<redacted>'],
        code: 1,
        error: 'ERROR open /nonexistent-sim-dir/x: no such file or directory',
      },
      {
        tool: 'status-set',
        args: ['bogus'],
        code: 2,
        error: 'ERROR invalid status "bogus", expected one of [maintenance blocked waiting active]',
      },
    ]);
    expect(JSON.stringify(s.transcript)).not.toContain('hunter2');
    expect(redactArgs('relation-set', ['a=b'])).toEqual(['a=b']);
  });
  it('answers an unknown tool with exit 1, and refuses calls after commit', () => {
    const s = openSession(fixture().model, { unit: 'mm/0', hook: 'install' });
    expect(s.runner.run('credential-get', [])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERROR bad request: unknown command "credential-get"\n',
    });
    s.commit();
    expect(s.runner.run('is-leader', []).code).toBe(1);
    expect(() => s.commit()).toThrow('already committed');
  });
  it('the model stays plain JSON data through a session', () => {
    const { model } = fixture();
    const s = openSession(model, { unit: 'mm/0', hook: 'install', now: FIXED_NOW });
    s.runner.run('status-set', ['active']);
    s.runner.run('state-set', ['k=v']);
    s.commit();
    expect(cloneModel(model)).toEqual(model);
  });
});

describe('ports', () => {
  it('open-port/close-port are buffered; opened-ports shows committed ports', () => {
    const { model } = fixture();
    const s = openSession(model, { unit: 'mm/0', hook: 'install' });
    expect(s.runner.run('open-port', ['8080']).code).toBe(0);
    expect(s.runner.run('open-port', ['9000-9100/udp', '--endpoints', 'source']).code).toBe(0);
    expect(s.runner.run('open-port', ['icmp']).code).toBe(0);
    expect(s.runner.run('opened-ports', ['--format=json']).stdout).toBe('[]\n');
    expect(s.runner.run('open-port', ['99999']).code).toBe(2);
    s.commit();
    const t = openSession(model, { unit: 'mm/0', hook: 'update-status' });
    expect(t.runner.run('opened-ports', ['--format=json']).stdout).toBe('["8080/tcp","9000-9100/udp","icmp"]\n');
    expect(t.runner.run('opened-ports', ['--endpoints', '--format=json']).stdout).toBe(
      '["8080/tcp (*)","9000-9100/udp (source)","icmp (*)"]\n',
    );
    t.runner.run('close-port', ['8080/tcp']);
    t.commit();
    expect(model.units['mm/0']!.openedPorts.map((p) => p.protocol)).toEqual(['udp', 'icmp']);
  });
});

describe('network-get, goal-state, unit-get', () => {
  it('network-get gives the full shape, single values with flags, and the spec error for unknown bindings', () => {
    const s = openSession(fixture().model, { unit: 'mm/1', hook: 'install' });
    expect(s.runner.run('network-get', ['source', '--format=json']).stdout).toBe(
      '{"bind-addresses":[{"mac-address":"","interface-name":"eth0","addresses":[{"hostname":"","value":"10.0.0.2","cidr":"10.0.0.0/24"}]}],"egress-subnets":["10.0.0.2/32"],"ingress-addresses":["10.0.0.2"]}\n',
    );
    expect(s.runner.run('network-get', ['admin', '--ingress-address', '--format=json']).stdout).toBe('"10.0.0.2"\n');
    expect(s.runner.run('network-get', ['-r', '3', '--bind-address', '--egress-subnets', '--format=json']).stdout).toBe(
      '{"bind-address":"10.0.0.2","egress-subnets":["10.0.0.2/32"]}\n',
    );
    expect(s.runner.run('network-get', ['nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERROR no network config found for binding "nope"\n',
    });
  });
  it('goal-state lists units and relations; unit-get gives the address', () => {
    const s = openSession(fixture().model, { unit: 'mm/0', hook: 'install', now: FIXED_NOW });
    const goal = JSON.parse(s.runner.run('goal-state', ['--format=json']).stdout) as {
      units: Record<string, unknown>;
      relations: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(goal.units)).toEqual(['mm/0', 'mm/1']);
    expect(Object.keys(goal.relations['source']!)).toEqual(['kafka', 'kafka/0', 'kafka/1']);
    expect(Object.keys(goal.relations['peer']!)).toEqual(['mm/1']);
    expect(s.runner.run('unit-get', ['private-address']).stdout).toBe('127.0.0.1\n');
    expect(s.runner.run('unit-get', ['mac']).code).toBe(2);
  });
});
