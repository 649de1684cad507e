/** Tiny charms for the interface tests: a requirer (source/target/connect-client) and two providers. */
import { CharmBase } from '../../../lib/ops/charm';
import type { CustomEvent, HookEvent, RelationChangedEvent } from '../../../lib/ops/events';
import type { Framework } from '../../../lib/ops/framework';
import { ConnectRequirer, PLUGIN_URL_NOT_REQUIRED } from '../../../lib/interfaces/connect-client';
import type { InterfaceChange, RequirerView } from '../../../lib/interfaces/data-interfaces';
import { KafkaRequirer, type KafkaClientData } from '../../../lib/interfaces/kafka-client';
import type { ConnectClientData } from '../../../lib/interfaces/connect-client';
import {
  publishConnectClient,
  publishKafkaClient,
  readRequest,
  type ConnectClientPublication,
  type KafkaClientPublication,
} from '../../../lib/interfaces/providers';

/** What the requirer charm saw in the last dispatches (reset by tests). */
export const seen: {
  events: { name: string; data: InterfaceChange }[];
  views: Record<string, RequirerView<KafkaClientData> | RequirerView<ConnectClientData>>;
  errors: Record<string, string>;
} = { events: [], views: {}, errors: {} };

export function resetSeen(): void {
  seen.events = [];
  seen.views = {};
  seen.errors = {};
}

export class RequirerCharm extends CharmBase {
  readonly source: KafkaRequirer;
  readonly target: KafkaRequirer;
  readonly connect: ConnectRequirer;

  constructor(framework: Framework) {
    super(framework);
    this.source = new KafkaRequirer(this, 'source', { topic: '__mirrormaker-user', extraUserRoles: 'admin' });
    this.target = new KafkaRequirer(this, 'target', { topic: '__mirrormaker-user', extraUserRoles: 'admin' });
    this.connect = new ConnectRequirer(this, 'connect-client', { pluginUrl: PLUGIN_URL_NOT_REQUIRED });
    const record = (name: string) => (e: CustomEvent<InterfaceChange>) => void seen.events.push({ name, data: e.data });
    framework.observe(this.source.on.credentialsChanged, record('source.credentials'), { id: 'source.credentials' });
    framework.observe(this.source.on.endpointsChanged, record('source.endpoints'), { id: 'source.endpoints' });
    framework.observe(this.target.on.credentialsChanged, record('target.credentials'), { id: 'target.credentials' });
    framework.observe(this.target.on.endpointsChanged, record('target.endpoints'), { id: 'target.endpoints' });
    framework.observe(this.connect.on.integrationCreated, record('connect.created'), { id: 'connect.created' });
    framework.observe(this.connect.on.credentialsChanged, record('connect.credentials'), { id: 'connect.credentials' });
    framework.observe(this.connect.on.endpointsChanged, record('connect.endpoints'), { id: 'connect.endpoints' });
    framework.observe(this.on.updateStatus, this.probe);
  }

  /** update-status: read every relation's typed view, as a reconcile would. */
  private readonly probe = (_e: HookEvent): void => {
    const libs: [string, KafkaRequirer | ConnectRequirer][] = [
      ['source', this.source],
      ['target', this.target],
      ['connect-client', this.connect],
    ];
    for (const [name, lib] of libs) {
      for (const rel of lib.relations) {
        try {
          seen.views[name] = lib.view(rel);
        } catch (e) {
          seen.errors[name] = e instanceof Error ? e.message : String(e);
        }
      }
    }
  };
}

/** What the Kafka stand-in publishes; tests change it to rotate or break things. */
export const kafkaPlan: { publication: Omit<KafkaClientPublication, 'topic'> | null } = { publication: null };
export const connectPlan: { publication: ConnectClientPublication | null } = { publication: null };

export class KafkaProviderCharm extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.relationChanged('kafka-client'), this.onChanged);
    framework.observe(this.on.updateStatus, this.onUpdate);
  }
  private readonly onChanged = (e: RelationChangedEvent): void => this.publish(e.relation.id);
  private readonly onUpdate = (_e: HookEvent): void => {
    for (const r of this.model.relations('kafka-client')) this.publish(r.id);
  };
  private publish(id: number): void {
    const rel = this.model.getRelation('kafka-client', id);
    if (!rel || !this.model.unit.isLeader() || !kafkaPlan.publication) return;
    const topic = readRequest(rel).fields['topic'];
    if (!topic) return; // data_interfaces providers wait for the resource field
    publishKafkaClient(this.model, rel, { ...kafkaPlan.publication, topic });
  }
}

export class ConnectProviderCharm extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.relationChanged('connect-client'), this.onChanged);
    framework.observe(this.on.updateStatus, this.onUpdate);
  }
  private readonly onChanged = (e: RelationChangedEvent): void => this.publish(e.relation.id);
  private readonly onUpdate = (_e: HookEvent): void => {
    for (const r of this.model.relations('connect-client')) this.publish(r.id);
  };
  private publish(id: number): void {
    const rel = this.model.getRelation('connect-client', id);
    if (!rel || !this.model.unit.isLeader() || !connectPlan.publication) return;
    if (!readRequest(rel).fields['plugin-url']) return;
    publishConnectClient(this.model, rel, connectPlan.publication);
  }
}
