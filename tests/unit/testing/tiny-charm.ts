/** A tiny charm written against lib/ops, used to exercise the harness end to end. */
import {
  ActionEvent,
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  Framework,
  HookEvent,
  MaintenanceStatus,
  parseCharmMeta,
  RelationChangedEvent,
  SecretEvent,
} from '../../../lib/ops';

export const TINY_META = parseCharmMeta({
  metadata: {
    name: 'tiny',
    requires: { source: { interface: 'kafka_client', limit: 1 } },
    peers: { cluster: { interface: 'tiny_peers' } },
  },
  config: {
    options: {
      topics: { type: 'string', default: 'a' },
      replicas: { type: 'int', default: 1 },
      'fail-on-config': { type: 'boolean', default: false },
    },
  },
  actions: {
    pause: { description: 'pause', params: { reason: { type: 'string' } } },
  },
});

export class TinyCharm extends CharmBase {
  constructor(fw: Framework) {
    super(fw);
    fw.observe(this.on.install, this.onInstall);
    fw.observe(this.on.configChanged, this.onConfigChanged);
    fw.observe(this.on.relationChanged('source'), this.onSourceChanged);
    fw.observe(this.on.secretChanged, this.onSecretChanged);
    fw.observe(this.on.action('pause'), this.onPause);
    fw.observe(this.on.updateStatus, this.onUpdateStatus);
    fw.observe(this.on.leaderElected, this.onLeaderElected);
  }

  onInstall = (): void => {
    this.model.unit.setStatus(new MaintenanceStatus('installing'));
    this.model.unit.setWorkloadVersion('1.2.3');
  };

  onConfigChanged = (): void => {
    const config = this.model.config;
    for (const rel of this.model.relations('source')) rel.localUnitData.set('topics', String(config['topics']));
    if (config['fail-on-config'] === true) {
      // Written, then the hook fails: nothing may be committed.
      throw new Error('configured to fail');
    }
    this.model.unit.setStatus(new ActiveStatus(`topics=${String(config['topics'])} replicas=${String(config['replicas'])}`));
  };

  onSourceChanged = (event: RelationChangedEvent): void => {
    const endpoints = event.relation.remoteAppData.get('endpoints');
    if (!endpoints) {
      event.defer();
      this.model.unit.setStatus(new BlockedStatus('waiting for source endpoints'));
      return;
    }
    event.relation.localUnitData.set('seen', endpoints);
    if (this.model.unit.isLeader()) event.relation.localAppData.set('topic', 'replicated');
    this.model.unit.setStatus(new ActiveStatus(`source ${endpoints}`));
  };

  onSecretChanged = (event: SecretEvent): void => {
    const content = event.secret.getContent({ refresh: true });
    this.model.unit.setStatus(new ActiveStatus(`password length ${content['password']?.length ?? 0}`));
  };

  onPause = (event: ActionEvent): void => {
    event.log('pausing');
    if (event.params['reason'] === 'refuse') {
      event.fail('not now');
      return;
    }
    event.setResults({ paused: 'yes', detail: { reason: String(event.params['reason'] ?? 'none') } });
  };

  onUpdateStatus = (_event: HookEvent): void => {
    throw new Error('update-status exploded');
  };

  onLeaderElected = (): void => {
    const peer = this.model.peers('cluster');
    if (peer) peer.localAppData.set('leader', this.model.unit.name);
    const secret = this.model.app.addSecret({ password: 'hunter2-long' }, { label: 'admin' });
    if (peer) secret.grant(peer);
  };
}
