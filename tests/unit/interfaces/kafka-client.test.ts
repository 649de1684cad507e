import { latestRevision, parseSecretUri, setLeader, type JujuModel, type SimRelation } from '../../../lib/sim';
import { addRelation, baseModel, calls, charm, runHook, writes } from './harness';
import { KafkaProviderCharm, kafkaPlan, RequirerCharm, resetSeen, seen } from './charms';
import { KAFKA_METADATA, REQUIRER_METADATA } from './harness';

const mm = charm(RequirerCharm, REQUIRER_METADATA);
const kafka = charm(KafkaProviderCharm, KAFKA_METADATA);

const PASSWORD = 'S3cr3t-kafka-password-0001';
const ROTATED = 'R0tated-kafka-password-0002';

function secretOf(model: JujuModel, uri: string) {
  const id = parseSecretUri(uri);
  if (!id) throw new Error(`not a secret uri: ${uri}`);
  return model.secrets[id]!;
}

/** kafka (provider) related to mm:source; relation-created ran on both mm units. */
async function related(): Promise<{ model: JujuModel; rel: SimRelation }> {
  const model = baseModel();
  const rel = addRelation(model, 'mm:source', 'kafka:kafka-client');
  for (const unit of ['mm/0', 'mm/1']) {
    const r = await runHook(model, mm, { unit, hook: 'source-relation-created', relationId: rel.id, remoteApp: 'kafka' });
    expect(r.code).toBe(0);
  }
  return { model, rel };
}

async function providerAnswers(model: JujuModel, rel: SimRelation) {
  const r = await runHook(model, kafka, { unit: 'kafka/0', hook: 'kafka-client-relation-changed', relationId: rel.id, remoteUnit: 'mm/0' });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

const mmChanged = (model: JujuModel, rel: SimRelation, unit = 'mm/0') =>
  runHook(model, mm, { unit, hook: 'source-relation-changed', relationId: rel.id, remoteUnit: 'kafka/0' });

beforeEach(() => {
  resetSeen();
  kafkaPlan.publication = { endpoints: ['10.0.0.2:9092', '10.0.0.1:9092'], username: 'relation-0', password: PASSWORD, tls: true };
});

describe('kafka_client requirer: the request', () => {
  it('the leader writes requested-secrets, topic and extra-user-roles on relation-created, in one relation-set', async () => {
    const model = baseModel();
    const rel = addRelation(model, 'mm:source', 'kafka:kafka-client');
    const r = await runHook(model, mm, { unit: 'mm/0', hook: 'source-relation-created', relationId: rel.id, remoteApp: 'kafka' });
    expect(r.code).toBe(0);
    expect(rel.appData['mm']).toEqual({
      'requested-secrets': '["username", "password", "tls", "tls-ca", "uris"]',
      topic: '__mirrormaker-user',
      'extra-user-roles': 'admin',
    });
    expect(writes(r.transcript)).toHaveLength(1);
    expect(writes(r.transcript)[0].args).toContain('--app');
  });

  it('a non-leader writes nothing on relation-created', async () => {
    const model = baseModel();
    const rel = addRelation(model, 'mm:source', 'kafka:kafka-client');
    const r = await runHook(model, mm, { unit: 'mm/1', hook: 'source-relation-created', relationId: rel.id, remoteApp: 'kafka' });
    expect(r.code).toBe(0);
    expect(writes(r.transcript)).toHaveLength(0);
    expect(rel.appData['mm']).toEqual({});
  });

  it('a new leader re-asserts missing request fields on leader-elected, and writes nothing when all are there', async () => {
    const { model, rel } = await related();
    delete rel.appData['mm']!['topic'];
    setLeader(model, 'mm/1');
    const r1 = await runHook(model, mm, { unit: 'mm/1', hook: 'leader-elected' });
    expect(r1.code).toBe(0);
    expect(rel.appData['mm']!['topic']).toBe('__mirrormaker-user');
    expect(writes(r1.transcript)).toHaveLength(1);
    const r2 = await runHook(model, mm, { unit: 'mm/1', hook: 'leader-elected' });
    expect(writes(r2.transcript)).toHaveLength(0);
  });

  it('relation-changed on the leader re-asserts a missing field', async () => {
    const { model, rel } = await related();
    delete rel.appData['mm']!['requested-secrets'];
    const r = await mmChanged(model, rel);
    expect(r.code).toBe(0);
    expect(rel.appData['mm']!['requested-secrets']).toBe('["username", "password", "tls", "tls-ca", "uris"]');
  });
});

describe('kafka_client requirer: diff, secrets and events', () => {
  it('the provider helper puts requested fields in labelled, granted secrets and the rest in the databag', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    const bag = rel.appData['kafka']!;
    expect(Object.keys(bag).sort()).toEqual(['endpoints', 'secret-tls', 'secret-user', 'topic']);
    expect(bag['endpoints']).toBe('10.0.0.1:9092,10.0.0.2:9092');
    expect(bag['topic']).toBe('__mirrormaker-user');
    const user = secretOf(model, bag['secret-user']!);
    expect(user.owner).toEqual({ kind: 'application', app: 'kafka' });
    expect(user.label).toBe(`kafka-client.${rel.id}.user.secret`);
    expect(latestRevision(user).content).toEqual({ username: 'relation-0', password: PASSWORD });
    expect(user.grants).toEqual([expect.objectContaining({ target: 'mm', kind: 'application', relationId: rel.id })]);
    expect(latestRevision(secretOf(model, bag['secret-tls']!)).content).toEqual({ tls: 'enabled', 'tls-ca': 'enabled' });
  });

  it('first sight: pins the local labels by id, writes the snapshot, emits credentials and endpoints once', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    const userUri = rel.appData['kafka']!['secret-user']!;
    const r = await mmChanged(model, rel);
    expect(r.code).toBe(0);
    const gets = calls(r.transcript, 'secret-get').map((c) => c.args);
    expect(gets).toContainEqual([userUri, '--label', `source.${rel.id}.user.secret`, '--refresh', '--format=json']);
    expect(secretOf(model, userUri).consumers['mm/0']).toEqual({ revision: 1, label: `source.${rel.id}.user.secret` });
    expect(secretOf(model, rel.appData['kafka']!['secret-tls']!).consumers['mm/0']?.label).toBe(`source.${rel.id}.tls.secret`);
    // The snapshot is the remote bag (URIs, not secret values), in mm/0's own unit bag.
    expect(JSON.parse(rel.unitData['mm/0']!['data']!)).toEqual(rel.appData['kafka']);
    expect(rel.unitData['mm/0']!['data']).not.toContain(PASSWORD);
    expect(writes(r.transcript)).toHaveLength(1);
    expect(writes(r.transcript)[0].args).not.toContain('--app');
    expect(seen.events).toEqual([
      { name: 'source.credentials', data: { relationId: rel.id, fields: ['password', 'tls', 'tls-ca', 'username'] } },
      { name: 'source.endpoints', data: { relationId: rel.id, fields: ['endpoints'] } },
    ]);
  });

  it('a non-leader pins its own labels and writes only its own snapshot', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    const r = await mmChanged(model, rel, 'mm/1');
    expect(r.code).toBe(0);
    expect(writes(r.transcript)).toHaveLength(1);
    expect(rel.unitData['mm/1']!['data']).toBeDefined();
    expect(rel.unitData['mm/0']!['data']).toBeUndefined();
    expect(secretOf(model, rel.appData['kafka']!['secret-user']!).consumers['mm/1']?.label).toBe(`source.${rel.id}.user.secret`);
    expect(seen.events.map((e) => e.name)).toEqual(['source.credentials', 'source.endpoints']);
  });

  it('steady state: relation-changed with unchanged remote data makes no relation-set and emits nothing', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    resetSeen();
    const r = await mmChanged(model, rel);
    expect(r.code).toBe(0);
    expect(writes(r.transcript)).toHaveLength(0);
    expect(calls(r.transcript, 'secret-get')).toHaveLength(0);
    expect(seen.events).toEqual([]);
  });

  it('steady state: update-status reading the typed view costs no writes and reads secrets by label only', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' }); // settles what lib/ops remembers
    const r = await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(r.code).toBe(0);
    expect(seen.views['source']).toEqual({
      ready: true,
      data: {
        relationId: rel.id,
        remoteApp: 'kafka',
        endpoints: ['10.0.0.1:9092', '10.0.0.2:9092'],
        username: 'relation-0',
        password: PASSWORD,
        tls: true,
        topic: '__mirrormaker-user',
      },
    });
    expect(writes(r.transcript)).toHaveLength(0);
    expect(calls(r.transcript, 'secret-get').map((c) => c.args)).toEqual([
      // the latest revision, as Canonical's library reads it (get_content(refresh=True))
      ['--label', `source.${rel.id}.user.secret`, '--refresh', '--format=json'],
      ['--label', `source.${rel.id}.tls.secret`, '--refresh', '--format=json'],
    ]);
    // What this dispatch costs (order is not the point): at most one relation-ids per endpoint,
    // its one bag, the 2 secrets; the remote app name is remembered in controller state (lib/ops),
    // so no relation-list --app; nothing new was learnt, so no state-set.
    const tools = r.transcript.map((c) => c.tool);
    expect(new Set(tools)).toEqual(new Set(['state-get', 'relation-ids', 'relation-get', 'secret-get']));
    expect(tools.filter((t) => t === 'relation-get')).toHaveLength(1);
    expect(tools.filter((t) => t === 'relation-ids').length).toBeLessThanOrEqual(3);
  });

  it('endpoints changing emits endpointsChanged only', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    resetSeen();
    kafkaPlan.publication = { ...kafkaPlan.publication!, endpoints: ['10.0.0.1:9092', '10.0.0.3:9092'] };
    await providerAnswers(model, rel);
    const r = await mmChanged(model, rel);
    expect(writes(r.transcript)).toHaveLength(1);
    expect(seen.events).toEqual([{ name: 'source.endpoints', data: { relationId: rel.id, fields: ['endpoints'] } }]);
  });

  it('rotation: a new revision fires secret-changed; the requirer refreshes and emits credentialsChanged for the changed field', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    await mmChanged(model, rel, 'mm/1');
    resetSeen();
    kafkaPlan.publication = { ...kafkaPlan.publication!, password: ROTATED };
    const p = await runHook(model, kafka, { unit: 'kafka/0', hook: 'update-status' });
    expect(p.code).toBe(0);
    const uri = rel.appData['kafka']!['secret-user']!;
    const notified = p.events.filter((e) => e.hook === 'secret-changed');
    expect(notified.map((e) => [e.unit, e.secretLabel])).toEqual([
      ['mm/0', `source.${rel.id}.user.secret`],
      ['mm/1', `source.${rel.id}.user.secret`],
    ]);
    // The databag did not change: no relation-changed for mm.
    expect(p.events.filter((e) => e.hook.endsWith('relation-changed'))).toEqual([]);

    const r = await runHook(model, mm, { unit: 'mm/0', hook: 'secret-changed', secret: { id: uri } });
    expect(r.code).toBe(0);
    expect(seen.events).toEqual([{ name: 'source.credentials', data: { relationId: rel.id, fields: ['password'] } }]);
    expect(writes(r.transcript)).toHaveLength(0);
    expect(secretOf(model, uri).consumers['mm/0']?.revision).toBe(2);

    const u = await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(u.code).toBe(0);
    expect(seen.views['source']).toMatchObject({ ready: true, data: { password: ROTATED } });
  });

  it('secret-changed for a secret of another endpoint or an unknown label is ignored', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    resetSeen();
    const uri = rel.appData['kafka']!['secret-user']!;
    const r = await runHook(model, mm, { unit: 'mm/0', hook: 'secret-changed', secret: { id: uri, label: 'something.else' } });
    expect(r.code).toBe(0);
    expect(seen.events).toEqual([]);
    expect(calls(r.transcript, 'secret-get')).toHaveLength(0);
  });

  it('the view is not ready until endpoints, username and password are all there', async () => {
    const { model, rel } = await related();
    const r = await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(r.code).toBe(0);
    expect(seen.views['source']).toEqual({ ready: false, relationId: rel.id, missing: ['endpoints', 'username', 'password'] });
  });
});

describe('kafka_client requirer: provider quirks and bad data', () => {
  it('Kafka 3\'s tls-ca "enabled" is not a CA; Kafka 4\'s PEM is', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.views['source']).toMatchObject({ ready: true, data: { tls: true } });
    expect((seen.views['source'] as { data: object }).data).not.toHaveProperty('tlsCa');

    const pem = '-----BEGIN CERTIFICATE-----\nMIIBfakecafakeca\n-----END CERTIFICATE-----';
    kafkaPlan.publication = { ...kafkaPlan.publication!, tlsCa: pem };
    await providerAnswers(model, rel);
    await runHook(model, mm, { unit: 'mm/0', hook: 'secret-changed', secret: { id: rel.appData['kafka']!['secret-tls']! } });
    expect(seen.events.at(-1)).toEqual({ name: 'source.credentials', data: { relationId: rel.id, fields: ['tls-ca'] } });
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.views['source']).toMatchObject({ ready: true, data: { tls: true, tlsCa: pem } });
  });

  it('tls "disabled" → tls false, no CA', async () => {
    kafkaPlan.publication = { ...kafkaPlan.publication!, tls: false };
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.views['source']).toMatchObject({ ready: true, data: { tls: false } });
  });

  it('plain username/password (not requested as secrets) are read from the databag', async () => {
    const { model, rel } = await related();
    rel.appData['mm']!['requested-secrets'] = '[]';
    await providerAnswers(model, rel);
    expect(rel.appData['kafka']!['password']).toBe(PASSWORD);
    expect(rel.appData['kafka']!['secret-user']).toBeUndefined();
    await mmChanged(model, rel);
    expect(seen.events.map((e) => e.name)).toEqual(['source.credentials', 'source.endpoints']);
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.views['source']).toMatchObject({ ready: true, data: { username: 'relation-0', password: PASSWORD, tls: true } });
  });

  it('malformed endpoints: a clear error naming the relation and the field, without secret values', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    rel.appData['kafka']!['endpoints'] = '10.0.0.1:9092,broker-without-port';
    const r = await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(r.code).toBe(0);
    const msg = seen.errors['source'];
    expect(msg).toContain(`relation source:${rel.id} (kafka)`);
    expect(msg).toContain('field "endpoints" is malformed');
    expect(msg).toContain("'broker-without-port' is not host:port");
    expect(msg).not.toContain(PASSWORD);
  });

  it('a port out of range is malformed too', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    rel.appData['kafka']!['endpoints'] = '10.0.0.1:99999';
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.errors['source']).toContain("'10.0.0.1:99999' has an invalid port '99999' (1-65535)");
  });

  it('a bad tls value from a secret is reported without quoting it', async () => {
    kafkaPlan.publication = { ...kafkaPlan.publication!, tlsCa: 'not-a-pem-but-secret-material' };
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.errors['source']).toMatch(/field "tls-ca" is malformed: expected a PEM certificate/);
    expect(seen.errors['source']).not.toContain('not-a-pem-but-secret-material');
  });

  it('secret values never reach logs, stdout, stderr, the transcript or databags', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    const runs = [await mmChanged(model, rel), await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' })];
    for (const r of runs) {
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(JSON.stringify(r.transcript)).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(model.logs)).not.toContain(PASSWORD);
    // The provider's secret-add sent the value through a file, never argv.
    expect(JSON.stringify(model.relations)).not.toContain(PASSWORD);
  });
});
