import {
  ActionEvent,
  CharmBase,
  CustomEvent,
  DeferNotAllowedError,
  EventSource,
  Framework,
  HookEvent,
  RegistrationError,
  RelationChangedEvent,
  runCharm,
  STATE_KEYS,
} from '../../../lib/ops';
import { actionEnv, FakeJuju, hookEnv, Output, relationEnv, testMeta } from './fake-juju';

const meta = testMeta();

async function run(
  charm: new (fw: Framework) => CharmBase,
  juju: FakeJuju,
  env: Record<string, string>,
  extra: { deferWarnThreshold?: number } = {},
): Promise<{ code: number; out: Output }> {
  const out = new Output();
  const code = await runCharm(charm, { env, runner: juju, meta, stdout: out.stdout, stderr: out.stderr, ...extra });
  return { code, out };
}

describe('dispatch', () => {
  it('an event with no observer is a no-op with exit 0', async () => {
    class Idle extends CharmBase {}
    const juju = new FakeJuju();
    const { code, out } = await run(Idle, juju, hookEnv('update-status'));
    expect(code).toBe(0);
    // Only the framework's own state read; nothing written.
    expect(juju.calls.map((c) => c.tool)).toEqual(['state-get']);
    expect(out.out).toContain('DEBUG update-status: done with 1 hook-tool call(s)');
  });

  it('a malformed environment exits 1 naming the variable, before any tool call', async () => {
    class Idle extends CharmBase {}
    const juju = new FakeJuju();
    const env: Record<string, string> = hookEnv('install');
    delete env.JUJU_MODEL_UUID;
    const { code, out } = await run(Idle, juju, env);
    expect(code).toBe(1);
    expect(out.err).toContain('JUJU_MODEL_UUID');
    expect(juju.calls).toHaveLength(0);
  });

  it('calls observers in registration order and awaits async handlers', async () => {
    const seen: string[] = [];
    class C extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.configChanged, this.first);
        fw.observe(this.on.configChanged, this.second);
      }
      first = async () => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push('first');
      };
      second = () => {
        seen.push('second');
      };
    }
    const { code } = await run(C, new FakeJuju(), hookEnv('config-changed'));
    expect(code).toBe(0);
    expect(seen).toEqual(['first', 'second']);
  });

  it('gives relation events their relation, remote app and unit', async () => {
    let got: { id: number; name: string; app: string; unit: string | null; active: boolean } | null = null;
    class C extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.relationChanged('source'), this.onChanged);
      }
      onChanged = (e: RelationChangedEvent) => {
        got = { id: e.relation.id, name: e.relation.name, app: e.app, unit: e.unit, active: e.relation.active };
      };
    }
    const juju = new FakeJuju();
    juju.relations.push({ id: 4, endpoint: 'source', remoteApp: 'kafka', units: ['kafka/0'], bags: {} });
    await run(C, juju, relationEnv('source', 'changed', 4, 'kafka', 'kafka/0'));
    expect(got).toEqual({ id: 4, name: 'source', app: 'kafka', unit: 'kafka/0', active: true });
  });

  it('rejects unknown endpoints and actions at registration with a clear message', () => {
    class BadEndpoint extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.relationChanged('sorce'), this.h);
      }
      h = () => undefined;
    }
    class BadAction extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.action('explode'), this.h);
      }
      h = () => undefined;
    }
    return Promise.all([
      run(BadEndpoint, new FakeJuju(), hookEnv('install')).then(({ code }) => expect(code).toBe(1)),
      run(BadAction, new FakeJuju(), hookEnv('install')).then(({ code }) => expect(code).toBe(1)),
    ]).then(async () => {
      const juju = new FakeJuju();
      await run(BadEndpoint, juju, hookEnv('install'));
      const err = juju.logs.find((l) => l.level === 'ERROR');
      expect(err?.message).toMatch(
        /RegistrationError: relation endpoint "sorce" is not declared in metadata.yaml \(declared: peer, source, target, metrics\)/,
      );
    });
  });

  it('requires a stable observer identity and unique ids', async () => {
    const errors: unknown[] = [];
    class Anonymous extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        try {
          fw.observe(this.on.install, () => undefined);
        } catch (e) {
          errors.push(e);
        }
        try {
          fw.observe(this.on.install, () => undefined, { id: 'x' });
          fw.observe(this.on.install, () => undefined, { id: 'x' });
        } catch (e) {
          errors.push(e);
        }
      }
    }
    await run(Anonymous, new FakeJuju(), hookEnv('install'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(RegistrationError);
    expect((errors[0] as Error).message).toContain('no stable identity');
    expect((errors[1] as Error).message).toContain('claim the id "x"');
  });
});

describe('errors and exit codes', () => {
  it('an uncaught error in a hook: logged at ERROR, exit 1, no coalesced writes flushed', async () => {
    class C extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.configChanged, this.onConfig);
      }
      onConfig = () => {
        this.model.getRelation('source')!.localAppData.set('k', 'v');
        this.model.getRelation('source')!.localUnitData.set('u', 'v');
        throw new Error('kaboom');
      };
    }
    const juju = new FakeJuju();
    juju.relations.push({ id: 1, endpoint: 'source', remoteApp: 'kafka', units: [], bags: {} });
    juju.state = { 'charm-key': 'x' };
    const { code, out } = await run(C, juju, hookEnv('config-changed'));
    expect(code).toBe(1);
    expect(juju.callsOf('relation-set')).toHaveLength(0);
    expect(juju.callsOf('state-set')).toHaveLength(0);
    expect(juju.logs).toContainEqual({ level: 'ERROR', message: 'uncaught error in config-changed: Error: kaboom' });
    expect(out.err).toContain('kaboom');
  });

  it('never shows a secret value in the error log or stderr', async () => {
    class C extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.configChanged, this.onConfig);
      }
      onConfig = () => {
        const pw = this.model.getSecret({ id: 'secret:a' }).getContent().password;
        throw new Error(`cannot log in with ${pw}`);
      };
    }
    const juju = new FakeJuju();
    juju.secrets.push({ id: 'secret:a', owner: 'application', revisions: [{ password: 'pa55word-xyz' }] });
    const { code, out } = await run(C, juju, hookEnv('config-changed'));
    expect(code).toBe(1);
    const everything = JSON.stringify(juju.logs) + out.out + out.err + JSON.stringify(juju.calls);
    expect(everything).toContain('cannot log in with <redacted>');
    expect(everything).not.toContain('pa55word-xyz');
  });

  it('an uncaught error in an action: action-fail with the redacted message, exit 0', async () => {
    class C extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.action('pause'), this.onPause);
      }
      onPause = () => {
        const pw = this.model.getSecret({ id: 'secret:a' }).getContent().password;
        throw new Error(`REST 401 for ${pw}`);
      };
    }
    const juju = new FakeJuju();
    juju.secrets.push({ id: 'secret:a', owner: 'application', revisions: [{ password: 'pa55word-xyz' }] });
    const { code, out } = await run(C, juju, actionEnv('pause'));
    expect(code).toBe(0);
    expect(juju.actionFailed).toBe('Error: REST 401 for <redacted>');
    expect(out.out).toBe('');
  });
});

describe('logging', () => {
  class Chatty extends CharmBase {
    constructor(fw: Framework) {
      super(fw);
      fw.observe(this.on.install, this.onInstall);
      fw.observe(this.on.action('pause'), this.onInstall);
    }
    onInstall = () => {
      this.framework.logger.debug('debug line');
      this.framework.logger.trace('trace line');
      this.framework.logger.info('info line');
      this.framework.logger.warning('warn line');
    };
  }

  it('hooks: DEBUG/TRACE to stdout (free), INFO and above via juju-log', async () => {
    const juju = new FakeJuju();
    const { out } = await run(Chatty, juju, hookEnv('install'));
    expect(out.out).toContain('DEBUG debug line\n');
    expect(out.out).toContain('TRACE trace line\n');
    expect(juju.logs).toEqual([
      { level: 'INFO', message: 'info line' },
      { level: 'WARNING', message: 'warn line' },
    ]);
    // The dispatch ends with a count of hook-tool calls on stdout.
    expect(out.out).toMatch(/DEBUG install: done with \d+ hook-tool call\(s\)/);
  });

  it('actions: nothing on stdout, everything via juju-log', async () => {
    const juju = new FakeJuju();
    const { out } = await run(Chatty, juju, actionEnv('pause'));
    expect(out.out).toBe('');
    expect(juju.logs.map((l) => l.level)).toEqual(['DEBUG', 'TRACE', 'INFO', 'WARNING', 'DEBUG']);
    expect(juju.logs[4].message).toMatch(/action pause: done with \d+ hook-tool call\(s\)/);
  });
});

describe('reconcile hook (observeAll)', () => {
  const seen: string[] = [];
  class C extends CharmBase {
    constructor(fw: Framework) {
      super(fw);
      fw.observe(this.on.configChanged, this.specific);
      fw.observe(this.on.action('pause'), this.specific);
      fw.observeAll(this.reconcile);
    }
    specific = () => {
      seen.push('specific');
    };
    reconcile = (e: HookEvent) => {
      seen.push(`reconcile:${e.source.key}`);
    };
  }
  beforeEach(() => seen.splice(0));

  it('runs after the specific observers for hook events, even unobserved ones', async () => {
    await run(C, new FakeJuju(), hookEnv('config-changed'));
    expect(seen).toEqual(['specific', 'reconcile:config-changed']);
    seen.splice(0);
    const juju = new FakeJuju();
    juju.relations.push({ id: 2, endpoint: 'target', remoteApp: 'k2', units: ['k2/0'], bags: {} });
    await run(C, juju, relationEnv('target', 'changed', 2, 'k2', 'k2/0'));
    expect(seen).toEqual(['reconcile:target-relation-changed']);
  });

  it.each([['stop'], ['remove'], ['collect-metrics']])('does not run for %s', async (hook) => {
    await run(C, new FakeJuju(), hookEnv(hook));
    expect(seen).toEqual([]);
  });

  it('does not run for actions', async () => {
    await run(C, new FakeJuju(), actionEnv('pause'));
    expect(seen).toEqual(['specific']);
  });
});

describe('custom events', () => {
  it('emit calls observers with typed data, in order, awaited', async () => {
    const seen: string[] = [];
    class Lib {
      readonly credentialsChanged: EventSource<CustomEvent<{ user: string }>>;
      constructor(readonly fw: Framework) {
        this.credentialsChanged = fw.defineEvent<{ user: string }>('source.credentials-changed');
      }
    }
    class C extends CharmBase {
      lib: Lib;
      constructor(fw: Framework) {
        super(fw);
        this.lib = new Lib(fw);
        fw.observe(this.on.configChanged, this.onConfig);
        fw.observe(this.lib.credentialsChanged, this.onCreds);
      }
      onConfig = async () => {
        await this.framework.emit(this.lib.credentialsChanged, { user: 'alice' });
        seen.push('after-emit');
      };
      onCreds = async (e: CustomEvent<{ user: string }>) => {
        await Promise.resolve();
        seen.push(`creds:${e.data.user}`);
      };
    }
    const { code } = await run(C, new FakeJuju(), hookEnv('config-changed'));
    expect(code).toBe(0);
    expect(seen).toEqual(['creds:alice', 'after-emit']);
  });

  it('refuses duplicate custom event names', async () => {
    let err: unknown;
    class C extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.defineEvent('x');
        try {
          fw.defineEvent('x');
        } catch (e) {
          err = e;
        }
      }
    }
    await run(C, new FakeJuju(), hookEnv('install'));
    expect(err).toBeInstanceOf(RegistrationError);
  });
});

describe('defer', () => {
  const seen: string[] = [];
  const shouldDefer = new Set<string>();
  class C extends CharmBase {
    creds: EventSource<CustomEvent<{ n: number }>>;
    constructor(fw: Framework) {
      super(fw);
      this.creds = fw.defineEvent<{ n: number }>('creds');
      fw.observe(this.on.relationChanged('source'), this.a);
      fw.observe(this.on.relationChanged('source'), this.b);
      fw.observe(this.on.updateStatus, this.onUpdate);
      fw.observe(this.on.configChanged, this.onConfig);
      fw.observe(this.creds, this.onCreds);
    }
    a = (e: RelationChangedEvent) => {
      seen.push(`a:${e.relation.id}:${e.unit}`);
      if (shouldDefer.has('a')) e.defer();
    };
    b = (e: RelationChangedEvent) => {
      seen.push(`b:${e.relation.id}`);
    };
    onUpdate = (e: HookEvent) => {
      seen.push('update');
      if (shouldDefer.has('update')) e.defer();
    };
    onConfig = async () => {
      seen.push('config');
      if (shouldDefer.has('emit')) await this.framework.emit(this.creds, { n: 42 });
    };
    onCreds = (e: CustomEvent<{ n: number }>) => {
      seen.push(`creds:${e.data.n}`);
      if (shouldDefer.has('creds')) e.defer();
    };
  }
  beforeEach(() => {
    seen.splice(0);
    shouldDefer.clear();
  });

  function juju(): FakeJuju {
    const j = new FakeJuju();
    j.relations.push({ id: 5, endpoint: 'source', remoteApp: 'kafka', units: ['kafka/0'], bags: {} });
    return j;
  }

  it('re-runs the deferred event first, only for the deferring observer, with its original data', async () => {
    const j = juju();
    shouldDefer.add('a');
    await run(C, j, relationEnv('source', 'changed', 5, 'kafka', 'kafka/0'));
    expect(seen).toEqual(['a:5:kafka/0', 'b:5']);
    const queue = JSON.parse(j.state[STATE_KEYS.deferred]);
    expect(queue).toEqual([expect.objectContaining({ source: 'source-relation-changed', observer: 'C.a', count: 1 })]);

    seen.splice(0);
    shouldDefer.clear();
    await run(C, j, hookEnv('config-changed'));
    expect(seen).toEqual(['a:5:kafka/0', 'config']);
    // Queue emptied, committed with one state-set per dispatch.
    expect(j.state[STATE_KEYS.deferred]).toBeUndefined();
    expect(j.callsOf('state-set')).toHaveLength(1);
    expect(j.callsOf('state-delete')).toHaveLength(1);
  });

  it('keeps queue order, counts re-deferrals, and warns at the threshold', async () => {
    const j = juju();
    shouldDefer.add('a').add('update');
    await run(C, j, relationEnv('source', 'changed', 5, 'kafka', 'kafka/0'));
    await run(C, j, hookEnv('update-status'));
    seen.splice(0);
    await run(C, j, hookEnv('config-changed'), { deferWarnThreshold: 3 });
    expect(seen).toEqual(['a:5:kafka/0', 'update', 'config']);
    const queue = JSON.parse(j.state[STATE_KEYS.deferred]) as { source: string; count: number }[];
    expect(queue.map((n) => [n.source, n.count])).toEqual([
      ['source-relation-changed', 3],
      ['update-status', 2],
    ]);
    expect(j.logs.filter((l) => l.level === 'WARNING').map((l) => l.message)).toEqual([
      'source-relation-changed has been deferred 3 times by C.a; is it waiting for something that will not happen?',
    ]);
  });

  it('does not queue exact duplicates', async () => {
    const j = juju();
    shouldDefer.add('update');
    await run(C, j, hookEnv('update-status'));
    await run(C, j, hookEnv('update-status'));
    await run(C, j, hookEnv('update-status'));
    const queue = JSON.parse(j.state[STATE_KEYS.deferred]) as unknown[];
    expect(queue).toHaveLength(1);
    // Each dispatch: the re-run (deferred again) then the new event.
    expect(seen).toEqual(['update', 'update', 'update', 'update', 'update']);
  });

  it('defers custom events and rebuilds them from their JSON payload', async () => {
    const j = juju();
    shouldDefer.add('emit').add('creds');
    await run(C, j, hookEnv('config-changed'));
    shouldDefer.clear();
    seen.splice(0);
    await run(C, j, hookEnv('update-status'));
    expect(seen).toEqual(['creds:42', 'update']);
  });

  it('is not committed when the dispatch fails', async () => {
    class Failing extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.updateStatus, this.onUpdate);
      }
      onUpdate = (e: HookEvent) => {
        e.defer();
        throw new Error('later');
      };
    }
    const j = juju();
    const { code } = await run(Failing, j, hookEnv('update-status'));
    expect(code).toBe(1);
    expect(j.state[STATE_KEYS.deferred]).toBeUndefined();
  });

  it('drops a deferred notice whose observer no longer exists, with a warning', async () => {
    const j = juju();
    j.state[STATE_KEYS.deferred] = JSON.stringify([{ source: 'update-status', observer: 'gone', snapshot: {}, count: 1 }]);
    await run(C, j, hookEnv('config-changed'));
    expect(j.logs.some((l) => l.level === 'WARNING' && l.message.includes('"gone" is no longer registered'))).toBe(true);
    expect(j.state[STATE_KEYS.deferred]).toBeUndefined();
  });

  it.each([['stop'], ['remove'], ['secret-rotate'], ['secret-expired']])('refuses defer() in %s', async (hook) => {
    let err: unknown;
    class D extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        const src =
          hook === 'stop'
            ? this.on.stop
            : hook === 'remove'
              ? this.on.remove
              : hook === 'secret-rotate'
                ? this.on.secretRotate
                : this.on.secretExpired;
        fw.observe(src, this.h);
      }
      h = (e: HookEvent) => {
        try {
          e.defer();
        } catch (x) {
          err = x;
        }
      };
    }
    await run(D, new FakeJuju(), hookEnv(hook, { JUJU_SECRET_ID: 'secret:a', JUJU_SECRET_REVISION: '1' }));
    expect(err).toBeInstanceOf(DeferNotAllowedError);
    expect((err as Error).message).toContain('cannot be deferred');
  });

  it('refuses defer() in actions: the action fails, exit 0', async () => {
    class D extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.action('pause'), this.h);
      }
      h = (e: ActionEvent) => e.defer();
    }
    const j = new FakeJuju();
    const { code } = await run(D, j, actionEnv('pause'));
    expect(code).toBe(0);
    expect(j.actionFailed).toContain('DeferNotAllowedError');
  });
});
