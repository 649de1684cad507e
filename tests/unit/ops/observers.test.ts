/**
 * Handlers are bound to their owner, as in Python ops: a plain method, an arrow-function field
 * and a method of a helper object all run with the right `this`, and each observer's identity is
 * `<owner's handle path>.<property>`, which is what a deferred event stores.
 */
import {
  CharmBase,
  Framework,
  FrameworkObject,
  HookEvent,
  RegistrationError,
  RelationChangedEvent,
  runCharm,
  STATE_KEYS,
} from '../../../lib/ops';
import { FakeJuju, hookEnv, Output, relationEnv, testMeta } from './fake-juju';

const meta = testMeta();

async function run(charm: new (fw: Framework) => CharmBase, juju: FakeJuju, env: Record<string, string>): Promise<number> {
  const out = new Output();
  return runCharm(charm, { env, runner: juju, meta, stdout: out.stdout, stderr: out.stderr });
}

function deferredObservers(j: FakeJuju): string[] {
  const raw = j.state[STATE_KEYS.deferred];
  return raw ? (JSON.parse(raw) as { observer: string }[]).map((n) => n.observer) : [];
}

function errorLog(j: FakeJuju): string[] {
  return j.logs.filter((l) => l.level === 'ERROR').map((l) => l.message);
}

describe('handlers bound to their owner', () => {
  it('a plain method of the charm runs with the charm as `this`', async () => {
    const seen: string[] = [];
    class PlainCharm extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.install, this.onInstall);
      }
      onInstall(): void {
        seen.push(this.model.unit.name);
      }
    }
    const j = new FakeJuju();
    expect(await run(PlainCharm, j, hookEnv('install'))).toBe(0);
    expect(errorLog(j)).toEqual([]);
    expect(seen).toEqual(['app/0']);
  });

  it('an arrow-function field works too and gets the same kind of id', async () => {
    const seen: string[] = [];
    class ArrowCharm extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.updateStatus, this.onUpdate);
      }
      onUpdate = (e: HookEvent): void => {
        seen.push(this.model.unit.name);
        e.defer();
      };
    }
    const j = new FakeJuju();
    expect(await run(ArrowCharm, j, hookEnv('update-status'))).toBe(0);
    expect(seen).toEqual(['app/0']);
    expect(deferredObservers(j)).toEqual(['ArrowCharm.onUpdate']);
  });

  it('a method of a helper FrameworkObject is bound to that helper and named by its handle path', async () => {
    const seen: string[] = [];
    class Store extends FrameworkObject {
      constructor(
        charm: CharmBase,
        readonly endpoint: string,
      ) {
        super(charm, endpoint);
        this.framework.observe(charm.on.relationChanged(endpoint), this.onChanged);
      }
      onChanged(e: RelationChangedEvent): void {
        seen.push(`${this.endpoint}:${e.relation.id}`);
        e.defer();
      }
    }
    class HelperCharm extends CharmBase {
      readonly store: Store;
      constructor(fw: Framework) {
        super(fw);
        this.store = new Store(this, 'source');
      }
    }
    const j = new FakeJuju();
    j.relations.push({ id: 3, endpoint: 'source', remoteApp: 'kafka', units: ['kafka/0'], bags: {} });
    expect(await run(HelperCharm, j, relationEnv('source', 'changed', 3, 'kafka', 'kafka/0'))).toBe(0);
    expect(seen).toEqual(['source:3']);
    expect(deferredObservers(j)).toEqual(['HelperCharm/source.onChanged']);

    // The next dispatch (a new process, new objects) finds the observer again by that id.
    seen.splice(0);
    expect(await run(HelperCharm, j, hookEnv('update-status'))).toBe(0);
    expect(errorLog(j)).toEqual([]);
    expect(seen).toEqual(['source:3']);
  });

  it('two instances of one helper class: this.observe() binds each to itself; framework.observe() asks which', async () => {
    const seen: string[] = [];
    class Side extends FrameworkObject {
      constructor(
        charm: CharmBase,
        readonly endpoint: string,
      ) {
        super(charm, endpoint);
        this.observe(charm.on.relationChanged(endpoint), this.onChanged);
      }
      onChanged(): void {
        seen.push(this.endpoint);
      }
    }
    class TwoSides extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        new Side(this, 'source');
        new Side(this, 'target');
      }
    }
    const j = new FakeJuju();
    j.relations.push({ id: 1, endpoint: 'source', remoteApp: 'a', units: [], bags: {} });
    j.relations.push({ id: 2, endpoint: 'target', remoteApp: 'b', units: [], bags: {} });
    expect(await run(TwoSides, j, relationEnv('target', 'changed', 2, 'b'))).toBe(0);
    expect(seen).toEqual(['target']);

    let err: unknown;
    class Ambiguous extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        const a = new Side(this, 'source');
        new Side(this, 'target');
        try {
          fw.observe(this.on.install, a.onChanged);
        } catch (e) {
          err = e;
        }
      }
    }
    await run(Ambiguous, new FakeJuju(), hookEnv('install'));
    expect(err).toBeInstanceOf(RegistrationError);
    expect((err as Error).message).toContain('onChanged is a method of 2 objects (Ambiguous/source, Ambiguous/target)');
  });

  it('a plain helper object (not a FrameworkObject) is named with { owner }', async () => {
    const seen: string[] = [];
    class Actions {
      constructor(private readonly prefix: string) {}
      onConfig(): void {
        seen.push(`${this.prefix}:config`);
      }
    }
    class OwnerCharm extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        const actions = new Actions('x');
        fw.observe(this.on.configChanged, actions.onConfig, { owner: actions });
      }
    }
    const j = new FakeJuju();
    expect(await run(OwnerCharm, j, hookEnv('config-changed'))).toBe(0);
    expect(seen).toEqual(['x:config']);

    let err: unknown;
    class WrongOwner extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        try {
          fw.observe(this.on.configChanged, new Actions('y').onConfig, { owner: {} });
        } catch (e) {
          err = e;
        }
      }
    }
    await run(WrongOwner, new FakeJuju(), hookEnv('config-changed'));
    expect((err as Error).message).toContain('not a method or property of the given owner');
  });

  it('a notice deferred under the bare method name (before owners) still finds its observer', async () => {
    const seen: string[] = [];
    class Legacy extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.start, this.onStart);
      }
      onStart(): void {
        seen.push('start');
      }
    }
    const j = new FakeJuju();
    j.state[STATE_KEYS.deferred] = JSON.stringify([{ source: 'start', observer: 'onStart', snapshot: {}, count: 1 }]);
    expect(await run(Legacy, j, hookEnv('update-status'))).toBe(0);
    expect(seen).toEqual(['start']);
    expect(j.state[STATE_KEYS.deferred]).toBeUndefined();
  });

  it('two objects may not share a handle path', async () => {
    let err: unknown;
    class Part extends FrameworkObject {}
    class Twice extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        new Part(this, 'p');
        try {
          new Part(this, 'p');
        } catch (e) {
          err = e;
        }
      }
    }
    await run(Twice, new FakeJuju(), hookEnv('install'));
    expect(err).toBeInstanceOf(RegistrationError);
    expect((err as Error).message).toContain('"Twice/p"');
  });
});
