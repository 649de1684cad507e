import { latestRevision, parseSecretUri, type JujuModel, type SimRelation } from '../../../lib/sim';
import { addRelation, baseModel, calls, charm, CONNECT_METADATA, REQUIRER_METADATA, runHook, writes } from './harness';
import { ConnectProviderCharm, connectPlan, RequirerCharm, resetSeen, seen } from './charms';

const mm = charm(RequirerCharm, REQUIRER_METADATA);
const connect = charm(ConnectProviderCharm, CONNECT_METADATA);
const PASSWORD = 'C0nnect-rest-password-xyz';

async function related(): Promise<{ model: JujuModel; rel: SimRelation }> {
  const model = baseModel();
  const rel = addRelation(model, 'mm:connect-client', 'connect:connect-client');
  const r = await runHook(model, mm, { unit: 'mm/0', hook: 'connect-client-relation-created', relationId: rel.id, remoteApp: 'connect' });
  expect(r.code).toBe(0);
  return { model, rel };
}

const providerAnswers = async (model: JujuModel, rel: SimRelation) => {
  const r = await runHook(model, connect, {
    unit: 'connect/0',
    hook: 'connect-client-relation-changed',
    relationId: rel.id,
    remoteUnit: 'mm/0',
  });
  expect(r.code).toBe(0);
  return r;
};
const mmChanged = (model: JujuModel, rel: SimRelation) =>
  runHook(model, mm, { unit: 'mm/0', hook: 'connect-client-relation-changed', relationId: rel.id, remoteUnit: 'connect/0' });

beforeEach(() => {
  resetSeen();
  connectPlan.publication = { endpoints: ['http://10.0.0.5:8083', 'http://10.0.0.6:8083/'], username: 'relation-9', password: PASSWORD };
});

describe('connect_client requirer', () => {
  it('the leader writes requested-secrets and plugin-url NOT-REQUIRED', async () => {
    const { rel } = await related();
    expect(rel.appData['mm']).toEqual({
      'requested-secrets': '["username", "password", "tls", "tls-ca", "uris"]',
      'plugin-url': 'NOT-REQUIRED',
    });
  });

  it('the provider waits for plugin-url, then publishes secret-user and endpoints', async () => {
    const model = baseModel();
    const rel = addRelation(model, 'mm:connect-client', 'connect:connect-client');
    await providerAnswers(model, rel);
    expect(rel.appData['connect']).toEqual({});
    await runHook(model, mm, { unit: 'mm/0', hook: 'connect-client-relation-created', relationId: rel.id, remoteApp: 'connect' });
    await providerAnswers(model, rel);
    expect(Object.keys(rel.appData['connect']!).sort()).toEqual(['endpoints', 'secret-user']);
  });

  it('integrationCreated fires once when the credentials appear, with endpointsChanged', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    const r = await mmChanged(model, rel);
    expect(r.code).toBe(0);
    expect(seen.events).toEqual([
      { name: 'connect.created', data: { relationId: rel.id, fields: ['password', 'username'] } },
      { name: 'connect.endpoints', data: { relationId: rel.id, fields: ['endpoints'] } },
    ]);
    resetSeen();
    const again = await mmChanged(model, rel);
    expect(seen.events).toEqual([]);
    expect(writes(again.transcript)).toHaveLength(0);
  });

  it('tls material arriving later is a credentials change, not a second integrationCreated', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    resetSeen();
    connectPlan.publication = { ...connectPlan.publication!, endpoints: ['https://10.0.0.5:8083'], tls: { enabled: true } };
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    expect(seen.events).toEqual([
      { name: 'connect.credentials', data: { relationId: rel.id, fields: ['tls', 'tls-ca'] } },
      { name: 'connect.endpoints', data: { relationId: rel.id, fields: ['endpoints'] } },
    ]);
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    // Connect's "disabled" placeholder in tls-ca is not a CA.
    expect(seen.views['connect-client']).toEqual({
      ready: true,
      data: {
        relationId: rel.id,
        remoteApp: 'connect',
        endpoints: ['https://10.0.0.5:8083'],
        username: 'relation-9',
        password: PASSWORD,
        tls: true,
      },
    });
  });

  it('typed view: endpoints are URLs without trailing slash', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.views['connect-client']).toMatchObject({
      ready: true,
      data: { endpoints: ['http://10.0.0.5:8083', 'http://10.0.0.6:8083'], username: 'relation-9', tls: false },
    });
  });

  it('rotation of the REST password emits credentialsChanged', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    await mmChanged(model, rel);
    resetSeen();
    connectPlan.publication = { ...connectPlan.publication!, password: 'N3w-rest-password-abc' };
    const p = await runHook(model, connect, { unit: 'connect/0', hook: 'update-status' });
    const uri = rel.appData['connect']!['secret-user']!;
    expect(latestRevision(model.secrets[parseSecretUri(uri)!]!).revision).toBe(2);
    expect(p.events.filter((e) => e.hook === 'secret-changed').map((e) => e.unit)).toEqual(['mm/0']);
    await runHook(model, mm, { unit: 'mm/0', hook: 'secret-changed', secret: { id: uri } });
    expect(seen.events).toEqual([{ name: 'connect.credentials', data: { relationId: rel.id, fields: ['password'] } }]);
  });

  it('endpoints without a scheme are malformed', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    rel.appData['connect']!['endpoints'] = '10.0.0.5:8083';
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.errors['connect-client']).toContain(`relation connect-client:${rel.id} (connect): field "endpoints" is malformed`);
    expect(seen.errors['connect-client']).toContain("'10.0.0.5:8083' is not an http(s)://host:port URL");
    expect(seen.errors['connect-client']).not.toContain(PASSWORD);
  });

  it('a secret the provider did not grant is reported as unreadable, naming secret-user', async () => {
    const { model, rel } = await related();
    await providerAnswers(model, rel);
    const secret = model.secrets[parseSecretUri(rel.appData['connect']!['secret-user']!)!]!;
    secret.grants = [];
    const r = await mmChanged(model, rel);
    expect(r.code).toBe(0); // the diff survives: it logs and tries again on the next change
    // Not recorded as seen, so no integrationCreated yet; endpoints were read fine.
    expect(JSON.parse(rel.unitData['mm/0']!['data']!)).not.toHaveProperty('secret-user');
    expect(seen.events.map((e) => e.name)).toEqual(['connect.endpoints']);
    expect(r.stdout + r.stderr + JSON.stringify(model.logs)).not.toContain(PASSWORD);
    await runHook(model, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.errors['connect-client']).toMatch(
      /field "secret-user" cannot be read: the secret it names could not be read \(PermissionError\)/,
    );
    expect(calls(r.transcript, 'secret-get').length).toBeGreaterThan(0);

    // Once granted, the next relation-changed pins the label and reports the credentials.
    secret.grants = [{ target: 'mm', kind: 'application', relationId: rel.id, role: 'view' }];
    resetSeen();
    await mmChanged(model, rel);
    expect(seen.events).toEqual([{ name: 'connect.created', data: { relationId: rel.id, fields: ['password', 'username'] } }]);
    expect(JSON.parse(rel.unitData['mm/0']!['data']!)).toEqual(rel.appData['connect']);
  });
});
