import {
  assessHealth,
  heartbeatBoundMs,
  parseAssignedPartitions,
  replicatedPositions,
  stallBoundMs,
  startupGraceMs,
  healthActionResult,
  isValidActionResultKey,
  type AssessInput,
  type HealthSample,
} from '../../../charm/core';

const NOW = 1_800_000_000_000;
const intervals = { refreshTopicsIntervalSeconds: 60, replicationFactor: -1, heartbeats: true };

function sample(over: Partial<HealthSample> = {}): HealthSample {
  return {
    at: NOW,
    partitions: [{ topic: 'orders', partition: 0, remoteTopic: 'orders', sourceEnd: 100, replicated: 100, lag: 0 }],
    missingTopics: [],
    targetBrokers: undefined,
    heartbeat: { enabled: true, topic: 'kafka-a.replica.heartbeats', present: true, newestAt: NOW - 4_000 },
    failures: [],
    offsetsApi: true,
    traces: [],
    ...over,
  };
}
function input(over: Partial<AssessInput> = {}): AssessInput {
  return {
    sample: sample(),
    previous: undefined,
    flowKey: 'f',
    flowLabel: 'kafka-a → kafka-b',
    sourceAlias: 'kafka-a',
    targetAlias: 'kafka-b',
    intervals,
    knownSecrets: ['s3cret'],
    ...over,
  };
}

describe('assessHealth', () => {
  it('Active only with the measured lag and heartbeat age', () => {
    expect(assessHealth(input()).status).toEqual({
      name: 'active',
      message: 'mirroring kafka-a → kafka-b: lag 0 records, heartbeat 4 s ago',
    });
  });

  it('heartbeats off: says liveness comes from lag alone', () => {
    const a = assessHealth(input({ sample: sample({ heartbeat: { enabled: false } }), intervals: { ...intervals, heartbeats: false } }));
    expect(a.status).toEqual({
      name: 'active',
      message: 'mirroring kafka-a → kafka-b: lag 0 records, heartbeats off: liveness from lag alone',
    });
  });

  it("auth failure of the charm's own client → Blocked naming the relation, no secret", () => {
    const a = assessHealth(
      input({
        sample: sample({
          failures: [
            {
              cluster: 'source',
              alias: 'kafka-a',
              kind: 'auth',
              message: 'listing topics on kafka-a failed: SASL/SCRAM authentication failed (s3cret)',
            },
          ],
        }),
      }),
    );
    expect(a.status.name).toBe('blocked');
    expect(a.status.message).toMatch(/kafka-a rejects the source relation's credentials/);
    expect(a.status.message).not.toContain('s3cret');
  });

  it('unreachable cluster → Waiting "not verified", with what to check', () => {
    const a = assessHealth(
      input({
        sample: sample({
          failures: [
            {
              cluster: 'target',
              alias: 'kafka-b',
              kind: 'timeout',
              message: 'listing topics on kafka-b did not answer within 8000 ms (health budget)',
            },
          ],
        }),
      }),
    );
    expect(a.status).toEqual({
      name: 'waiting',
      message:
        'replication not verified: listing topics on kafka-b did not answer within 8000 ms (health budget); check that kafka-b is up and reachable from this unit',
    });
  });

  it('missing topic with replication factor above the target brokers → Blocked with the reason and the fix', () => {
    const a = assessHealth(
      input({
        sample: sample({ missingTopics: [{ topic: 'orders', remoteTopic: 'orders' }], targetBrokers: 1 }),
        intervals: { ...intervals, replicationFactor: 3 },
      }),
    );
    expect(a.status).toEqual({
      name: 'blocked',
      message:
        "not on kafka-b: orders — replication_factor=3 is above kafka-b's 1 broker(s); set replication_factor=-1 (broker default) or at most 1",
    });
  });

  it('missing topic within the start-up grace → Waiting; after it → Blocked', () => {
    const s = sample({ missingTopics: [{ topic: 'orders', remoteTopic: 'orders' }], targetBrokers: 3 });
    expect(assessHealth(input({ sample: s })).status.name).toBe('waiting');
    const old = {
      version: 1 as const,
      flow: 'f',
      since: NOW - startupGraceMs(intervals) - 1,
      at: NOW - 1000,
      replicatedTotal: 100,
      progressAt: NOW - 1000,
    };
    expect(assessHealth(input({ sample: s, previous: old })).status.name).toBe('blocked');
  });

  it('stall: lag > 0 and no progress for the stall bound → Blocked; progress resets it', () => {
    const stuck = sample({
      partitions: [{ topic: 'orders', partition: 0, remoteTopic: 'orders', sourceEnd: 150, replicated: 100, lag: 50 }],
    });
    const prev = {
      version: 1 as const,
      flow: 'f',
      since: NOW - 3_600_000,
      at: NOW - 60_000,
      replicatedTotal: 100,
      progressAt: NOW - stallBoundMs(intervals),
    };
    const a = assessHealth(input({ sample: stuck, previous: prev }));
    expect(a.status.name).toBe('blocked');
    expect(a.status.message).toMatch(/^replication stalled: lag 50 records and nothing replicated for/);
    // progress since the last check: not a stall, and the clock restarts
    const moving = assessHealth(input({ sample: stuck, previous: { ...prev, replicatedTotal: 90 } }));
    expect(moving.status.name).toBe('active');
    expect(moving.memory.progressAt).toBe(NOW);
  });

  it('heartbeat older than the bound → Blocked; none yet within the grace → Waiting', () => {
    const stale = assessHealth(
      input({
        sample: sample({
          heartbeat: { enabled: true, topic: 'kafka-a.replica.heartbeats', present: true, newestAt: NOW - heartbeatBoundMs() - 1000 },
        }),
      }),
    );
    expect(stale.status.name).toBe('blocked');
    expect(stale.status.message).toMatch(/newest heartbeat on kafka-b is \d+ s old/);
    const none = assessHealth(
      input({ sample: sample({ heartbeat: { enabled: true, topic: 'kafka-a.replica.heartbeats', present: false, newestAt: undefined } }) }),
    );
    expect(none.status).toEqual({ name: 'waiting', message: 'waiting for the first heartbeat on kafka-b (lag 0 records)' });
  });

  it('a different connector set starts a new memory', () => {
    const prev = {
      version: 1 as const,
      flow: 'other',
      since: NOW - 3_600_000,
      at: NOW - 60_000,
      replicatedTotal: 5,
      progressAt: NOW - 3_600_000,
    };
    expect(assessHealth(input({ previous: prev })).memory.since).toBe(NOW);
  });
});

describe('parsing Connect data', () => {
  it('task.assigned.partitions with dashes in topic names', () => {
    expect(parseAssignedPartitions('a-b-c-0,heartbeats-0,x-12')).toEqual([
      { topic: 'a-b-c', partition: 0 },
      { topic: 'heartbeats', partition: 0 },
      { topic: 'x', partition: 12 },
    ]);
    expect(parseAssignedPartitions(undefined)).toEqual([]);
  });

  it('source offsets → next offset to replicate, for the source alias only', () => {
    const m = replicatedPositions(
      [
        { partition: { cluster: 'kafka-a', topic: 'orders', partition: 0 }, offset: { offset: 19 } },
        { partition: { cluster: 'other', topic: 'orders', partition: 0 }, offset: { offset: 5 } },
        { partition: { sourceClusterAlias: 'kafka-b', targetClusterAlias: 'kafka-a' }, offset: { offset: 0 } },
      ],
      'kafka-a',
    );
    expect([...m]).toEqual([['orders:0', 20]]);
  });
});

describe('healthActionResult', () => {
  it('uses only Juju-valid keys and puts names in values', () => {
    const res = healthActionResult(
      sample({
        partitions: [
          { topic: 'Orders.V2_x', partition: 3, remoteTopic: 'kafka-a.replica.Orders.V2_x', sourceEnd: 10, replicated: 7, lag: 3 },
        ],
      }),
      { name: 'active', message: 'm' },
      [
        {
          group: 'App_Group',
          state: 'Empty',
          members: 0,
          partitions: [{ topic: 'Orders.V2_x', partition: 3, remoteTopic: 'kafka-a.replica.Orders.V2_x', source: 6, target: 6 }],
        },
      ],
      undefined,
      [],
    );
    const keys: string[] = [];
    const walk = (o: unknown) => {
      if (typeof o !== 'object' || o === null) return;
      for (const [k, v] of Object.entries(o)) {
        keys.push(k);
        walk(v);
      }
    };
    walk(res);
    for (const k of keys) expect(isValidActionResultKey(k)).toBe(true);
    expect(res['total-lag']).toBe('3');
    expect(res['topics']).toEqual({
      'topic-0': {
        name: 'Orders.V2_x',
        'target-name': 'kafka-a.replica.Orders.V2_x',
        partitions: { 'partition-3': { 'source-end-offset': '10', 'replicated-offset': '7', lag: '3' } },
      },
    });
    expect(JSON.stringify(res['consumer-groups'])).toContain('"target-translated":"6"');
  });
});
