import { CharmBase } from '../../../lib/ops/charm';
import type { HookEvent } from '../../../lib/ops/events';
import type { Framework } from '../../../lib/ops/framework';
import {
  decodeRequestedSecrets,
  encodeRequestedSecrets,
  hostPortEndpoints,
  parseSecretLabel,
  RemoteFields,
  secretGroupOf,
  secretLabel,
} from '../../../lib/interfaces/data-interfaces';
import { publishFields, readRequest } from '../../../lib/interfaces/providers';
import type { Relation } from '../../../lib/ops/relations';
import { latestRevision, parseSecretUri } from '../../../lib/sim';
import { addRelation, baseModel, calls, charm, KAFKA_METADATA, runHook, writes } from './harness';

describe('data_interfaces v0 helpers', () => {
  it('groups fields as the provider does', () => {
    expect(['username', 'password', 'uris'].map(secretGroupOf)).toEqual(['user', 'user', 'user']);
    expect(['tls', 'tls-ca'].map(secretGroupOf)).toEqual(['tls', 'tls']);
    expect(secretGroupOf('entity-password')).toBe('extra');
  });

  it('labels round-trip, endpoints with dots included', () => {
    expect(secretLabel('source', 7, 'user')).toBe('source.7.user.secret');
    expect(parseSecretLabel('connect-client.9.tls.secret')).toEqual({ endpoint: 'connect-client', relationId: 9, group: 'tls' });
    expect(parseSecretLabel('a.b.12.extra.secret')).toEqual({ endpoint: 'a.b', relationId: 12, group: 'extra' });
    expect(parseSecretLabel('source.7.other.secret')).toBeNull();
    expect(parseSecretLabel('source.x.user.secret')).toBeNull();
  });

  it("requested-secrets is written as Python's json.dumps writes it, and read leniently", () => {
    expect(encodeRequestedSecrets(['username', 'password'])).toBe('["username", "password"]');
    expect(decodeRequestedSecrets('["username","password"]')).toEqual(['username', 'password']);
    expect(decodeRequestedSecrets('not json')).toBeNull();
    expect(decodeRequestedSecrets('{"a":1}')).toBeNull();
    expect(decodeRequestedSecrets(undefined)).toBeNull();
  });

  it('parses host:port lists, IPv6 in brackets included, and names the bad entry', () => {
    const rel = { name: 'source', id: 3, app: 'kafka' } as unknown as Relation;
    const f = new RemoteFields(rel, {}, new Set());
    expect(hostPortEndpoints('a:9092, b.example.com:9093,[::1]:9094', f, 'endpoints')).toEqual([
      'a:9092',
      'b.example.com:9093',
      '[::1]:9094',
    ]);
    expect(() => hostPortEndpoints('a:9092,', f, 'endpoints')).toThrow(
      `relation source:3 (kafka): field "endpoints" is malformed: has an empty entry in 'a:9092,'`,
    );
    expect(() => hostPortEndpoints('http://a:9092', f, 'endpoints')).toThrow(/'http:\/\/a:9092' has a URL scheme; expected host:port/);
    expect(() => hostPortEndpoints('a:0', f, 'endpoints')).toThrow(/'a:0' has an invalid port '0' \(1-65535\)/);
    // the same parser as the charm's relation views
    const secret = new RemoteFields(rel, {}, new Set(['endpoints']));
    expect(() => hostPortEndpoints('secret-value', secret, 'endpoints')).toThrow(/field "endpoints" is malformed: is not a host:port list/);
  });

  it('never quotes a value that came from a secret', () => {
    const rel = { name: 'source', id: 3, app: 'kafka' } as unknown as Relation;
    const f = new RemoteFields(rel, { endpoints: 'hunter2-secret-endpoints', tls: 'hunter2-secret' }, new Set(['endpoints', 'tls']));
    expect(() => hostPortEndpoints('hunter2-secret-endpoints', f, 'endpoints')).toThrow(/is not a host:port list/);
    expect(() => hostPortEndpoints('hunter2-secret-endpoints', f, 'endpoints')).not.toThrow(/hunter2/);
    try {
      f.tlsEnabled();
      throw new Error('expected a RelationDataError');
    } catch (e) {
      expect((e as Error).message).toContain('field "tls" is malformed');
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

/** A provider that publishes whatever `plan` says, through `publishFields`, on update-status. */
const plan: { fields: Record<string, string> } = { fields: {} };
class PlainProvider extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.updateStatus, this.onUpdate);
  }
  private readonly onUpdate = (_e: HookEvent): void => {
    for (const rel of this.model.relations('kafka-client')) publishFields(this.model, rel, plan.fields);
  };
}
const provider = charm(PlainProvider, KAFKA_METADATA);

describe('provider helpers', () => {
  function setup() {
    const model = baseModel();
    const rel = addRelation(model, 'mm:source', 'kafka:kafka-client');
    rel.appData['mm'] = { 'requested-secrets': '["username", "password", "tls", "tls-ca", "uris"]', topic: 't', data: '{}' };
    return { model, rel };
  }

  it('readRequest leaves out the snapshot and decodes requested-secrets', async () => {
    const { model } = setup();
    let request: ReturnType<typeof readRequest> | null = null;
    class Reader extends CharmBase {
      constructor(framework: Framework) {
        super(framework);
        framework.observe(this.on.updateStatus, this.read);
      }
      private readonly read = (_e: HookEvent): void => {
        request = readRequest(this.model.relations('kafka-client')[0]);
      };
    }
    await runHook(model, charm(Reader, KAFKA_METADATA), { unit: 'kafka/0', hook: 'update-status' });
    expect(request).toEqual({ requestedSecrets: ['username', 'password', 'tls', 'tls-ca', 'uris'], fields: { topic: 't' } });
  });

  it('creates one secret per group (secret-add, secret-grant), then only secret-set when a value changes', async () => {
    const { model, rel } = setup();
    plan.fields = { username: 'u1', password: 'p4ssw0rd-one', endpoints: 'k:9092', topic: 't' };
    const r1 = await runHook(model, provider, { unit: 'kafka/0', hook: 'update-status' });
    expect(r1.code).toBe(0);
    expect(calls(r1.transcript, 'secret-add')).toHaveLength(1);
    expect(calls(r1.transcript, 'secret-add')[0].args).toEqual(
      expect.arrayContaining(['--owner', 'application', '--label', `kafka-client.${rel.id}.user.secret`]),
    );
    expect(calls(r1.transcript, 'secret-grant')[0].args).toEqual([
      expect.stringMatching(/^secret:/),
      '--relation',
      `kafka-client:${rel.id}`,
    ]);
    expect(JSON.stringify(r1.transcript)).not.toContain('p4ssw0rd-one');
    const uri = rel.appData['kafka']!['secret-user']!;
    expect(rel.appData['kafka']).toEqual({ 'secret-user': uri, endpoints: 'k:9092', topic: 't' });

    const r2 = await runHook(model, provider, { unit: 'kafka/0', hook: 'update-status' });
    expect(writes(r2.transcript)).toHaveLength(0);
    expect(calls(r2.transcript, 'secret-set')).toHaveLength(0);
    expect(calls(r2.transcript, 'secret-add')).toHaveLength(0);

    plan.fields = { ...plan.fields, password: 'p4ssw0rd-two' };
    const r3 = await runHook(model, provider, { unit: 'kafka/0', hook: 'update-status' });
    expect(calls(r3.transcript, 'secret-set')).toHaveLength(1);
    expect(writes(r3.transcript)).toHaveLength(0);
    const secret = model.secrets[parseSecretUri(uri)!]!;
    expect(latestRevision(secret)).toMatchObject({ revision: 2, content: { username: 'u1', password: 'p4ssw0rd-two' } });
  });

  it('without requested-secrets everything goes to the databag', async () => {
    const { model, rel } = setup();
    delete rel.appData['mm']!['requested-secrets'];
    plan.fields = { username: 'u1', password: 'p4ssw0rd-one' };
    await runHook(model, provider, { unit: 'kafka/0', hook: 'update-status' });
    expect(rel.appData['kafka']).toEqual({ username: 'u1', password: 'p4ssw0rd-one' });
    expect(Object.keys(model.secrets)).toHaveLength(0);
  });

  it('a non-leader provider cannot publish (clear error, nothing written)', async () => {
    const { model, rel } = setup();
    model.units['kafka/0']!.leader = false;
    plan.fields = { endpoints: 'k:9092' };
    const r = await runHook(model, provider, { unit: 'kafka/0', hook: 'update-status' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not the leader');
    expect(rel.appData['kafka']).toEqual({});
  });
});
