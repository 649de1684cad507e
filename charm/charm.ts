// The MirrorMaker 2 integrator charm: wiring only. Every hook converges (framework reconcile
// hook) on the leader; see events/reconciler.ts for the data path.
import { CharmBase, type Framework, type RelationBrokenEvent } from '../lib/ops';
import { CertificateTransferRequirer, ConnectRequirer, KafkaRequirer, PLUGIN_URL_NOT_REQUIRED, RelationDataError } from '../lib/interfaces';
import { parseConnectRelation } from './core';
import { MirrorActions } from './events/actions';
import { HealthCheck } from './events/health-check';
import { OffsetsCarry } from './events/offsets-carry';
import type { ActionParams } from './generated/charm-types';
import { Reconciler } from './events/reconciler';
import { MirrorStatus } from './events/status';

/** The dummy topic the kafka_client protocol makes a requirer ask for (the reference's value). */
export const MIRRORMAKER_TOPIC = '__mirrormaker-user';

export class MirrorMakerCharm extends CharmBase {
  readonly source: KafkaRequirer;
  readonly target: KafkaRequirer;
  readonly connect: ConnectRequirer;
  readonly caTransfer: CertificateTransferRequirer;
  readonly reconciler: Reconciler;
  readonly health: HealthCheck;
  readonly offsets: OffsetsCarry;

  constructor(framework: Framework) {
    super(framework);
    // Relation protocols (lib/interfaces): requests on relation-created (leader), secret label
    // pinning and the remote-data snapshot on relation-changed (every unit).
    this.source = new KafkaRequirer(this, 'source', { topic: MIRRORMAKER_TOPIC, extraUserRoles: 'admin' });
    this.target = new KafkaRequirer(this, 'target', { topic: MIRRORMAKER_TOPIC, extraUserRoles: 'admin' });
    this.connect = new ConnectRequirer(this, 'connect-client', { pluginUrl: PLUGIN_URL_NOT_REQUIRED });

    // CAs to trust for Kafka Connect's https when connect-client sends none.
    this.caTransfer = new CertificateTransferRequirer(this, 'receive-ca-cert');

    this.reconciler = new Reconciler(this, {
      source: this.source,
      target: this.target,
      connect: this.connect,
      caTransfer: this.caTransfer,
    });
    this.health = new HealthCheck(this.model, this.reconciler, framework.logger);
    // A source connector created anew (new connect-client relation id) starts from the kept offsets.
    this.offsets = new OffsetsCarry(this.reconciler.peer, framework.logger);
    this.reconciler.createHook = this.offsets.create;
    this.reconciler.beforeDeleteHook = this.offsets.beforeDelete;
    const actions = new MirrorActions(this.model, this.reconciler, this.health);
    const status = new MirrorStatus(this.model, this.reconciler, this.health);

    // Teardown of the Connect side needs the broken relation's own data, before reconcile runs.
    framework.observe(this.on.relationBroken('connect-client'), this.onConnectBroken);
    // Removing source or target empties the desired set: reconcile deletes this charm's connectors.
    framework.observeAll(this.reconciler.reconcile);
    // After the reconcile: the leader's periodic replication health check (update-status only).
    framework.observeAll(this.health.onHook);

    framework.observe(this.on.action('pause'), actions.onPause);
    framework.observe(this.on.action('resume'), actions.onResume);
    framework.observe(this.on.action('status'), actions.onStatus);
    framework.observe(this.on.action<ActionParams['failover']>('failover'), actions.onFailover);
    framework.observe(this.on.action<ActionParams['restart']>('restart'), actions.onRestart);
    framework.observe(this.on.collectAppStatus, status.onCollectAppStatus);
    framework.observe(this.on.collectUnitStatus, status.onCollectUnitStatus);
  }

  private readonly onConnectBroken = async (event: RelationBrokenEvent): Promise<void> => {
    if (!this.reconciler.mayWrite(event)) return;
    let view;
    try {
      const fields = this.connect.dataInterfaces.remoteFields(event.relation);
      const parsed = parseConnectRelation({ fields: fields.values });
      view = parsed.state === 'ready' ? parsed.view : undefined;
    } catch (e) {
      if (!(e instanceof RelationDataError)) throw e;
      view = undefined;
    }
    // The teardown's deletes keep the source connector's committed offsets (beforeDeleteHook): the
    // next connect-client relation's source connector (a new name) starts from them.
    if (view) this.model.addSecretValues(view.password);
    await this.reconciler.teardownConnect(view, event.relation.id);
  };
}
