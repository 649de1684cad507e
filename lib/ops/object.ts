/**
 * `FrameworkObject`: the base of objects that observe events, as `ops.Object` is in Python ops.
 *
 * Each one has a handle path (`MyCharm/source`, from its parent's path and its key) and registers
 * itself with the framework when constructed, so `framework.observe(src, this.onX)` with a plain
 * method finds its owner: the handler is called with `this` bound to it, and the observer's
 * identity — which a deferred event stores to find its observer again in a later dispatch — is
 * `<handle path>.<method name>`.
 */
import type { EventBase, EventSource } from './events';
import type { Framework, Handler, ObserveOptions } from './framework';
import type { Model } from './model';

export abstract class FrameworkObject {
  readonly framework: Framework;
  /** Where this object sits under the charm: `MyCharm`, `MyCharm/source`, … (unique). */
  readonly handlePath: string;

  /**
   * @param parent the charm or another FrameworkObject (the charm itself passes the framework)
   * @param key this object's name under its parent, e.g. the endpoint it serves
   */
  constructor(parent: FrameworkObject | Framework, key: string) {
    if (parent instanceof FrameworkObject) {
      this.framework = parent.framework;
      this.handlePath = `${parent.handlePath}/${key}`;
    } else {
      this.framework = parent;
      this.handlePath = key;
    }
    this.framework._registerOwner(this, this.handlePath);
  }

  get model(): Model {
    return this.framework.model;
  }

  /** `framework.observe` with this object as the handler's owner (never ambiguous). */
  observe<E extends EventBase>(source: EventSource<E>, handler: Handler<E>, opts: Omit<ObserveOptions, 'owner'> = {}): void {
    this.framework.observe(source, handler, { ...opts, owner: this });
  }
}
