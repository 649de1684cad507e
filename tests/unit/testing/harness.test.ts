import { STATE_KEYS } from '../../../lib/ops';
import { Context, events, InconsistentStateError, peerRelation, relation, secret, state } from '../../../lib/testing';
import { TINY_META, TinyCharm } from './tiny-charm';

const ctx = () => new Context(TinyCharm, { meta: TINY_META });

describe('running hooks in-process', () => {
  it('install: status and workload version come back in the new State; input State is untouched', async () => {
    const c = ctx();
    const before = state();
    const after = await c.run(events.install(), before);
    expect(after.unitStatus).toEqual({ name: 'maintenance', message: 'installing' });
    expect(after.workloadVersion).toBe('1.2.3');
    expect(before.unitStatus).toEqual({ name: 'unknown', message: '' });
    expect(Object.isFrozen(after)).toBe(true);
    expect(c.records.exitCode).toBe(0);
    expect(c.records.unitStatusHistory).toEqual([{ name: 'unknown', message: '' }]);
  });

  it('config-changed reads typed config (charm defaults for unset keys) and writes relation data', async () => {
    const source = relation({ endpoint: 'source', remoteApp: 'kafka' });
    const out = await ctx().run(events.configChanged(), state({ config: { topics: 't1,t2' }, relations: [source] }));
    expect(out.unitStatus).toEqual({ name: 'active', message: 'topics=t1,t2 replicas=1' });
    expect(out.relations[0]!.localUnitData['topics']).toBe('t1,t2');
    // Juju's pre-filled addresses are still there.
    expect(out.relations[0]!.localUnitData['private-address']).toBe('127.0.0.1');
  });

  it('a failing hook exits 1 and commits nothing, but status set before the failure stays', async () => {
    const c = ctx();
    const source = relation({ endpoint: 'source', remoteApp: 'kafka' });
    const result = await c.runWithRecords(events.configChanged(), state({ config: { 'fail-on-config': true }, relations: [source] }));
    expect(result.exitCode).toBe(1);
    expect(result.state.relations[0]!.localUnitData['topics']).toBeUndefined();
    expect(result.stderr).toContain('configured to fail');
    expect(result.transcript.some((t) => t.tool === 'relation-set')).toBe(false);
  });

  it('relation-changed: remote app data in, local unit + leader app data out, changes queued for remote units', async () => {
    const source = relation({
      endpoint: 'source',
      remoteApp: 'kafka',
      remoteAppData: { endpoints: 'k1:9092' },
      remoteUnitsData: { 'kafka/0': {}, 'kafka/1': {} },
    });
    const c = ctx();
    const out = await c.run(events.relationChanged(source, { remoteUnit: 'kafka/1' }), state({ leader: true, relations: [source] }));
    const rel = out.relations[0]!;
    expect(rel.localUnitData['seen']).toBe('k1:9092');
    expect(rel.localAppData).toEqual({ topic: 'replicated' });
    expect(out.unitStatus.message).toBe('source k1:9092');
    expect(c.records.env['JUJU_REMOTE_UNIT']).toBe('kafka/1');
    expect(c.records.triggeredEvents.map((e) => `${e.unit} ${e.hook} ${e.remoteUnit ?? '-'}`)).toEqual([
      'kafka/0 source-relation-changed tiny/0',
      'kafka/1 source-relation-changed tiny/0',
      'kafka/0 source-relation-changed -',
      'kafka/1 source-relation-changed -',
    ]);
  });

  it('defer stores the event in controller state and the next run re-emits it', async () => {
    const c = ctx();
    const empty = relation({ endpoint: 'source', remoteApp: 'kafka', id: 7 });
    const first = await c.run(events.relationChanged(empty, { remoteUnit: 'kafka/0' }), state({ relations: [empty] }));
    expect(first.unitStatus.name).toBe('blocked');
    expect(first.storedState[STATE_KEYS.deferred]).toContain('source-relation-changed');
    const withData = { ...first.relations[0]!, remoteAppData: { endpoints: 'k9:9093' } };
    const second = await c.run(events.updateStatus(), { ...first, relations: [withData] });
    // update-status itself throws, so nothing is committed: the deferred queue is unchanged.
    expect(second.storedState[STATE_KEYS.deferred]).toBe(first.storedState[STATE_KEYS.deferred]);
    const third = await c.run(events.install(), { ...first, relations: [withData] });
    expect(third.relations[0]!.localUnitData['seen']).toBe('k9:9093');
    expect(third.storedState[STATE_KEYS.deferred] ?? '[]').not.toContain('source-relation-changed');
  });
});

describe('actions', () => {
  it('records results, logs and exit code', async () => {
    const c = ctx();
    await c.run(events.action('pause', { reason: 'maintenance' }), state());
    expect(c.records.actionResults).toEqual({ paused: 'yes', detail: { reason: 'maintenance' } });
    expect(c.records.actionLogs).toEqual(['pausing']);
    expect(c.records.actionFailure).toBeUndefined();
    expect(c.records.env['JUJU_DISPATCH_PATH']).toBe('actions/pause');
  });
  it('records the failure message of action-fail', async () => {
    const c = ctx();
    await c.run(events.action('pause', { reason: 'refuse' }), state());
    expect(c.records.actionFailure).toBe('not now');
    expect(c.records.actionResults).toEqual({});
  });
  it('refuses params that do not match actions.yaml through the framework (action fails, exit 0)', async () => {
    const c = ctx();
    await c.run(events.action('pause', { reason: 42 }), state());
    expect(c.records.exitCode).toBe(0);
    expect(c.records.actionFailure).toMatch(/reason/);
  });
});

describe('secrets', () => {
  it('secret-changed: the consumer refreshes to the latest revision; tracking comes back in State', async () => {
    const s = secret({
      trackedContent: { password: 'old' },
      latestContent: { password: 'new-password' },
      ownerApp: 'kafka',
      label: 'creds',
    });
    const c = ctx();
    const out = await c.run(events.secretChanged(s), state({ secrets: [s] }));
    expect(out.unitStatus.message).toBe('password length 12');
    expect(out.secrets[0]).toMatchObject({ id: s.id, trackedRevision: 2, trackedContent: { password: 'new-password' }, label: 'creds' });
    expect(c.records.env['JUJU_SECRET_LABEL']).toBe('creds');
  });
  it('leader-elected: a new owned secret and its grant appear in the output, content never in the transcript', async () => {
    const peer = peerRelation({ endpoint: 'cluster', peersData: { 'tiny/1': {} } });
    const c = ctx();
    const out = await c.run(events.leaderElected(), state({ leader: true, relations: [peer] }));
    expect(out.relations[0]!.localAppData).toEqual({ leader: 'tiny/0' });
    expect(out.secrets).toHaveLength(1);
    expect(out.secrets[0]).toMatchObject({
      owner: 'app',
      label: 'admin',
      latestContent: { password: 'hunter2-long' },
      grants: [{ relationId: peer.id }],
    });
    expect(JSON.stringify(c.records.transcript)).not.toContain('hunter2-long');
    expect(c.records.transcript.map((t) => t.tool)).toContain('secret-add');
  });
});

describe('refusing inconsistent input', () => {
  const run = (event: Parameters<Context['run']>[0], s: Parameters<Context['run']>[1]) => ctx().run(event, s);
  it('an endpoint not in metadata', async () => {
    const bad = relation({ endpoint: 'nope' });
    await expect(run(events.install(), state({ relations: [bad] }))).rejects.toThrow(
      'endpoint "nope" is not declared in metadata.yaml (declared: source, cluster)',
    );
  });
  it('a relation event for a relation not in the state', async () => {
    const r = relation({ endpoint: 'source' });
    await expect(run(events.relationChanged(r, { remoteUnit: 'remote/0' }), state())).rejects.toThrow(
      `is for relation ${r.id}, which is not in the state's relations`,
    );
  });
  it('joined/changed without a remote unit, or with one not in the relation', async () => {
    const r = relation({ endpoint: 'source' });
    await expect(run(events.relationChanged(r), state({ relations: [r] }))).rejects.toThrow('needs a remote unit');
    await expect(run(events.relationJoined(r, { remoteUnit: '' }), state({ relations: [r] }))).rejects.toThrow('needs a remote unit');
    await expect(run(events.relationJoined(r, { remoteUnit: 'remote/5' }), state({ relations: [r] }))).rejects.toThrow(
      'remote unit "remote/5" is not in relation',
    );
    // An app-data change is explicit.
    await expect(run(events.relationChanged(r, { appChange: true }), state({ relations: [r] }))).resolves.toBeDefined();
  });
  it('an action not in actions.yaml', async () => {
    await expect(run(events.action('explode'), state())).rejects.toThrow('action "explode" is not in actions.yaml (actions: pause)');
  });
  it('config keys not in config.yaml, or of the wrong type', async () => {
    const err = await run(events.configChanged(), state({ config: { nope: 'x', replicas: 'three', topics: 5 } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InconsistentStateError);
    expect((err as InconsistentStateError).problems).toEqual([
      'config option "nope" is not in config.yaml (options: topics, replicas, fail-on-config)',
      'config option "replicas" is of type int in config.yaml, but the state gives string "three"',
      'config option "topics" is of type string in config.yaml, but the state gives int 5',
    ]);
  });
  it('peer endpoints used as regular relations, and secret events for unknown secrets', async () => {
    await expect(run(events.install(), state({ relations: [relation({ endpoint: 'cluster' })] }))).rejects.toThrow('is a peer endpoint');
    await expect(run(events.secretChanged(secret({ content: { a: 'b' } })), state())).rejects.toThrow("not in the state's secrets");
  });
});
