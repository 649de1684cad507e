/**
 * kafka-client-provider: plays Charmed Kafka on `kafka_client` (reference §8.1, §8.2).
 *
 * Every hook converges: for each relation whose requirer has asked for a `topic` (providers wait
 * for the resource field), the leader publishes `endpoints`, `topic`, `username`/`password`
 * (group `user`) and `tls`/`tls-ca` (group `tls`), each requested field in the group's Juju
 * secret (label `kafka-client.<id>.<group>.secret`, granted to the relation, URI in
 * `secret-<group>`), the others in its app databag. A config change (e.g. a rotated password)
 * becomes a new secret revision, so requirers get secret-changed. relation-broken removes the
 * relation's secrets, as Kafka removes the relation's user.
 */
import {
  CharmBase,
  type CollectStatusEvent,
  type Framework,
  type HookEvent,
  type RelationBrokenEvent,
  type SecretEvent,
} from '../../../../lib/ops';
import { publishKafkaClient, readRequest } from '../../../../lib/interfaces/providers';
import { readCredentials, removeRelationSecrets, servingStatus, type Parsed } from '../../common/provider';
import { parseKafkaSettings, type KafkaSettings } from './settings';

export const KAFKA_CLIENT = 'kafka-client';

export class KafkaClientProviderCharm extends CharmBase {
  private settingsMemo: Parsed<KafkaSettings> | undefined;

  constructor(framework: Framework) {
    super(framework);
    framework.observe(this.on.relationBroken('kafka-client'), this.onRelationBroken);
    framework.observe(this.on.secretRemove, this.onSecretRemove);
    framework.observeAll(this.reconcile);
    framework.observe(this.on.collectUnitStatus, this.collectStatus);
    framework.observe(this.on.collectAppStatus, this.collectStatus);
  }

  private settings(): Parsed<KafkaSettings> {
    if (this.settingsMemo === undefined) this.settingsMemo = parseKafkaSettings(this.model.config, readCredentials(this.model));
    return this.settingsMemo;
  }

  private readonly reconcile = (_event: HookEvent): void => {
    if (!this.model.unit.isLeader()) return;
    const settings = this.settings();
    if (!settings.ok) return; // Blocked (collect-status); what was published stays as it was
    const s = settings.value;
    for (const relation of this.model.relations(KAFKA_CLIENT)) {
      const topic = readRequest(relation).fields['topic'];
      if (!topic) continue;
      publishKafkaClient(this.model, relation, {
        endpoints: s.bootstrapServers,
        username: s.credentials.username,
        password: s.credentials.password,
        tls: s.tls,
        ...(s.tlsCa !== undefined ? { tlsCa: s.tlsCa } : {}),
        topic,
      });
    }
  };

  private readonly onRelationBroken = (event: RelationBrokenEvent): void => {
    if (!this.model.unit.isLeader()) return;
    const removed = removeRelationSecrets(this.model, event.relation);
    if (removed.length > 0) this.framework.logger.info(`relation ${event.relation.id} broken: removed its ${removed.join(', ')} secret(s)`);
  };

  /** A revision no consumer tracks any more (after a rotation): drop it, as Juju asks. */
  private readonly onSecretRemove = (event: SecretEvent): void => {
    if (event.revision !== null) event.secret.removeRevision(event.revision);
  };

  private readonly collectStatus = (event: CollectStatusEvent): void => {
    const settings = this.settings();
    event.addStatus(servingStatus(this.model, KAFKA_CLIENT, 'topic', settings.ok ? null : settings.problem));
  };
}
