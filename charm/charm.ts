// The MirrorMaker 2 integrator charm: wiring only. Every hook converges (framework reconcile
// hook) on the leader; see events/reconciler.ts for the data path.
import { CharmBase, type Framework, type RelationBrokenEvent } from '../lib/ops';
import { ConnectRequirer, KafkaRequirer, PLUGIN_URL_NOT_REQUIRED, RelationDataError } from '../lib/interfaces';
import { parseConnectRelation } from './core';
import { MirrorActions } from './events/actions';
import { Reconciler } from './events/reconciler';
import { MirrorStatus } from './events/status';

/** The dummy topic the kafka_client protocol makes a requirer ask for (the reference's value). */
export const MIRRORMAKER_TOPIC = '__mirrormaker-user';

export class MirrorMakerCharm extends CharmBase {
  readonly source: KafkaRequirer;
  readonly target: KafkaRequirer;
  readonly connect: ConnectRequirer;
  readonly reconciler: Reconciler;

  constructor(framework: Framework) {
    super(framework);
    // Relation protocols (lib/interfaces): requests on relation-created (leader), secret label
    // pinning and the remote-data snapshot on relation-changed (every unit).
    this.source = new KafkaRequirer(this, 'source', { topic: MIRRORMAKER_TOPIC, extraUserRoles: 'admin' });
    this.target = new KafkaRequirer(this, 'target', { topic: MIRRORMAKER_TOPIC, extraUserRoles: 'admin' });
    this.connect = new ConnectRequirer(this, 'connect-client', { pluginUrl: PLUGIN_URL_NOT_REQUIRED });

    this.reconciler = new Reconciler(this, { source: this.source, target: this.target, connect: this.connect });
    const actions = new MirrorActions(this.model, this.reconciler);
    const status = new MirrorStatus(this.model, this.reconciler);

    // Teardown of the Connect side needs the broken relation's own data, before reconcile runs.
    framework.observe(this.on.relationBroken('connect-client'), this.onConnectBroken);
    // Removing source or target empties the desired set: reconcile deletes this charm's connectors.
    framework.observeAll(this.reconciler.reconcile);

    framework.observe(this.on.action('pause'), actions.onPause);
    framework.observe(this.on.action('resume'), actions.onResume);
    framework.observe(this.on.action('status'), actions.onStatus);
    framework.observe(this.on.action<{ all?: boolean }>('restart'), actions.onRestart);
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
    if (view) this.model.addSecretValues(view.password);
    await this.reconciler.teardownConnect(view, event.relation.id);
  };
}
