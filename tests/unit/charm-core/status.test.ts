import type { ConnectView, KafkaClusterView, RelationReadiness } from '../../../charm/core/cluster';
import { buildMirrorFlow } from '../../../charm/core/connectors';
import type { ObservedConnectors, RestartBackoffState } from '../../../charm/core/plan';
import {
  firstTraceLine,
  isValidActionResultKey,
  statusActionResult,
  summarizeStatus,
  type ActionResult,
  type ActionResultValue,
  type StatusInput,
} from '../../../charm/core/status';
import {
  CONNECT_PASSWORD,
  SECRETS,
  SOURCE_PASSWORD,
  TARGET_PASSWORD,
  config,
  desired,
  observedFrom,
  sourceCluster,
  targetCluster,
} from './fixtures';

const CONNECT: ConnectView = { endpoints: ['http://10.0.2.1:8083'], username: 'relation-12', password: CONNECT_PASSWORD };
const READY = {
  source: { state: 'ready', view: sourceCluster() } as RelationReadiness<KafkaClusterView>,
  target: { state: 'ready', view: targetCluster() } as RelationReadiness<KafkaClusterView>,
  'connect-client': { state: 'ready', view: CONNECT } as RelationReadiness<ConnectView>,
};

function input(overrides: Partial<StatusInput> = {}): StatusInput {
  const d = desired();
  return {
    configErrors: [],
    relations: READY,
    connect: { kind: 'observed', actual: observedFrom(d, { source: 2, checkpoint: 1, heartbeat: 1 }) },
    desired: d,
    intent: { paused: false },
    knownSecrets: SECRETS,
    ...overrides,
  };
}

// A trace that echoes a whole connector config, as Connect's AbstractHerder errors can.
const LEAKY_TRACE =
  `org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed for {sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="relation-9" password="${TARGET_PASSWORD}";, password=${SOURCE_PASSWORD}}\n` +
  '\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:1)\n';

function failing(kind: 'connector' | 'task', trace = LEAKY_TRACE): ObservedConnectors {
  const d = desired();
  const actual = observedFrom(d, { source: 2 });
  const status = actual[d[0].name].status;
  if (!status) throw new Error('no status');
  if (kind === 'connector') status.connector = { ...status.connector, state: 'FAILED', trace };
  else status.tasks[1] = { ...status.tasks[1], state: 'FAILED', trace };
  return actual;
}

function assertNoSecrets(text: string): void {
  for (const s of [...SECRETS, 'ScramLoginModule', 'src-S3cr3t', 'tgt-P@ss']) expect(text).not.toContain(s);
}

describe('summarizeStatus: blocked on operator input', () => {
  it('names missing relations in a fixed order', () => {
    const s = summarizeStatus(
      input({
        relations: { source: { state: 'missing' }, target: READY.target, 'connect-client': { state: 'missing' } },
        connect: { kind: 'not-queried' },
      }),
    );
    expect(s).toEqual({ name: 'blocked', message: 'missing relations: source, connect-client' });
  });

  it('shows the first config error, with a count of the rest', () => {
    const s = summarizeStatus(
      input({
        configErrors: [
          { option: 'topics', message: "topics: invalid regex 'a[b' (unterminated character class); use comma-separated Java regexes" },
          { option: 'tasks_max', message: 'tasks_max: 0 is out of range' },
        ],
      }),
    );
    expect(s).toEqual({
      name: 'blocked',
      message:
        "topics: invalid regex 'a[b' (unterminated character class); use comma-separated Java regexes (+1 more config error in the log)",
    });
  });

  it('combines missing relations and a config error', () => {
    const s = summarizeStatus(
      input({
        relations: { ...READY, target: { state: 'missing' } },
        configErrors: [{ option: 'tasks_max', message: 'tasks_max: 0 is out of range' }],
      }),
    );
    expect(s).toEqual({ name: 'blocked', message: 'missing relations: target; tasks_max: 0 is out of range' });
  });

  it('invalid relation data → blocked naming relation and field', () => {
    const s = summarizeStatus(
      input({
        relations: {
          ...READY,
          'connect-client': {
            state: 'invalid',
            errors: [
              {
                relation: 'connect-client',
                field: 'endpoints',
                message: "connect-client: endpoints: 'x' is not an http(s)://host:port URL",
              },
            ],
          },
        },
      }),
    );
    expect(s).toEqual({ name: 'blocked', message: "connect-client: endpoints: 'x' is not an http(s)://host:port URL" });
  });

  it('flow problems → blocked', () => {
    expect(summarizeStatus(input({ flowProblems: ["source and target are both 'kafka-a'; relate …"] })).name).toBe('blocked');
  });
});

describe('summarizeStatus: waiting', () => {
  it('while credentials/endpoints are not provided yet', () => {
    const s = summarizeStatus(
      input({
        relations: {
          ...READY,
          source: { state: 'incomplete', missingFields: ['username', 'password'] },
          'connect-client': { state: 'incomplete', missingFields: ['endpoints'] },
        },
      }),
    );
    expect(s).toEqual({ name: 'waiting', message: 'waiting for relation data: source (username, password), connect-client (endpoints)' });
  });

  it('when Connect is unreachable (reason redacted)', () => {
    const s = summarizeStatus(input({ connect: { kind: 'unreachable', reason: `401 for relation-12:${CONNECT_PASSWORD}` } }));
    expect(s.name).toBe('waiting');
    expect(s.message).toMatch(/^Kafka Connect unreachable \(401 for relation-12:<redacted>\); retrying on the next hook$/);
  });

  it('when Connect was not queried', () => {
    expect(summarizeStatus(input({ connect: { kind: 'not-queried' } }))).toEqual({
      name: 'waiting',
      message: 'waiting to query Kafka Connect',
    });
  });

  it('while connectors are not created yet', () => {
    const d = desired();
    const actual = observedFrom([d[0]]);
    expect(summarizeStatus(input({ connect: { kind: 'observed', actual } }))).toEqual({
      name: 'waiting',
      message: 'waiting for Kafka Connect to create connectors: checkpoint, heartbeat',
    });
  });

  it.each(['UNASSIGNED', 'RESTARTING'])('%s connector or task → waiting', (state) => {
    const d = desired();
    const actual = observedFrom(d, { source: 2 });
    const s0 = actual[d[0].name].status;
    const s1 = actual[d[1].name].status;
    if (s0) s0.tasks[1].state = state;
    if (s1) s1.connector.state = state;
    expect(summarizeStatus(input({ connect: { kind: 'observed', actual } }))).toEqual({
      name: 'waiting',
      message: `waiting for Kafka Connect to assign work: source task 1 ${state}, checkpoint connector ${state}`,
      transient: true,
    });
  });

  it('unknown states from a newer worker → waiting, not a crash', () => {
    const d = desired();
    const actual = observedFrom(d);
    const s0 = actual[d[0].name].status;
    if (s0) s0.connector.state = 'DEGRADED';
    expect(summarizeStatus(input({ connect: { kind: 'observed', actual } })).message).toBe(
      "waiting: Kafka Connect reports unknown states: source connector 'DEGRADED'",
    );
  });

  it('connector known but its status missing → waiting', () => {
    const d = desired();
    const actual = observedFrom(d);
    delete actual[d[2].name].status;
    expect(summarizeStatus(input({ connect: { kind: 'observed', actual } })).message).toBe(
      'waiting for connector status from Kafka Connect: heartbeat',
    );
  });
});

describe('summarizeStatus: active', () => {
  it('summarises the flow with connector and task counts', () => {
    expect(summarizeStatus(input())).toEqual({ name: 'active', message: 'mirroring kafka-a → kafka-b: 3 connectors RUNNING, 4 tasks' });
  });

  it('RUNNING with 0 tasks because nothing matches → active, saying so', () => {
    const d = desired({ heartbeats: false });
    const actual = observedFrom(d, { source: 0, checkpoint: 0 });
    expect(summarizeStatus(input({ desired: d, connect: { kind: 'observed', actual } }))).toEqual({
      name: 'active',
      message:
        'mirroring kafka-a → kafka-b: 2 connectors RUNNING, 0 tasks; no source topics match the topic filters yet; no consumer groups to translate yet',
    });
    const one = observedFrom(d, { source: 1, checkpoint: 0 });
    expect(summarizeStatus(input({ desired: d, connect: { kind: 'observed', actual: one } })).message).toBe(
      'mirroring kafka-a → kafka-b: 2 connectors RUNNING, 1 task; no consumer groups to translate yet',
    );
  });

  it('paused by intent and PAUSED → active with how to resume', () => {
    const d = desired();
    expect(
      summarizeStatus(input({ intent: { paused: true }, connect: { kind: 'observed', actual: observedFrom(d, {}, 'PAUSED') } })),
    ).toEqual({
      name: 'active',
      message: 'paused by operator (run the resume action): kafka-a → kafka-b, 3 connectors PAUSED',
    });
  });

  it('paused by intent but still RUNNING → maintenance (pausing)', () => {
    const s = summarizeStatus(input({ intent: { paused: true } }));
    expect(s).toEqual({
      name: 'maintenance',
      message: 'pausing kafka-a → kafka-b: 0 of 3 connectors paused (waiting for source, checkpoint, heartbeat)',
    });
  });

  it('PAUSED outside the charm while intent is running → maintenance (resuming)', () => {
    const d = desired();
    const actual = observedFrom(d);
    const s0 = actual[d[0].name].status;
    if (s0) s0.connector.state = 'STOPPED';
    expect(summarizeStatus(input({ connect: { kind: 'observed', actual } }))).toEqual({
      name: 'maintenance',
      message: 'resuming kafka-a → kafka-b: source STOPPED (paused outside the charm)',
    });
  });
});

describe('summarizeStatus: FAILED → blocked with redacted first trace line', () => {
  it.each(['connector', 'task'] as const)('failed %s', (kind) => {
    const s = summarizeStatus(input({ connect: { kind: 'observed', actual: failing(kind) } }));
    expect(s.name).toBe('blocked');
    const what = kind === 'connector' ? 'source connector FAILED' : 'source task 1 FAILED';
    expect(s.message.startsWith(`${what}: org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed`)).toBe(true);
    expect(s.message.endsWith('; run the restart action')).toBe(true);
    expect(s.message).not.toContain('NetworkClient');
    assertNoSecrets(s.message);
  });

  it('redacts even when no known secrets are passed (pattern layer)', () => {
    const s = summarizeStatus(input({ knownSecrets: [], connect: { kind: 'observed', actual: failing('task') } }));
    assertNoSecrets(s.message);
  });

  it('FAILED takes priority over paused intent and transient states, and counts further failures', () => {
    const d = desired();
    const actual = failing('connector');
    const s1 = actual[d[1].name].status;
    if (s1) s1.tasks[0] = { ...s1.tasks[0], state: 'FAILED', trace: 'java.lang.RuntimeException: x' };
    const s2 = actual[d[2].name].status;
    if (s2) s2.connector.state = 'UNASSIGNED';
    const s = summarizeStatus(input({ intent: { paused: true }, connect: { kind: 'observed', actual } }));
    expect(s.name).toBe('blocked');
    expect(s.message).toContain('(+1 more)');
  });

  it('shows the automatic restart count and when the next one is due', () => {
    const d = desired();
    const backoff: RestartBackoffState = { version: 1, connectors: { [d[0].name]: { restarts: 2, lastRestartAt: 1_000_000 } } };
    const s = summarizeStatus(
      input({ connect: { kind: 'observed', actual: failing('task', 'java.lang.X: y') }, restartBackoff: backoff, now: 1_000_000 + 60_000 }),
    );
    expect(s.message).toBe('source task 1 FAILED: java.lang.X: y; auto-restarted 2x, next in 5 min; run the restart action');
    const due = summarizeStatus(
      input({
        connect: { kind: 'observed', actual: failing('task', 'java.lang.X: y') },
        restartBackoff: backoff,
        now: 1_000_000 + 6 * 60_000,
      }),
    );
    expect(due.message).toContain('next on the next hook');
  });

  it('a missing trace is said plainly; long lines are shortened', () => {
    const d = desired();
    const actual = observedFrom(d);
    const s0 = actual[d[0].name].status;
    if (s0) s0.connector.state = 'FAILED';
    expect(summarizeStatus(input({ connect: { kind: 'observed', actual } })).message).toBe(
      'source connector FAILED: no trace reported; run the restart action',
    );
    const long = firstTraceLine(`java.lang.X: ${'y'.repeat(500)}`, []);
    expect(long.length).toBe(200);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('statusActionResult', () => {
  const d = desired();
  const flow = buildMirrorFlow(config(), sourceCluster(), targetCluster());

  function collectKeys(value: ActionResultValue, out: string[] = []): string[] {
    if (typeof value === 'string') return out;
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      collectKeys(v, out);
    }
    return out;
  }

  function result(actual: ObservedConnectors | undefined, extra: Partial<Parameters<typeof statusActionResult>[0]> = {}): ActionResult {
    return statusActionResult({
      summary: summarizeStatus(
        input(actual ? { connect: { kind: 'observed', actual } } : { connect: { kind: 'unreachable', reason: 'ECONNREFUSED' } }),
      ),
      desired: d,
      actual,
      flow,
      intent: { paused: false },
      mirroredTopics: ['orders', 'payments'],
      knownSecrets: SECRETS,
      ...extra,
    });
  }

  it('reports flow, per-connector state, worker and tasks with Juju-valid keys and string values', () => {
    const r = result(failing('task'));
    for (const key of collectKeys(r)) expect(isValidActionResultKey(key)).toBe(true);
    expect(r.flow).toEqual({
      source: 'kafka-a',
      target: 'kafka-b',
      direction: 'kafka-a -> kafka-b',
      topics: '.*',
      'topics-exclude': flow.topicsExclude,
      groups: '.*',
      'groups-exclude': 'console-consumer-.*,__.*',
      'replication-policy': 'identity (remote topics keep their names)',
      'offset-syncs-topic-location': 'target',
    });
    expect(r.paused).toBe('false');
    const connectors = r.connectors as Record<string, Record<string, ActionResultValue>>;
    expect(Object.keys(connectors)).toEqual(['source', 'checkpoint', 'heartbeat']);
    expect(connectors.source.name).toBe(d[0].name);
    expect(connectors.source.state).toBe('RUNNING');
    expect(connectors.source.worker).toBe('10.0.2.1:8083');
    expect(connectors.source['task-count']).toBe('2');
    const tasks = connectors.source.tasks as Record<string, Record<string, string>>;
    expect(tasks['task-0']).toEqual({ id: '0', state: 'RUNNING', worker: '10.0.2.1:8083' });
    expect(tasks['task-1'].state).toBe('FAILED');
    expect(tasks['task-1'].trace).toMatch(/^org\.apache\.kafka\.common\.errors\.SaslAuthenticationException/);
    expect(r['mirrored-topics']).toEqual({ count: '2', names: 'orders,payments' });
    expect(r.summary).toMatch(/^blocked: source task 1 FAILED/);
    assertNoSecrets(JSON.stringify(r));
  });

  it('prefix policy is described with the remote topic naming', () => {
    const prefixed = buildMirrorFlow(config({ prefixTopics: true }), sourceCluster(), targetCluster());
    const r = result(observedFrom(d), { flow: prefixed });
    expect((r.flow as Record<string, string>)['replication-policy']).toBe('prefix (remote topics are named kafka-a.replica.<topic>)');
  });

  it('Connect unreachable, connectors not created, restart counts', () => {
    const unreachable = result(undefined);
    expect((unreachable.connectors as Record<string, Record<string, string>>).source.state).toBe('unknown (Kafka Connect not reachable)');
    const partial = result(observedFrom([d[0]]), {
      restartBackoff: { version: 1, connectors: { [d[0].name]: { restarts: 3, lastRestartAt: 0 } } },
      mirroredTopics: undefined,
    });
    const c = partial.connectors as Record<string, Record<string, string>>;
    expect(c.checkpoint.state).toBe('not created');
    expect(c.source['auto-restarts']).toBe('3');
    expect(partial).not.toHaveProperty('mirrored-topics');
  });

  it('isValidActionResultKey follows Juju rules', () => {
    for (const k of ['a', 'task-0', 'topics-exclude', '0']) expect(isValidActionResultKey(k)).toBe(true);
    for (const k of ['', 'A', 'a_b', '-a', 'a-', 'a.b', 'stdout', 'stderr', 'stdout-encoding'])
      expect(isValidActionResultKey(k)).toBe(false);
  });
});
