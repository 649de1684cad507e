/**
 * Interop: the requirer libraries (lib/interfaces KafkaRequirer / ConnectRequirer, in a tiny
 * requirer charm) read back exactly what the provider test doubles publish. Three applications
 * share one lib/sim model; each hook runs the real charm class through a hook session (argv and
 * JSON as under Juju), and the events a commit triggers on other units (relation-changed,
 * secret-changed, secret-remove) are run in turn until the model is quiet.
 */
import {
  CharmBase,
  loadCharmMeta,
  parseCharmMeta,
  type CharmMeta,
  type CustomEvent,
  type Framework,
  type HookEvent,
} from '../../../lib/ops';
import { ConnectRequirer, PLUGIN_URL_NOT_REQUIRED, type ConnectClientData } from '../../../lib/interfaces/connect-client';
import type { InterfaceChange, RequirerView } from '../../../lib/interfaces/data-interfaces';
import { KafkaRequirer, type KafkaClientData } from '../../../lib/interfaces/kafka-client';
import {
  addApplication,
  addRelation,
  addUnit,
  charmMetaFromYaml,
  createModel,
  type HookContextSpec,
  type JujuModel,
  type SimRelation,
  type TriggeredEvent,
} from '../../../lib/sim';
import { ConnectClientProviderCharm } from '../../../tools/provider-charms/connect-client-provider/src/charm';
import { KafkaClientProviderCharm } from '../../../tools/provider-charms/kafka-client-provider/src/charm';
import { runHook as runCharmHook, type TestCharm } from '../interfaces/harness';
import { CA_PEM, CONNECT_DIR, KAFKA_DIR, PASSWORD, ROTATED } from './fixtures';

/** What the requirer units saw, by unit. */
const seen: Record<string, { events: string[]; kafka?: RequirerView<KafkaClientData>; connect?: RequirerView<ConnectClientData> }> = {};

class RequirerCharm extends CharmBase {
  readonly source: KafkaRequirer;
  readonly connect: ConnectRequirer;
  constructor(framework: Framework) {
    super(framework);
    this.source = new KafkaRequirer(this, 'source', { topic: '__mirrormaker-user', extraUserRoles: 'admin' });
    this.connect = new ConnectRequirer(this, 'connect-client', { pluginUrl: PLUGIN_URL_NOT_REQUIRED });
    const record = (name: string) => (_e: CustomEvent<InterfaceChange>) => void this.mine().events.push(name);
    framework.observe(this.source.on.credentialsChanged, record('source.credentials'), { id: 'source.credentials' });
    framework.observe(this.source.on.endpointsChanged, record('source.endpoints'), { id: 'source.endpoints' });
    framework.observe(this.connect.on.integrationCreated, record('connect.created'), { id: 'connect.created' });
    framework.observe(this.connect.on.credentialsChanged, record('connect.credentials'), { id: 'connect.credentials' });
    framework.observe(this.connect.on.endpointsChanged, record('connect.endpoints'), { id: 'connect.endpoints' });
    framework.observe(this.on.updateStatus, this.probe);
  }
  private mine() {
    return (seen[this.model.unit.name] ??= { events: [] });
  }
  private readonly probe = (_e: HookEvent): void => {
    if (this.source.relations.length > 0) this.mine().kafka = this.source.view();
    if (this.connect.relations.length > 0) this.mine().connect = this.connect.view();
  };
}

const REQUIRER_META = parseCharmMeta({
  metadata: {
    name: 'mm',
    requires: { source: { interface: 'kafka_client', limit: 1 }, 'connect-client': { interface: 'connect_client', limit: 1 } },
  },
});
const KAFKA_META = loadCharmMeta(KAFKA_DIR);
const CONNECT_META = loadCharmMeta(CONNECT_DIR);
const CHARMS: Record<string, TestCharm> = {
  mm: { cls: RequirerCharm, meta: REQUIRER_META },
  kafka: { cls: KafkaClientProviderCharm, meta: KAFKA_META },
  connect: { cls: ConnectClientProviderCharm, meta: CONNECT_META },
};

const simMeta = (m: CharmMeta) => charmMetaFromYaml(m.metadata as Record<string, unknown>, m.config as unknown as Record<string, unknown>);

function newModel(): JujuModel {
  const model = createModel();
  addApplication(model, 'mm', simMeta(REQUIRER_META));
  addApplication(model, 'kafka', simMeta(KAFKA_META), {
    'bootstrap-servers': '127.0.0.1:19492,127.0.0.1:19392',
    username: 'mm2',
    password: PASSWORD,
  });
  addApplication(model, 'connect', simMeta(CONNECT_META), { endpoints: 'http://127.0.0.1:18383', username: 'admin', password: PASSWORD });
  addUnit(model, 'mm', { leader: true });
  addUnit(model, 'mm');
  addUnit(model, 'kafka', { leader: true });
  addUnit(model, 'connect', { leader: true });
  return model;
}

/** Run one hook with the charm of the unit's application (committed on exit 0); a failure throws. */
async function runHook(model: JujuModel, spec: HookContextSpec): Promise<readonly TriggeredEvent[]> {
  const app = spec.unit.slice(0, spec.unit.indexOf('/'));
  const run = await runCharmHook(model, CHARMS[app]!, spec);
  if (run.code !== 0) throw new Error(`${spec.hook} on ${spec.unit} exited ${run.code}: ${run.stderr}`);
  return run.events;
}

/** Run `spec`, then every event it triggers, breadth first, until nothing is left; returns the hooks run. */
async function settle(model: JujuModel, ...specs: HookContextSpec[]): Promise<string[]> {
  const queue: HookContextSpec[] = [...specs];
  const ran: string[] = [];
  while (queue.length > 0) {
    if (ran.length > 100) throw new Error(`no quiescence after 100 hooks: ${ran.slice(-10).join(', ')}`);
    const spec = queue.shift()!;
    ran.push(`${spec.unit} ${spec.hook}`);
    for (const e of await runHook(model, spec)) {
      queue.push({
        unit: e.unit,
        hook: e.hook,
        ...(e.relationId !== undefined ? { relationId: e.relationId } : {}),
        ...(e.remoteUnit !== undefined ? { remoteUnit: e.remoteUnit } : {}),
        ...(e.remoteApp !== undefined ? { remoteApp: e.remoteApp } : {}),
        ...(e.secretId !== undefined
          ? {
              secret: {
                id: e.secretId,
                ...(e.secretLabel !== undefined ? { label: e.secretLabel } : {}),
                ...(e.secretRevision !== undefined ? { revision: e.secretRevision } : {}),
              },
            }
          : {}),
      });
    }
  }
  return ran;
}

/** relation-created on every unit of both sides (Juju's first hooks for a new relation). */
async function relate(model: JujuModel, requirerEndpoint: string, provider: string): Promise<SimRelation> {
  const endpoint = provider === 'kafka' ? 'kafka-client' : 'connect-client';
  const rel = addRelation(model, `mm:${requirerEndpoint}`, `${provider}:${endpoint}`);
  await settle(
    model,
    { unit: 'mm/0', hook: `${requirerEndpoint}-relation-created`, relationId: rel.id, remoteApp: provider },
    { unit: 'mm/1', hook: `${requirerEndpoint}-relation-created`, relationId: rel.id, remoteApp: provider },
    { unit: `${provider}/0`, hook: `${endpoint}-relation-created`, relationId: rel.id, remoteApp: 'mm' },
  );
  return rel;
}

const probe = (model: JujuModel) => settle(model, { unit: 'mm/0', hook: 'update-status' }, { unit: 'mm/1', hook: 'update-status' });

beforeEach(() => {
  for (const k of Object.keys(seen)) delete seen[k];
});

describe('provider test doubles -> lib/interfaces requirers, over lib/sim', () => {
  it('kafka_client: the requirer reads exactly what kafka-client-provider publishes; a rotation reaches it through secret-changed', async () => {
    const model = newModel();
    const rel = await relate(model, 'source', 'kafka');
    await probe(model);
    const expected: KafkaClientData = {
      relationId: rel.id,
      remoteApp: 'kafka',
      endpoints: ['127.0.0.1:19392', '127.0.0.1:19492'],
      username: 'mm2',
      password: PASSWORD,
      tls: false,
      topic: '__mirrormaker-user',
    };
    for (const unit of ['mm/0', 'mm/1']) {
      expect(seen[unit]!.kafka).toEqual({ ready: true, data: expected });
      expect(seen[unit]!.events).toEqual(['source.credentials', 'source.endpoints']);
    }
    // The secrets are app-owned by kafka, labelled on the provider side and pinned under the requirer's labels.
    const userUri = rel.appData['kafka']!['secret-user']!;
    const userSecret = () => Object.values(model.secrets).find((s) => `secret:${s.id}` === userUri)!;
    const user = userSecret();
    expect(user.label).toBe(`kafka-client.${rel.id}.user.secret`);
    expect(user.consumers['mm/0']).toEqual({ revision: 1, label: `source.${rel.id}.user.secret` });

    // Rotate: config-changed on kafka -> a new revision -> secret-changed on both mm units -> they
    // refresh; once none tracks revision 1, Juju's secret-remove lets kafka drop it.
    model.applications['kafka']!.config['password'] = ROTATED;
    const ran = await settle(model, { unit: 'kafka/0', hook: 'config-changed' });
    expect(ran).toEqual(expect.arrayContaining(['mm/0 secret-changed', 'mm/1 secret-changed', 'kafka/0 secret-remove']));
    for (const unit of ['mm/0', 'mm/1'])
      expect(seen[unit]!.events).toEqual(['source.credentials', 'source.endpoints', 'source.credentials']);
    await probe(model);
    expect(seen['mm/0']!.kafka).toEqual({ ready: true, data: { ...expected, password: ROTATED } });
    expect(userSecret().revisions.map((r) => r.revision)).toEqual([2]);

    // Kafka 4 with TLS: the requirer sees tls on and the CA.
    Object.assign(model.applications['kafka']!.config, { tls: 'enabled', 'tls-ca': CA_PEM, 'kafka-version': '4' });
    await settle(model, { unit: 'kafka/0', hook: 'config-changed' });
    await probe(model);
    expect(seen['mm/1']!.kafka).toEqual({ ready: true, data: { ...expected, password: ROTATED, tls: true, tlsCa: CA_PEM } });

    // relation-broken on the provider: its secrets go away.
    rel.life = 'dying';
    rel.scope = ['kafka/0'];
    await settle(model, { unit: 'kafka/0', hook: 'kafka-client-relation-broken', relationId: rel.id, remoteApp: 'mm' });
    expect(Object.values(model.secrets).filter((s) => s.owner.kind === 'application' && s.owner.app === 'kafka')).toEqual([]);
  });

  it('connect_client: the requirer reads exactly what connect-client-provider publishes', async () => {
    const model = newModel();
    const rel = await relate(model, 'connect-client', 'connect');
    expect(rel.appData['mm']!['plugin-url']).toBe('NOT-REQUIRED');
    await probe(model);
    for (const unit of ['mm/0', 'mm/1']) {
      expect(seen[unit]!.connect).toEqual({
        ready: true,
        data: {
          relationId: rel.id,
          remoteApp: 'connect',
          endpoints: ['http://127.0.0.1:18383'],
          username: 'admin',
          password: PASSWORD,
          tls: false,
        },
      });
      expect(seen[unit]!.events).toEqual(['connect.created', 'connect.endpoints']);
    }
  });
});
