/**
 * `CharmBase` and its typed `on` event map.
 *
 * Event sources are created on first access and checked against the charm metadata, so a
 * misspelt endpoint, storage, container or action fails at registration with a clear message.
 */
import type { ActionEvent } from './actions';
import type {
  CollectStatusEvent,
  EventSource,
  HookEvent,
  RelationBrokenEvent,
  RelationChangedEvent,
  RelationCreatedEvent,
  RelationDepartedEvent,
  RelationJoinedEvent,
  SecretEvent,
  StorageEvent,
  WorkloadEvent,
} from './events';
import { RegistrationError } from './errors';
import type { Framework } from './framework';
import { endpointsOf } from './meta';
import { FrameworkObject } from './object';

export class CharmEvents {
  constructor(private readonly framework: Framework) {}

  private hook<E extends HookEvent>(name: string): EventSource<E> {
    return this.framework._hookSource<E>(name);
  }

  get install(): EventSource<HookEvent> {
    return this.hook('install');
  }
  get start(): EventSource<HookEvent> {
    return this.hook('start');
  }
  get stop(): EventSource<HookEvent> {
    return this.hook('stop');
  }
  get remove(): EventSource<HookEvent> {
    return this.hook('remove');
  }
  get configChanged(): EventSource<HookEvent> {
    return this.hook('config-changed');
  }
  get updateStatus(): EventSource<HookEvent> {
    return this.hook('update-status');
  }
  get upgradeCharm(): EventSource<HookEvent> {
    return this.hook('upgrade-charm');
  }
  get leaderElected(): EventSource<HookEvent> {
    return this.hook('leader-elected');
  }
  get leaderSettingsChanged(): EventSource<HookEvent> {
    return this.hook('leader-settings-changed');
  }
  get preSeriesUpgrade(): EventSource<HookEvent> {
    return this.hook('pre-series-upgrade');
  }
  get postSeriesUpgrade(): EventSource<HookEvent> {
    return this.hook('post-series-upgrade');
  }
  get collectMetrics(): EventSource<HookEvent> {
    return this.hook('collect-metrics');
  }
  get secretChanged(): EventSource<SecretEvent> {
    return this.hook('secret-changed');
  }
  get secretRotate(): EventSource<SecretEvent> {
    return this.hook('secret-rotate');
  }
  get secretExpired(): EventSource<SecretEvent> {
    return this.hook('secret-expired');
  }
  get secretRemove(): EventSource<SecretEvent> {
    return this.hook('secret-remove');
  }
  get collectUnitStatus(): EventSource<CollectStatusEvent> {
    return this.framework._collectSource('unit');
  }
  get collectAppStatus(): EventSource<CollectStatusEvent> {
    return this.framework._collectSource('app');
  }

  private endpoint(name: string): string {
    const eps = endpointsOf(this.framework.meta);
    if (!eps.has(name)) {
      throw new RegistrationError(
        `relation endpoint "${name}" is not declared in metadata.yaml (declared: ${[...eps.keys()].join(', ') || 'none'})`,
      );
    }
    return name;
  }

  private declared(section: 'storage' | 'containers', name: string): string {
    const decl = this.framework.meta.metadata[section] ?? {};
    if (!Object.prototype.hasOwnProperty.call(decl, name)) {
      throw new RegistrationError(
        `${section === 'storage' ? 'storage' : 'container'} "${name}" is not declared in metadata.yaml ` +
          `(declared: ${Object.keys(decl).join(', ') || 'none'})`,
      );
    }
    return name;
  }

  relationCreated(endpoint: string): EventSource<RelationCreatedEvent> {
    return this.hook(`${this.endpoint(endpoint)}-relation-created`);
  }
  relationJoined(endpoint: string): EventSource<RelationJoinedEvent> {
    return this.hook(`${this.endpoint(endpoint)}-relation-joined`);
  }
  relationChanged(endpoint: string): EventSource<RelationChangedEvent> {
    return this.hook(`${this.endpoint(endpoint)}-relation-changed`);
  }
  relationDeparted(endpoint: string): EventSource<RelationDepartedEvent> {
    return this.hook(`${this.endpoint(endpoint)}-relation-departed`);
  }
  relationBroken(endpoint: string): EventSource<RelationBrokenEvent> {
    return this.hook(`${this.endpoint(endpoint)}-relation-broken`);
  }
  storageAttached(storage: string): EventSource<StorageEvent> {
    return this.hook(`${this.declared('storage', storage)}-storage-attached`);
  }
  storageDetaching(storage: string): EventSource<StorageEvent> {
    return this.hook(`${this.declared('storage', storage)}-storage-detaching`);
  }
  pebbleReady(container: string): EventSource<WorkloadEvent> {
    return this.hook(`${this.declared('containers', container)}-pebble-ready`);
  }
  pebbleCustomNotice(container: string): EventSource<WorkloadEvent> {
    return this.hook(`${this.declared('containers', container)}-pebble-custom-notice`);
  }
  pebbleCheckFailed(container: string): EventSource<WorkloadEvent> {
    return this.hook(`${this.declared('containers', container)}-pebble-check-failed`);
  }
  pebbleCheckRecovered(container: string): EventSource<WorkloadEvent> {
    return this.hook(`${this.declared('containers', container)}-pebble-check-recovered`);
  }
  /** An action from actions.yaml; `P` types the validated params. */
  action<P = Readonly<Record<string, unknown>>>(name: string): EventSource<ActionEvent<P>> {
    return this.framework._actionSource<ActionEvent<P>>(name);
  }
}

/**
 * The base of every charm. Its handle path is the class name, so an observer registered as
 * `framework.observe(this.on.install, this.onInstall)` is bound to the charm and known as
 * `MyCharm.onInstall`.
 */
export abstract class CharmBase extends FrameworkObject {
  readonly on: CharmEvents;
  constructor(framework: Framework) {
    super(framework, new.target.name || 'charm');
    this.on = new CharmEvents(framework);
  }
}

export type CharmClass = new (framework: Framework) => CharmBase;
