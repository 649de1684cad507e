/**
 * Typed events and event sources.
 *
 * An `EventSource<E>` names a stream of events of type `E` (a Juju hook kind for one endpoint,
 * an action, a collect-status phase, or a custom event). Event objects carry what the handler
 * needs, plus a JSON `snapshot` from which the framework can rebuild them when a deferred event
 * is re-run in a later dispatch.
 */
import type { EventKind, RelationContext, StorageContext, WorkloadContext } from './context';
import { DeferNotAllowedError } from './errors';
import type { Model } from './model';
import type { Relation } from './relations';
import type { Secret } from './secrets';
import type { StatusBase } from './status';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type SourceKind = EventKind | 'collect-unit-status' | 'collect-app-status' | 'custom';

/** A typed handle for one stream of events; `key` is unique within a charm. */
export class EventSource<E extends EventBase> {
  declare readonly _eventType?: E;
  constructor(
    readonly key: string,
    readonly kind: SourceKind,
    readonly scope?: string,
  ) {}
}

/** What is needed to rebuild an event in a later dispatch (stored in controller state). */
export interface EventSnapshot {
  readonly relation?: RelationContext;
  readonly secret?: { readonly id: string; readonly label: string | null; readonly revision: number | null };
  readonly storage?: StorageContext;
  readonly workload?: WorkloadContext;
  readonly data?: JsonValue;
}

const NOT_DEFERRABLE: ReadonlySet<SourceKind> = new Set<SourceKind>([
  'action',
  'stop',
  'remove',
  'secret-rotate',
  'secret-expired',
  'collect-unit-status',
  'collect-app-status',
  'collect-metrics',
]);

export abstract class EventBase {
  private deferRequested = false;

  constructor(
    readonly source: EventSource<EventBase>,
    readonly snapshot: EventSnapshot,
  ) {}

  /**
   * Ask for this handler to be called again with this event at the start of the next dispatch.
   * Not allowed for actions, stop, remove, secret-rotate, secret-expired and collect-status.
   */
  defer(): void {
    if (NOT_DEFERRABLE.has(this.source.kind)) {
      throw new DeferNotAllowedError(
        `"${this.source.key}" events cannot be deferred (actions, stop, remove, secret-rotate, ` +
          `secret-expired and collect-status run once; handle the condition now or fail)`,
      );
    }
    this.deferRequested = true;
  }

  /** @internal */
  _takeDeferred(): boolean {
    const d = this.deferRequested;
    this.deferRequested = false;
    return d;
  }
}

/** install, start, config-changed, update-status, leader-elected, ... */
export class HookEvent extends EventBase {}

export class RelationEvent extends HookEvent {
  constructor(
    source: EventSource<EventBase>,
    snapshot: EventSnapshot,
    readonly relation: Relation,
    /** The remote application. */
    readonly app: string,
    /** The remote unit; null in relation-created and relation-broken. */
    readonly unit: string | null,
  ) {
    super(source, snapshot);
  }
}

export class RelationCreatedEvent extends RelationEvent {}
export class RelationJoinedEvent extends RelationEvent {}
export class RelationChangedEvent extends RelationEvent {}
export class RelationBrokenEvent extends RelationEvent {}
export class RelationDepartedEvent extends RelationEvent {
  constructor(
    source: EventSource<EventBase>,
    snapshot: EventSnapshot,
    relation: Relation,
    app: string,
    unit: string | null,
    /** The unit that is leaving (may be this unit); its bag is still readable. */
    readonly departingUnit: string | null,
  ) {
    super(source, snapshot, relation, app, unit);
  }
}

export class SecretEvent extends HookEvent {
  constructor(
    source: EventSource<EventBase>,
    snapshot: EventSnapshot,
    readonly secret: Secret,
    /** Set for secret-expired and secret-remove (and whenever Juju passes it). */
    readonly revision: number | null,
  ) {
    super(source, snapshot);
  }
  get secretId(): string {
    return this.secret.id as string;
  }
  get secretLabel(): string | null {
    return this.secret.label;
  }
}

export class StorageEvent extends HookEvent {
  constructor(
    source: EventSource<EventBase>,
    snapshot: EventSnapshot,
    readonly storage: StorageContext,
  ) {
    super(source, snapshot);
  }
}

export class WorkloadEvent extends HookEvent {
  constructor(
    source: EventSource<EventBase>,
    snapshot: EventSnapshot,
    readonly workload: WorkloadContext,
  ) {
    super(source, snapshot);
  }
}

/** Custom events emitted by charm code or relation-interface libraries. */
export class CustomEvent<T extends JsonValue> extends EventBase {
  constructor(
    source: EventSource<EventBase>,
    readonly data: T,
  ) {
    super(source, { data });
  }
}

/** collectUnitStatus / collectAppStatus: handlers add candidates, the framework sets one. */
export class CollectStatusEvent extends EventBase {
  private readonly added: StatusBase[] = [];
  constructor(
    source: EventSource<EventBase>,
    readonly model: Model,
  ) {
    super(source, {});
  }
  addStatus(status: StatusBase): void {
    this.added.push(status);
  }
  get statuses(): readonly StatusBase[] {
    return this.added;
  }
}
