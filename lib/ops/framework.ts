/**
 * The framework: observer registry, custom events, deferral, the reconcile hook, collect-status
 * and the end-of-dispatch commit.
 *
 * Phases of one dispatch (`_run`), as in ops:
 *   1. re-run deferred (event, observer) pairs, in queue order, each only for its observer;
 *   2. emit the Juju event to its observers, in registration order (handlers may be async);
 *   3. call the reconcile handlers (`observeAll`) for hook events other than stop, remove,
 *      collect-metrics (never for actions);
 *   4. collect-status: app (leader only, and only if observed) then unit;
 *   5. commit: one relation-set per changed bag, one state-set for framework state.
 * If any handler throws, nothing of phase 5 happens: Juju then commits nothing either.
 *
 * Deferral state lives in the unit's controller state (`state-get`/`state-set`), which Juju
 * commits only when the hook succeeds and which survives pod churn.
 */
import { ActionEvent } from './actions';
import type { HookToolBackend } from './backend';
import { JujuContext, RELATION_HOOKS, resolveDispatchPath, SECRET_HOOKS, STORAGE_HOOKS, WORKLOAD_HOOKS } from './context';
import { ActionParamsError, OpsError, RegistrationError } from './errors';
import {
  CollectStatusEvent,
  CustomEvent,
  EventBase,
  EventSnapshot,
  EventSource,
  HookEvent,
  JsonValue,
  RelationBrokenEvent,
  RelationChangedEvent,
  RelationCreatedEvent,
  RelationDepartedEvent,
  RelationJoinedEvent,
  SecretEvent,
  SourceKind,
  StorageEvent,
  WorkloadEvent,
} from './events';
import type { Logger } from './log';
import type { CharmMeta } from './meta';
import type { Model, RemoteAppMemory, StatusMemory } from './model';
import { ControllerState } from './state';
import { highestPriorityStatus } from './status';
import { actionParamsSchema, compileSchema, describeValidationErrors, PrecompiledValidators, undeclaredActionParams } from './validation';

export type Handler<E extends EventBase> = (event: E) => void | Promise<void>;

export interface ObserveOptions {
  /**
   * A stable identity for this observer, used to find it again when a deferred event is re-run
   * in a later process. Defaults to `<owner's handle path>.<property name>` (e.g.
   * `MyCharm.onConfigChanged`), or the function's name for a handler with no known owner.
   * Anonymous handlers with no owner must pass one.
   */
  readonly id?: string;
  /**
   * The object `handler` is a method (or arrow-function field) of; it is called with `this` bound
   * to it. Found without this option when the handler belongs to the charm or to exactly one
   * `FrameworkObject`; needed when several objects share the method (two instances of one class)
   * or for a plain object that is not a FrameworkObject.
   */
  readonly owner?: object;
}

interface Observer {
  readonly id: string;
  readonly handler: Handler<EventBase>;
  /** `this` for the handler (undefined for a free function). */
  readonly owner: object | undefined;
  /** The owner's property that holds the handler (used to find pre-owner deferred notices). */
  readonly key: string | undefined;
}

interface Owner {
  readonly obj: object;
  readonly path: string;
}

/** The property of `obj` (own, or on its prototype chain) whose value is `fn`, read without calling getters. */
function propertyHolding(obj: object, fn: unknown): string | undefined {
  for (let o: object | null = obj; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d && 'value' in d && d.value === fn) return key;
    }
  }
  return undefined;
}

export interface DeferredNotice {
  readonly source: string;
  readonly observer: string;
  readonly snapshot: EventSnapshot;
  /** How many times this notice has been deferred so far. */
  readonly count: number;
}

/** Controller-state keys owned by the framework. */
export const STATE_KEYS = {
  deferred: 'tscharm.deferred',
  unitStatus: 'tscharm.status.unit',
  appStatus: 'tscharm.status.app',
  /** Followed by a relation id: that relation's remote application. */
  remoteAppPrefix: 'tscharm.remote-app.',
  /** Followed by a charm-chosen key: the charm's own unit state (`framework.unitState`). */
  charmPrefix: 'charm.',
} as const;

const RECONCILE_PREFIX = 'reconcile:';
const NO_RECONCILE: ReadonlySet<SourceKind> = new Set<SourceKind>(['stop', 'remove', 'collect-metrics', 'action', 'unknown']);

export interface FrameworkInit {
  readonly context: JujuContext;
  readonly backend: HookToolBackend;
  readonly meta: CharmMeta;
  readonly model: Model;
  readonly logger: Logger;
  readonly state: ControllerState;
  readonly validators?: PrecompiledValidators;
  /** Warn when a notice has been deferred this many times (default 10). */
  readonly deferWarnThreshold?: number;
}

function handlerName(handler: { readonly name: string }): string {
  return handler.name.replace(/^bound /, '').trim();
}

/** Status memory kept in the framework's controller state. */
export function statusMemoryIn(state: ControllerState): StatusMemory {
  const key = (scope: 'unit' | 'app') => (scope === 'unit' ? STATE_KEYS.unitStatus : STATE_KEYS.appStatus);
  return {
    get(scope) {
      const raw = state.get(key(scope));
      if (!raw) return undefined;
      try {
        const v = JSON.parse(raw) as { name?: unknown; message?: unknown };
        return typeof v.name === 'string' && typeof v.message === 'string' ? { name: v.name, message: v.message } : undefined;
      } catch {
        return undefined;
      }
    },
    put(scope, status) {
      state.set(key(scope), JSON.stringify(status));
    },
  };
}

/** Remote application names kept in the framework's controller state, one key per relation. */
export function remoteAppMemoryIn(state: ControllerState): RemoteAppMemory {
  const key = (relationId: number) => `${STATE_KEYS.remoteAppPrefix}${relationId}`;
  return {
    get: (relationId) => state.get(key(relationId)),
    put: (relationId, app) => state.set(key(relationId), app),
    forget: (relationId) => state.set(key(relationId), null),
  };
}

/**
 * The charm's own per-unit state, kept in Juju's controller state next to the framework's (one
 * `state-get` per dispatch, one `state-set` at its end only if something changed; committed by
 * Juju only when the hook succeeds). Keys are namespaced, values are strings. Never put secret
 * values here: controller state is not a secret store.
 */
export class UnitState {
  /** @internal */
  constructor(private readonly state: ControllerState) {}

  get(key: string): string | undefined {
    return this.state.get(`${STATE_KEYS.charmPrefix}${key}`);
  }

  /** Stage a value (`null` deletes); written at the end of a successful dispatch. */
  set(key: string, value: string | null): void {
    this.state.set(`${STATE_KEYS.charmPrefix}${key}`, value);
  }
}

export class Framework {
  readonly context: JujuContext;
  readonly model: Model;
  readonly meta: CharmMeta;
  readonly logger: Logger;
  private readonly backend: HookToolBackend;
  private readonly state: ControllerState;
  private readonly validators: PrecompiledValidators;
  private readonly deferWarnThreshold: number;
  private readonly observers = new Map<string, Observer[]>();
  private readonly owners: Owner[] = [];
  private readonly reconcilers: Observer[] = [];
  private readonly sources = new Map<string, EventSource<EventBase>>();
  private queue: DeferredNotice[] | null = null;
  private queueChanged = false;
  /** The charm's own per-unit state (controller state, committed only on success). */
  readonly unitState: UnitState;

  /** @internal created by runCharm. */
  constructor(init: FrameworkInit) {
    this.context = init.context;
    this.backend = init.backend;
    this.meta = init.meta;
    this.model = init.model;
    this.logger = init.logger;
    this.state = init.state;
    this.validators = init.validators ?? {};
    this.deferWarnThreshold = init.deferWarnThreshold ?? 10;
    this.unitState = new UnitState(init.state);
  }

  // ---- sources --------------------------------------------------------------------------

  /** @internal the (cached) source for a Juju hook name, checked against the metadata. */
  _hookSource<E extends EventBase>(hookName: string): EventSource<E> {
    const existing = this.sources.get(hookName);
    if (existing) return existing as EventSource<E>;
    const target = resolveDispatchPath(`hooks/${hookName}`, this.meta);
    if (target.kind === 'unknown') {
      throw new RegistrationError(`"${hookName}" is not an event of this charm: check the name against metadata.yaml`);
    }
    const src = new EventSource<E>(hookName, target.kind, target.scope);
    this.sources.set(hookName, src as EventSource<EventBase>);
    return src;
  }

  /** @internal */
  _actionSource<E extends EventBase>(name: string): EventSource<E> {
    if (!Object.prototype.hasOwnProperty.call(this.meta.actions, name)) {
      const known = Object.keys(this.meta.actions);
      throw new RegistrationError(`action "${name}" is not defined in actions.yaml (defined: ${known.join(', ') || 'none'})`);
    }
    return this.cachedSource<E>(`action:${name}`, 'action', name);
  }

  /** @internal */
  _collectSource(scope: 'unit' | 'app'): EventSource<CollectStatusEvent> {
    const kind = scope === 'unit' ? 'collect-unit-status' : 'collect-app-status';
    return this.cachedSource<CollectStatusEvent>(kind, kind);
  }

  private cachedSource<E extends EventBase>(key: string, kind: SourceKind, scope?: string): EventSource<E> {
    let src = this.sources.get(key);
    if (!src) {
      src = new EventSource<EventBase>(key, kind, scope);
      this.sources.set(key, src);
    }
    return src as EventSource<E>;
  }

  /**
   * A custom event source, e.g. `framework.defineEvent<{topic: string}>('source.credentials-changed')`.
   * Payloads must be JSON so that a deferred custom event can be rebuilt later. Names are unique.
   */
  defineEvent<T extends JsonValue>(name: string): EventSource<CustomEvent<T>> {
    const key = `custom:${name}`;
    if (this.sources.has(key)) throw new RegistrationError(`custom event "${name}" is defined twice`);
    return this.cachedSource<CustomEvent<T>>(key, 'custom', name);
  }

  /** Emit a custom event: its observers run now, in registration order, and are awaited. */
  async emit<T extends JsonValue>(source: EventSource<CustomEvent<T>>, data: T): Promise<void> {
    if (source.kind !== 'custom' || this.sources.get(source.key) !== source) {
      throw new OpsError(`emit() is for custom events defined with defineEvent(); "${source.key}" is not one`);
    }
    await this.dispatchTo(source, new CustomEvent<T>(source, data), this.observers.get(source.key) ?? []);
  }

  // ---- observers ------------------------------------------------------------------------

  /** Call `handler` for every event from `source`, in registration order. */
  observe<E extends EventBase>(source: EventSource<E>, handler: Handler<E>, opts: ObserveOptions = {}): void {
    if (this.sources.get(source.key) !== (source as EventSource<EventBase>)) {
      throw new RegistrationError(`event source "${source.key}" does not belong to this framework`);
    }
    const observer = this.observer(handler as Handler<EventBase>, opts, `observe(${source.key})`);
    const list = this.observers.get(source.key) ?? [];
    if (list.some((o) => o.id === observer.id)) {
      throw new RegistrationError(`two observers of "${source.key}" claim the id "${observer.id}"; give one an explicit { id }`);
    }
    list.push(observer);
    this.observers.set(source.key, list);
  }

  /**
   * The holistic reconcile hook: `handler` runs once for every Juju hook event (not stop, remove,
   * collect-metrics or actions), after that event's specific observers. Use it as the default:
   * "something changed, converge".
   */
  observeAll(handler: Handler<HookEvent>, opts: ObserveOptions = {}): void {
    const observer = this.observer(handler as Handler<EventBase>, opts, 'observeAll');
    if (this.reconcilers.some((o) => o.id === observer.id)) {
      throw new RegistrationError(`two reconcile handlers claim the id "${observer.id}"; give one an explicit { id }`);
    }
    this.reconcilers.push(observer);
  }

  /** @internal CharmBase and FrameworkObject register themselves here, so observe() can find a method's owner. */
  _registerOwner(obj: object, path: string): void {
    if (this.owners.some((o) => o.path === path)) {
      throw new RegistrationError(`two objects claim the handle path "${path}"; give each FrameworkObject its own key`);
    }
    this.owners.push({ obj, path });
  }

  /** Who owns `handler` (so it is called with the right `this`) and the observer's stable id. */
  private observer(handler: Handler<EventBase>, opts: ObserveOptions, where: string): Observer {
    if (typeof handler !== 'function') throw new RegistrationError(`${where}: the handler is not a function`);
    let owner: { obj: object; path: string; key: string } | undefined;
    if (opts.owner !== undefined) {
      const key = propertyHolding(opts.owner, handler);
      if (key === undefined) {
        throw new RegistrationError(`${where}: the handler is not a method or property of the given owner`);
      }
      const path = this.owners.find((o) => o.obj === opts.owner)?.path ?? opts.owner.constructor.name;
      owner = { obj: opts.owner, path, key };
    } else {
      const found = this.owners.flatMap((o) => {
        const key = propertyHolding(o.obj, handler);
        return key === undefined ? [] : [{ ...o, key }];
      });
      if (found.length > 1) {
        throw new RegistrationError(
          `${where}: ${found[0].key} is a method of ${found.length} objects (${found.map((f) => f.path).join(', ')}); ` +
            `say which with { owner: this }, or register it from the object with this.observe(...)`,
        );
      }
      owner = found[0];
    }
    const id = opts.id ?? (owner ? `${owner.path}.${owner.key}` : handlerName(handler));
    if (!id) {
      throw new RegistrationError(
        `${where}: the handler has no stable identity (an anonymous function). Pass a method, ` +
          `or { id: "..." }, so a deferred event can find its observer again in a later dispatch`,
      );
    }
    return { id, handler, owner: owner?.obj, key: owner?.key };
  }

  // ---- deferral -------------------------------------------------------------------------

  private loadQueue(): DeferredNotice[] {
    if (this.queue === null) {
      const raw = this.state.get(STATE_KEYS.deferred);
      let parsed: unknown = [];
      if (raw) {
        try {
          parsed = JSON.parse(raw);
        } catch {
          this.logger.warning('the deferred-event queue in controller state is not JSON; dropping it');
          this.queueChanged = true;
        }
      }
      this.queue = Array.isArray(parsed) ? (parsed as DeferredNotice[]) : [];
    }
    return this.queue;
  }

  /** The deferred notices as they stand now (for logs and tests). */
  get deferredNotices(): readonly DeferredNotice[] {
    return [...this.loadQueue()];
  }

  private enqueue(notice: DeferredNotice): void {
    const queue = this.loadQueue();
    const snap = JSON.stringify(notice.snapshot);
    const dup = queue.some((n) => n.source === notice.source && n.observer === notice.observer && JSON.stringify(n.snapshot) === snap);
    if (dup) {
      this.logger.debug(`deferred ${notice.source} for ${notice.observer} is already queued`);
      return;
    }
    queue.push(notice);
    this.queueChanged = true;
    this.logger.debug(`deferred ${notice.source} for ${notice.observer} (queue length ${queue.length})`);
  }

  private sourceForKey(key: string): EventSource<EventBase> | null {
    const known = this.sources.get(key);
    if (known) return known;
    if (key.startsWith('custom:') || key.startsWith('action:') || key.startsWith('collect-')) return null;
    try {
      return this._hookSource(key);
    } catch {
      return null;
    }
  }

  private async reemitDeferred(): Promise<void> {
    const queue = this.loadQueue();
    if (queue.length === 0) return;
    this.logger.debug(`re-running ${queue.length} deferred event(s): ${queue.map((n) => `${n.source}/${n.observer}`).join(', ')}`);
    const remaining: DeferredNotice[] = [];
    // New notices added while re-running go to `this.queue`; keep them behind the survivors.
    this.queue = [];
    for (const notice of queue) {
      const source = this.sourceForKey(notice.source);
      const observer = source ? this.findObserver(source.key, notice.observer) : undefined;
      if (!source || !observer) {
        this.logger.warning(`dropping deferred ${notice.source}: its observer "${notice.observer}" is no longer registered`);
        this.queueChanged = true;
        continue;
      }
      const event = this.buildEvent(source, notice.snapshot);
      await observer.handler.call(observer.owner, event);
      if (event._takeDeferred()) {
        const count = notice.count + 1;
        if (count >= this.deferWarnThreshold && count % this.deferWarnThreshold === 0) {
          this.logger.warning(
            `${notice.source} has been deferred ${count} times by ${notice.observer}; is it waiting for something that will not happen?`,
          );
        }
        remaining.push({ ...notice, count });
      }
      this.queueChanged = true;
    }
    const added = this.queue;
    this.queue = remaining;
    for (const n of added) this.enqueue(n);
  }

  private findObserver(sourceKey: string, id: string): Observer | undefined {
    const reconcile = id.startsWith(RECONCILE_PREFIX);
    const list = reconcile ? this.reconcilers : (this.observers.get(sourceKey) ?? []);
    const want = reconcile ? id.slice(RECONCILE_PREFIX.length) : id;
    const exact = list.find((o) => o.id === want);
    if (exact) return exact;
    // A notice deferred before observers had owners stored the bare method name.
    const byKey = list.filter((o) => o.key === want);
    return byKey.length === 1 ? byKey[0] : undefined;
  }

  private async dispatchTo(source: EventSource<EventBase>, event: EventBase, observers: readonly Observer[], prefix = ''): Promise<void> {
    for (const o of observers) {
      event._takeDeferred();
      await o.handler.call(o.owner, event);
      if (event._takeDeferred()) {
        this.enqueue({ source: source.key, observer: prefix + o.id, snapshot: event.snapshot, count: 1 });
      }
    }
  }

  // ---- events ---------------------------------------------------------------------------

  private snapshotFromContext(): EventSnapshot {
    const c = this.context;
    return {
      ...(c.relation ? { relation: c.relation } : {}),
      ...(c.secret ? { secret: c.secret } : {}),
      ...(c.storage ? { storage: c.storage } : {}),
      ...(c.workload ? { workload: c.workload } : {}),
    };
  }

  private buildEvent(source: EventSource<EventBase>, snap: EventSnapshot): EventBase {
    const kind = source.kind;
    if ((RELATION_HOOKS as readonly string[]).includes(kind)) {
      const r = snap.relation;
      if (!r) throw new OpsError(`${source.key}: event has no relation data`);
      const rel = this.model._relation(r.endpoint, r.id, r.remoteApp);
      switch (kind) {
        case 'relation-created':
          return new RelationCreatedEvent(source, snap, rel, r.remoteApp, r.remoteUnit);
        case 'relation-joined':
          return new RelationJoinedEvent(source, snap, rel, r.remoteApp, r.remoteUnit);
        case 'relation-changed':
          return new RelationChangedEvent(source, snap, rel, r.remoteApp, r.remoteUnit);
        case 'relation-departed':
          return new RelationDepartedEvent(source, snap, rel, r.remoteApp, r.remoteUnit, r.departingUnit);
        default:
          return new RelationBrokenEvent(source, snap, rel, r.remoteApp, r.remoteUnit);
      }
    }
    if ((SECRET_HOOKS as readonly string[]).includes(kind)) {
      const s = snap.secret;
      if (!s) throw new OpsError(`${source.key}: event has no secret data`);
      return new SecretEvent(source, snap, this.model._secret(s.id, s.label), s.revision);
    }
    if ((STORAGE_HOOKS as readonly string[]).includes(kind) && snap.storage) return new StorageEvent(source, snap, snap.storage);
    if ((WORKLOAD_HOOKS as readonly string[]).includes(kind) && snap.workload) return new WorkloadEvent(source, snap, snap.workload);
    if (kind === 'custom') return new CustomEvent(source, snap.data ?? null);
    return new HookEvent(source, snap);
  }

  private async runAction(): Promise<void> {
    const action = this.context.action;
    if (!action) return;
    const source = this.sources.get(`action:${action.name}`);
    const observers = source ? (this.observers.get(source.key) ?? []) : [];
    if (!source || observers.length === 0) {
      this.logger.debug(`no observer for action ${action.name}`);
      return;
    }
    const raw = this.backend.actionGet();
    const params: Record<string, unknown> = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
    const spec = this.meta.actions[action.name]!;
    const jujuVersion = this.context.jujuVersion;
    const validate = this.validators.actions?.[action.name] ?? compileSchema(actionParamsSchema(spec, jujuVersion));
    const valid = validate(params);
    // A validator precompiled at pack time cannot know the Juju version's additionalProperties default.
    const undeclared = undeclaredActionParams(spec, params, jujuVersion);
    if (!valid || undeclared.length > 0) {
      const problems = valid ? [] : describeValidationErrors(validate.errors ?? [], params, 'parameter');
      for (const name of undeclared) {
        const msg = `parameter "${name}" is not defined`;
        if (!problems.includes(msg)) problems.push(msg);
      }
      const err = new ActionParamsError(action.name, problems);
      this.logger.warning(err.message);
      this.backend.actionFail(err.message);
      return;
    }
    const event = new ActionEvent(source, {}, action.name, action.uuid, Object.freeze(params), this.backend);
    await this.dispatchTo(source, event, observers);
  }

  private async collectStatus(): Promise<void> {
    const phases: ('app' | 'unit')[] = ['app', 'unit'];
    for (const scope of phases) {
      const source = this.sources.get(scope === 'unit' ? 'collect-unit-status' : 'collect-app-status');
      const observers = source ? (this.observers.get(source.key) ?? []) : [];
      if (!source || observers.length === 0) continue;
      // Asked only when someone collects app status: saves an is-leader call otherwise.
      if (scope === 'app' && !this.model.unit.isLeader()) continue;
      const event = new CollectStatusEvent(source, this.model);
      await this.dispatchTo(source, event, observers);
      const best = highestPriorityStatus(event.statuses);
      if (best) {
        if (scope === 'app') this.model.app.setStatus(best);
        else this.model.unit.setStatus(best);
      }
    }
  }

  /** @internal the whole dispatch after the charm was constructed. */
  async _run(): Promise<void> {
    const { target } = this.context;
    const restricted = target.kind === 'collect-metrics';
    if (!restricted) await this.reemitDeferred();
    if (target.kind === 'action') {
      await this.runAction();
    } else if (target.kind !== 'unknown') {
      const source = this.sources.get(target.name);
      const observers = source ? (this.observers.get(source.key) ?? []) : [];
      const runReconcile = !NO_RECONCILE.has(target.kind) && this.reconcilers.length > 0;
      if (observers.length > 0 || runReconcile) {
        const src = source ?? this._hookSource(target.name);
        const event = this.buildEvent(src, this.snapshotFromContext());
        await this.dispatchTo(src, event, observers);
        if (runReconcile) await this.dispatchTo(src, event, this.reconcilers, RECONCILE_PREFIX);
      } else {
        this.logger.debug(`no observer for ${target.name}`);
      }
    } else {
      this.logger.debug(`${target.name} is not an event this charm declares; nothing to do`);
    }
    if (!restricted) await this.collectStatus();
    this._commit();
  }

  /** @internal flush coalesced writes: relation data, then framework state. */
  _commit(): void {
    this.model.commitRelationData();
    if (this.queueChanged && this.queue !== null) {
      this.state.set(STATE_KEYS.deferred, this.queue.length > 0 ? JSON.stringify(this.queue) : null);
    }
    this.state.commit();
  }
}
