/**
 * The charm skeleton both provider test doubles share: settings parsed once per dispatch from
 * config + credentials, a leader-only reconcile that publishes to every relation whose requirer
 * has sent its request field, relation-broken removing the relation's secrets, secret-remove
 * dropping untracked revisions, and the "serving N clients" status.
 */
import {
  CharmBase,
  type CollectStatusEvent,
  type ConfigData,
  type Framework,
  type HookEvent,
  type Relation,
  type RelationBrokenEvent,
  type SecretEvent,
} from '../../../lib/ops';
import { readRequest } from '../../../lib/interfaces/providers';
import { readCredentials, removeRelationSecrets, servingStatus, type Credentials, type Parsed } from './provider';

export abstract class ProviderCharm<S> extends CharmBase {
  private settingsMemo: Parsed<S> | undefined;

  protected constructor(
    framework: Framework,
    /** The provided relation endpoint, e.g. `kafka-client`. */
    private readonly endpoint: string,
    /** The requirer's field the provider waits for before publishing, e.g. `topic`. */
    private readonly requestField: string,
  ) {
    super(framework);
    framework.observe(this.on.relationBroken(endpoint), this.onRelationBroken);
    framework.observe(this.on.secretRemove, this.onSecretRemove);
    framework.observeAll(this.reconcile);
    framework.observe(this.on.collectUnitStatus, this.collectStatus);
    framework.observe(this.on.collectAppStatus, this.collectStatus);
  }

  protected abstract parseSettings(config: ConfigData, credentials: Parsed<Credentials>): Parsed<S>;

  /** Leader only, valid settings: publish to one relation whose requirer sent `requested`. */
  protected abstract publish(relation: Relation, requested: string, settings: S): void;

  protected settings(): Parsed<S> {
    if (this.settingsMemo === undefined) this.settingsMemo = this.parseSettings(this.model.config, readCredentials(this.model));
    return this.settingsMemo;
  }

  private readonly reconcile = (_event: HookEvent): void => {
    if (!this.model.unit.isLeader()) return;
    const settings = this.settings();
    if (!settings.ok) return; // Blocked (collect-status); what was published stays as it was
    for (const relation of this.model.relations(this.endpoint)) {
      const requested = readRequest(relation).fields[this.requestField];
      if (!requested) continue;
      this.publish(relation, requested, settings.value);
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
    event.addStatus(servingStatus(this.model, this.endpoint, this.requestField, settings.ok ? null : settings.problem));
  };
}
