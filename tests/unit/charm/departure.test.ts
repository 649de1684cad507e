// Scale-down: a unit that is itself being removed never deletes, pauses or rewrites connectors;
// only the removal of a relation (or of the last unit) tears down; the remaining leader restores
// what the Kafka Connect side deleted (it deletes this relation's connectors whenever a unit of
// ours departs), under the same names, at the first hook it gets.
import type { FakeConnect, RecordedRequest } from '../../../tools/testkit/fake-connect';
import { APP, authedFake, deployed, events, expectNoSecrets, fastClient, IDS, NAMES, World, teardownWrites } from './world';
import { peerRelation, type EventSpec } from '../../../lib/testing';
import { DEPARTING } from '../../../charm/events/reconciler';

let fake: FakeConnect;
beforeAll(fastClient);
beforeEach(async () => {
  fake = await authedFake();
});
afterEach(async () => {
  await fake.stop();
});

const SELF = `${APP}/0`;
const PEERS = [`${APP}/1`, `${APP}/2`];
const REMOTES: Record<number, string> = { [IDS.source]: 'kafka-a/0', [IDS.target]: 'kafka-b/0', [IDS.connect]: 'kafka-connect/0' };
const OURS = [NAMES.checkpoint, NAMES.heartbeat, NAMES.source].sort();

/** A deployed, integrated leader whose peer relation shows the given other units. */
async function leaderWithPeers(peers: readonly string[]): Promise<World> {
  const w = await deployed(fake);
  const current = w.state.relations.find((r) => r.id === IDS.peer)!;
  w.put(
    peerRelation({
      endpoint: 'peer',
      id: IDS.peer,
      localAppData: current.localAppData,
      peersData: Object.fromEntries(peers.map((p) => [p, {}])),
    }),
  );
  await w.run(events.updateStatus());
  expect([...fake.state.connectors.keys()].sort()).toEqual(OURS);
  return w;
}

/** The Kafka Connect side's reaction to any departure of ours: every connector of the relation goes. */
function connectSideDeletes(): void {
  for (const name of OURS) fake.state.connectors.delete(name);
}

type Step = { label: string; event: (w: World) => EventSpec; drop?: number };

/** This unit's own removal, as Juju sends it: departed per remote unit (departing = this unit), broken per relation, stop, remove. */
function ownRemoval(withPeers: boolean): { departed: Step[]; broken: Step[]; stop: Step; remove: Step } {
  const departed: Step[] = [IDS.source, IDS.target, IDS.connect].map((id) => ({
    label: `departed ${id}`,
    event: (w: World) => events.relationDeparted(w.relation(id), { remoteUnit: REMOTES[id]!, departingUnit: SELF }),
  }));
  if (withPeers) {
    for (const p of PEERS) {
      departed.push({
        label: `peer departed ${p}`,
        event: (w: World) =>
          events.relationDeparted(
            w.state.relations.find((r) => r.id === IDS.peer)!,
            { remoteUnit: p, departingUnit: SELF },
          ),
      });
    }
  }
  const broken: Step[] = [IDS.source, IDS.target, IDS.connect].map((id) => ({
    label: `broken ${id}`,
    event: (w: World) => events.relationBroken(w.relation(id)),
    drop: id,
  }));
  return {
    departed,
    broken,
    stop: { label: 'stop', event: () => events.stop() },
    remove: { label: 'remove', event: () => events.remove() },
  };
}

/** Hook orderings Juju allows for a leaving unit: departed hooks in any relation order, broken after, stop before or after broken. */
function orderings(withPeers: boolean): Step[][] {
  const { departed, broken, stop, remove } = ownRemoval(withPeers);
  const rev = <T>(xs: T[]): T[] => [...xs].reverse();
  const peerFirst = [...departed.filter((d) => d.label.startsWith('peer')), ...departed.filter((d) => !d.label.startsWith('peer'))];
  return [
    [...departed, ...broken, stop, remove],
    [stop, ...rev(departed), ...rev(broken), remove],
    [...peerFirst, stop, broken[2]!, broken[0]!, broken[1]!, remove],
    [...rev(peerFirst), ...broken, stop, remove],
  ];
}

async function runSteps(w: World, steps: readonly Step[], between?: (i: number) => void): Promise<RecordedRequest[]> {
  const requests: RecordedRequest[] = [];
  for (const [i, step] of steps.entries()) {
    between?.(i);
    const r = await w.runCounting(step.event(w));
    requests.push(...r.requests);
    if (step.drop !== undefined) w.drop(step.drop);
  }
  return requests;
}

describe('a unit that is being removed leaves Kafka Connect alone', () => {
  it.each(orderings(true).map((o, i) => [i, o] as const))(
    'leader with peers, ordering %i: no REST write in any of its hooks',
    async (_i, steps) => {
      const w = await leaderWithPeers(PEERS);
      // The Connect side deletes the connectors somewhere in the middle of our unit's removal.
      const requests = await runSteps(w, steps, (i) => i === 1 && connectSideDeletes());
      expect(teardownWrites(requests)).toEqual([]);
      expect(JSON.stringify(w.last.state.storedState)).toContain(DEPARTING);
      expect(w.runs.some((r) => r.jujuLog.some((l) => l.message.includes('this unit is being removed')))).toBe(true);
      expectNoSecrets(w);
    },
  );

  it('a non-leader being removed never talks to Connect at all', async () => {
    const w = await leaderWithPeers(PEERS);
    w.set({ leader: false });
    const requests = await runSteps(w, orderings(true)[0]!, (i) => i === 0 && connectSideDeletes());
    expect(requests).toEqual([]);
  });

  it.each(orderings(false).map((o, i) => [i, o] as const))(
    'the last unit, ordering %i: departed hooks write nothing; relation-broken tears down as a relation removal does',
    async (_i, steps) => {
      const w = await leaderWithPeers([]);
      const requests = await runSteps(w, steps);
      const writes = teardownWrites(requests);
      // Each connector deleted once (by the first broken relation), nothing re-created.
      expect(writes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(OURS.map((n) => `DELETE /connectors/${n}`));
      expect(fake.state.connectors.size).toBe(0);
    },
  );

  it.each(orderings(false).map((o, i) => [i, o] as const))(
    'the last unit, ordering %i, Connect deleting mid-way: nothing re-created',
    async (_i, steps) => {
      const w = await leaderWithPeers([]);
      const requests = await runSteps(w, steps, (i) => i === 1 && connectSideDeletes());
      expect(teardownWrites(requests).filter((r) => r.method !== 'DELETE')).toEqual([]);
      expect(fake.state.connectors.size).toBe(0);
    },
  );

  it('removing a relation (not a unit) still tears down on relation-broken', async () => {
    const w = await leaderWithPeers(PEERS);
    await w.run(events.relationDeparted(w.relation(IDS.source), { remoteUnit: 'kafka-a/0' }));
    const { requests } = await w.runCounting(events.relationBroken(w.relation(IDS.source)));
    expect(
      teardownWrites(requests)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(OURS.map((n) => `DELETE /connectors/${n}`));
  });
});

describe('the remaining leader restores what the Connect side deleted', () => {
  function recreated(requests: readonly RecordedRequest[]): string[] {
    return teardownWrites(requests)
      .map((r) => `${r.method} ${r.path}`)
      .sort();
  }
  const PUTS = OURS.map((n) => `PUT /connectors/${n}/config`);

  it('peer-relation-departed of a non-leader: the connectors come back under the same names, no DELETE', async () => {
    const w = await leaderWithPeers(PEERS);
    connectSideDeletes();
    const peer = w.state.relations.find((r) => r.id === IDS.peer)!;
    const { requests, result } = await w.runCounting(events.relationDeparted(peer, { remoteUnit: PEERS[1]! }));
    expect(recreated(requests)).toEqual(PUTS);
    expect([...fake.state.connectors.keys()].sort()).toEqual(OURS);
    // This unit is not the one leaving.
    expect(JSON.stringify(result.state.storedState)).not.toContain(DEPARTING);
  });

  it('leadership hand-over: the old leader writes nothing while leaving, the new leader converges on leader-elected', async () => {
    const old = await leaderWithPeers(PEERS);
    const successor = old.clone({ leader: false });
    const removal = await runSteps(old, orderings(true)[0]!, (i) => i === 0 && connectSideDeletes());
    expect(teardownWrites(removal)).toEqual([]);
    expect(fake.state.connectors.size).toBe(0);
    successor.set({ leader: true });
    const { requests } = await successor.runCounting(events.leaderElected());
    expect(recreated(requests)).toEqual(PUTS);
  });

  it.each(['update-status', 'config-changed', 'connect-client relation-changed'])(
    'any later hook on the leader restores them too (%s)',
    async (kind) => {
      const w = await leaderWithPeers(PEERS);
      connectSideDeletes();
      const event =
        kind === 'update-status'
          ? events.updateStatus()
          : kind === 'config-changed'
            ? events.configChanged()
            : events.relationChanged(w.relation(IDS.connect), { remoteUnit: 'kafka-connect/0' });
      const { requests } = await w.runCounting(event);
      expect(recreated(requests)).toEqual(PUTS);
    },
  );
});
