import {
  MIN_STABLE_MS,
  configsEqual,
  emptyRestartBackoff,
  nextRestartAllowedAt,
  normaliseConfig,
  parseRestartBackoff,
  planManualRestart,
  planReconcile,
  planStateChange,
  restartDelayMs,
  type ObservedConnectors,
  type PlanInput,
  type RestartBackoffState,
} from '../../../charm/core/plan';
import { OWNED, UUID_HEX, desired, observedFrom, runningStatus } from './fixtures';

const MIN = 60_000;
const T0 = 1_700_000_000_000;

function plan(overrides: Partial<PlanInput> & Pick<PlanInput, 'actual'>) {
  return planReconcile({
    desired: desired(),
    ownedPattern: OWNED,
    intent: { paused: false },
    restartBackoff: emptyRestartBackoff(),
    now: T0,
    ...overrides,
  });
}

const FOREIGN: ObservedConnectors = {
  'jdbc-sink-orders': {
    info: { name: 'jdbc-sink-orders', config: { 'connector.class': 'x' }, tasks: [], type: 'sink' },
    status: runningStatus('jdbc-sink-orders', 1, 'FAILED'),
  },
  // Another integrator on the same Connect (other relation id) and a same-looking name from another model.
  [`mirror_source_mirrormaker_r99_${UUID_HEX}`]: { status: runningStatus('x', 0, 'PAUSED') },
  [`mirror_source_mirrormaker_r12_${'a'.repeat(32)}`]: { status: runningStatus('y', 0, 'FAILED') },
};

function withFailure(actual: ObservedConnectors, name: string, where: 'connector' | 'task'): ObservedConnectors {
  const copy: ObservedConnectors = JSON.parse(JSON.stringify(actual));
  const status = copy[name].status;
  if (!status) throw new Error('no status');
  if (where === 'connector') {
    status.connector = { ...status.connector, state: 'FAILED', trace: 'org.apache.kafka.common.KafkaException: boom\n\tat x' };
  } else {
    status.tasks[0] = { ...status.tasks[0], state: 'FAILED', trace: 'java.lang.IllegalStateException: task boom' };
  }
  return copy;
}

describe('planReconcile: configs', () => {
  it('steady state → zero actions', () => {
    const actual = observedFrom(desired());
    const result = plan({ actual });
    expect(result.actions).toEqual([]);
    expect(result.nextBackoff).toEqual(emptyRestartBackoff());
  });

  it('steady state with foreign connectors around → still zero actions', () => {
    const result = plan({ actual: { ...observedFrom(desired()), ...FOREIGN } });
    expect(result.actions).toEqual([]);
  });

  it('empty Connect → one put per desired connector, in order', () => {
    const d = desired();
    const result = plan({ actual: {} });
    expect(result.actions).toEqual(d.map((c) => ({ kind: 'put', name: c.name, config: c.config })));
  });

  it('topics change → exactly one put for each connector that carries topics (source, checkpoint)', () => {
    const actual = observedFrom(desired());
    const next = desired({ topics: ['orders.*'] });
    const result = plan({ desired: next, actual });
    expect(result.actions).toEqual([
      { kind: 'put', name: next[0].name, config: next[0].config },
      { kind: 'put', name: next[1].name, config: next[1].config },
    ]);
    expect(result.actions.every((a) => a.kind !== 'put' || a.config.topics === 'orders.*')).toBe(true);
  });

  it('groups change → only the checkpoint connector is put', () => {
    const next = desired({ groups: ['app-.*'] });
    const result = plan({ desired: next, actual: observedFrom(desired()) });
    expect(result.actions.map((a) => [a.kind, a.name])).toEqual([['put', next[1].name]]);
  });

  it('a key removed from the desired config (prefix_topics on) → put of the full config without it', () => {
    const next = desired({ prefixTopics: true });
    const result = plan({ desired: next, actual: observedFrom(desired()) });
    expect(result.actions).toHaveLength(3);
    for (const a of result.actions) {
      expect(a.kind).toBe('put');
      if (a.kind === 'put') expect(a.config).not.toHaveProperty('replication.policy.class');
    }
  });

  it('a key added on Connect by hand → put to restore the desired config', () => {
    const d = desired();
    const actual = observedFrom(d);
    const info = actual[d[0].name].info;
    if (info) info.config['consumer.max.poll.records'] = '10';
    expect(plan({ actual }).actions).toEqual([{ kind: 'put', name: d[0].name, config: d[0].config }]);
  });

  it('a connector without info (unknown config) is put', () => {
    const d = desired();
    const actual = observedFrom(d);
    delete actual[d[2].name].info;
    expect(plan({ actual }).actions).toEqual([{ kind: 'put', name: d[2].name, config: d[2].config }]);
  });

  it('owned but no longer desired (heartbeat off) → delete; foreign connectors untouched', () => {
    const all = desired();
    const result = plan({ desired: desired({ heartbeats: false }), actual: { ...observedFrom(all), ...FOREIGN } });
    expect(result.actions).toEqual([{ kind: 'delete', name: all[2].name }]);
  });

  it('never emits any action for foreign connectors, whatever their state', () => {
    const result = plan({ desired: [], actual: FOREIGN, intent: { paused: true } });
    expect(result.actions).toEqual([]);
    const resumed = plan({ desired: [], actual: FOREIGN, intent: { paused: false } });
    expect(resumed.actions).toEqual([]);
  });

  it('empty desired set deletes every owned connector (e.g. source relation removed)', () => {
    const d = desired();
    const result = plan({ desired: [], actual: { ...observedFrom(d), ...FOREIGN } });
    expect(result.actions.map((a) => a.kind)).toEqual(['delete', 'delete', 'delete']);
    expect(new Set(result.actions.map((a) => a.name))).toEqual(new Set(d.map((c) => c.name)));
  });

  it('a desired connector outside the owned pattern is refused (never written)', () => {
    const stranger = { name: 'someone-else', kind: 'source' as const, config: { a: 'b' } };
    expect(plan({ desired: [stranger], actual: {} }).actions).toEqual([]);
  });

  it('a global owned pattern does not make the plan stateful', () => {
    const g = new RegExp(OWNED.source, 'g');
    const d = desired();
    const result = plan({ desired: [], actual: observedFrom(d), ownedPattern: g });
    expect(result.actions).toHaveLength(3);
  });

  it('orders actions: deletes, puts, pause/resume, restarts', () => {
    const all = desired();
    const next = desired({ heartbeats: false, topics: ['x'] });
    let actual = observedFrom(all);
    actual = withFailure(actual, all[1].name, 'task');
    const status = actual[all[0].name].status;
    if (status) status.connector.state = 'PAUSED';
    const kinds = plan({ desired: next, actual }).actions.map((a) => a.kind);
    expect(kinds).toEqual(['delete', 'put', 'put', 'resume', 'restart']);
  });
});

describe('normaliseConfig / configsEqual', () => {
  it('drops name and stringifies values', () => {
    expect(normaliseConfig({ name: 'x', 'tasks.max': 1, a: 'b', n: null, u: undefined, t: true })).toEqual({
      'tasks.max': '1',
      a: 'b',
      t: 'true',
    });
  });
  it('compares as string maps, order-insensitive', () => {
    expect(configsEqual({ a: '1', b: '2' }, { b: '2', a: 1, name: 'x' })).toBe(true);
    expect(configsEqual({ a: '1' }, { a: '1', b: '2' })).toBe(false);
    expect(configsEqual({ a: '1', b: '2' }, { a: '1' })).toBe(false);
    expect(configsEqual({ a: '1' }, { a: '2' })).toBe(false);
    expect(configsEqual({ a: '1', c: '' }, { a: '1', b: '' })).toBe(false);
  });
});

describe('planReconcile: pause intent', () => {
  const d = desired();

  it('RUNNING → pause each connector', () => {
    const result = plan({ actual: observedFrom(d), intent: { paused: true } });
    expect(result.actions).toEqual(d.map((c) => ({ kind: 'pause', name: c.name })));
  });

  it('already PAUSED → zero actions (a paused connector stays paused)', () => {
    expect(plan({ actual: observedFrom(d, {}, 'PAUSED'), intent: { paused: true } }).actions).toEqual([]);
  });

  it('config change while paused → put only, no resume', () => {
    const next = desired({ topics: ['t'] });
    const result = plan({ desired: next, actual: observedFrom(d, {}, 'PAUSED'), intent: { paused: true } });
    expect(result.actions.map((a) => a.kind)).toEqual(['put', 'put']);
  });

  it('new connectors while paused → put then pause', () => {
    const result = plan({ actual: {}, intent: { paused: true } });
    expect(result.actions.map((a) => a.kind)).toEqual(['put', 'put', 'put', 'pause', 'pause', 'pause']);
  });

  it('STOPPED → pause; UNASSIGNED / RESTARTING / FAILED left alone', () => {
    const actual = observedFrom(d);
    const states = ['STOPPED', 'UNASSIGNED', 'RESTARTING'];
    d.forEach((c, i) => {
      const s = actual[c.name].status;
      if (s) s.connector.state = states[i];
    });
    expect(plan({ actual, intent: { paused: true } }).actions).toEqual([{ kind: 'pause', name: d[0].name }]);
    const failed = withFailure(observedFrom(d), d[0].name, 'connector');
    const result = plan({ actual: failed, intent: { paused: true } });
    expect(result.actions.filter((a) => a.name === d[0].name)).toEqual([]);
  });

  it('resume intent: PAUSED or STOPPED → resume; RUNNING → nothing', () => {
    const actual = observedFrom(d);
    const s0 = actual[d[0].name].status;
    const s1 = actual[d[1].name].status;
    if (s0) s0.connector.state = 'PAUSED';
    if (s1) s1.connector.state = 'STOPPED';
    expect(plan({ actual }).actions).toEqual([
      { kind: 'resume', name: d[0].name },
      { kind: 'resume', name: d[1].name },
    ]);
  });

  it('planStateChange gives only the transitions', () => {
    expect(planStateChange({ desired: d, actual: observedFrom(d), ownedPattern: OWNED, paused: true })).toEqual(
      d.map((c) => ({ kind: 'pause', name: c.name })),
    );
    expect(planStateChange({ desired: d, actual: observedFrom(d, {}, 'PAUSED'), ownedPattern: OWNED, paused: false })).toEqual(
      d.map((c) => ({ kind: 'resume', name: c.name })),
    );
  });
});

describe('planReconcile: automatic restart with back-off', () => {
  const d = desired();
  const name = d[0].name;

  it('delay schedule: min(n²+n, 30) minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => restartDelayMs(n) / MIN)).toEqual([0, 2, 6, 12, 20, 30, 30, 30]);
  });

  it.each(['connector', 'task'] as const)('FAILED %s → immediate restart (only failed), counter 1', (where) => {
    const actual = withFailure(observedFrom(d), name, where);
    const result = plan({ actual });
    expect(result.actions).toEqual([{ kind: 'restart', name, onlyFailed: true }]);
    expect(result.nextBackoff.connectors[name]).toEqual({ restarts: 1, lastRestartAt: T0 });
  });

  it('progression: restarts only when the back-off elapsed, then resets after being stable', () => {
    const failing = withFailure(observedFrom(d), name, 'task');
    const healthy = observedFrom(d);
    let state: RestartBackoffState = emptyRestartBackoff();
    const step = (now: number, actual: ObservedConnectors) => {
      const r = plan({ actual, now, restartBackoff: state });
      state = r.nextBackoff;
      return r.actions.filter((a) => a.kind === 'restart').length;
    };
    const restartTimes: number[] = [];
    // Observe every minute for 2 hours while it keeps failing.
    for (let m = 0; m <= 120; m += 1) if (step(T0 + m * MIN, failing) === 1) restartTimes.push(m);
    // 0, +2, +6, +12, +20, +30, +30, …
    expect(restartTimes).toEqual([0, 2, 8, 20, 40, 70, 100]);
    expect(state.connectors[name].restarts).toBe(7);
    expect(nextRestartAllowedAt(state, name)).toBe(T0 + 130 * MIN);

    // Healthy: first observation starts the stable window; no reset before it ends.
    const start = T0 + 121 * MIN;
    expect(step(start, healthy)).toBe(0);
    expect(state.connectors[name]).toEqual({ restarts: 7, lastRestartAt: T0 + 100 * MIN, healthySince: start });
    expect(step(start + 29 * MIN, healthy)).toBe(0);
    expect(state.connectors[name]).toBeDefined();
    // Fails again inside the window: the window is forgotten, back-off continues (not reset).
    expect(step(start + 29 * MIN + 1, failing)).toBe(1);
    expect(state.connectors[name].restarts).toBe(8);
    expect(state.connectors[name].healthySince).toBeUndefined();
    // Stable for the full window (30 min at this count) → record dropped.
    const back = start + 40 * MIN;
    step(back, healthy);
    step(back + 30 * MIN, healthy);
    expect(state.connectors[name]).toBeUndefined();
    // Next failure restarts immediately again.
    expect(step(back + 31 * MIN, failing)).toBe(1);
    expect(state.connectors[name].restarts).toBe(1);
  });

  it('the stable window is at least MIN_STABLE_MS', () => {
    const state: RestartBackoffState = { version: 1, connectors: { [name]: { restarts: 1, lastRestartAt: T0, healthySince: T0 } } };
    expect(
      plan({ actual: observedFrom(d), now: T0 + MIN_STABLE_MS - 1, restartBackoff: state }).nextBackoff.connectors[name],
    ).toBeDefined();
    expect(plan({ actual: observedFrom(d), now: T0 + MIN_STABLE_MS, restartBackoff: state }).nextBackoff.connectors[name]).toBeUndefined();
  });

  it('no automatic restart while paused by the operator; history kept', () => {
    const state: RestartBackoffState = { version: 1, connectors: { [name]: { restarts: 2, lastRestartAt: T0 - 60 * MIN } } };
    const result = plan({ actual: withFailure(observedFrom(d), name, 'task'), intent: { paused: true }, restartBackoff: state, now: T0 });
    expect(result.actions.some((a) => a.kind === 'restart')).toBe(false);
    expect(result.nextBackoff.connectors[name]).toEqual({ restarts: 2, lastRestartAt: T0 - 60 * MIN });
  });

  it('records of connectors that are no longer desired are dropped; of not-yet-observed ones kept', () => {
    const state: RestartBackoffState = {
      version: 1,
      connectors: { gone: { restarts: 3, lastRestartAt: T0 }, [d[1].name]: { restarts: 1, lastRestartAt: T0 } },
    };
    const actual = observedFrom([d[0]]);
    const result = plan({ actual, restartBackoff: state });
    expect(Object.keys(result.nextBackoff.connectors)).toEqual([d[1].name]);
  });

  it('FAILED plus config change → put then restart', () => {
    const next = desired({ topics: ['x'] });
    const kinds = plan({ desired: next, actual: withFailure(observedFrom(d), name, 'connector') }).actions.map(
      (a) => `${a.kind}:${a.name === name}`,
    );
    expect(kinds).toEqual(['put:true', 'put:false', 'restart:true']);
  });

  it('the returned back-off state is JSON round-trippable and does not alias the input', () => {
    const input: RestartBackoffState = { version: 1, connectors: { [name]: { restarts: 1, lastRestartAt: T0 } } };
    const frozen = JSON.stringify(input);
    const result = plan({ actual: withFailure(observedFrom(d), name, 'task'), restartBackoff: input, now: T0 + 10 * MIN });
    expect(JSON.stringify(input)).toBe(frozen);
    expect(parseRestartBackoff(JSON.parse(JSON.stringify(result.nextBackoff)))).toEqual(result.nextBackoff);
  });
});

describe('parseRestartBackoff', () => {
  it('accepts a valid state and drops malformed records', () => {
    expect(
      parseRestartBackoff({
        version: 1,
        connectors: {
          a: { restarts: 2, lastRestartAt: 5, healthySince: 7 },
          b: { restarts: -1, lastRestartAt: 5 },
          c: { restarts: 1 },
          d: 'x',
          e: { restarts: 1.7, lastRestartAt: 3, healthySince: 'no' },
        },
      }),
    ).toEqual({ version: 1, connectors: { a: { restarts: 2, lastRestartAt: 5, healthySince: 7 }, e: { restarts: 1, lastRestartAt: 3 } } });
  });
  it.each([undefined, null, 'x', 3, {}, { version: 2, connectors: {} }, { version: 1, connectors: null }])(
    'falls back to empty for %p',
    (v) => {
      expect(parseRestartBackoff(v)).toEqual(emptyRestartBackoff());
    },
  );
});

describe('planManualRestart (restart action)', () => {
  const d = desired();
  it('default: only owned connectors with a FAILED connector or task', () => {
    const actual = { ...withFailure(observedFrom(d), d[1].name, 'task'), ...FOREIGN };
    expect(planManualRestart({ actual, ownedPattern: OWNED, all: false })).toEqual([
      { kind: 'restart', name: d[1].name, onlyFailed: true },
    ]);
  });
  it('all=true: every owned connector with all tasks, never foreign ones', () => {
    const actual = { ...observedFrom(d), ...FOREIGN };
    const actions = planManualRestart({ actual, ownedPattern: OWNED, all: true });
    expect(actions).toHaveLength(3);
    expect(actions.every((a) => a.kind === 'restart' && !a.onlyFailed && OWNED.test(a.name))).toBe(true);
  });
  it('nothing failed → nothing to restart', () => {
    expect(planManualRestart({ actual: observedFrom(d), ownedPattern: OWNED, all: false })).toEqual([]);
  });
});
