// Removal of the connect-client relation, in every order Juju allows between the two sides: each
// side gets relation-departed for the other's unit, then relation-broken, but the two sides'
// hooks interleave freely. The Kafka Connect side deletes this relation's connectors on its
// departed and revokes the REST credentials (removes the secret) on its broken. Whatever the order,
// this charm never re-creates a connector once the last Kafka Connect unit departed, and deletes
// its own while it can still read the credentials.
import type { FakeConnect, RecordedRequest } from '../../../tools/testkit/fake-connect';
import { authedFake, deployed, events, expectNoSecrets, fastClient, IDS, NAMES, secrets, World, teardownWrites } from './world';
import { CONNECT_GOING } from '../../../charm/events/reconciler';

let fake: FakeConnect;
beforeAll(fastClient);
beforeEach(async () => {
  fake = await authedFake();
});
afterEach(async () => {
  await fake.stop();
});

const OURS = [NAMES.checkpoint, NAMES.heartbeat, NAMES.source].sort();
const KC0 = 'kafka-connect/0';

/** Our hooks (D: relation-departed of the last Kafka Connect unit, B: relation-broken, U: update-status) and the Connect side's (X: deletes our connectors, Y: revokes the credentials). */
type Step = 'D' | 'B' | 'U' | 'X' | 'Y';

function withoutRemoteUnit(w: World, unit: string): void {
  const rel = w.relation(IDS.connect);
  w.put({ ...rel, remoteUnitsData: Object.fromEntries(Object.entries(rel.remoteUnitsData).filter(([u]) => u !== unit)) });
}

async function step(w: World, s: Step): Promise<RecordedRequest[]> {
  switch (s) {
    case 'X':
      for (const n of OURS) fake.state.connectors.delete(n);
      return [];
    case 'Y':
      w.set({ secrets: w.state.secrets.filter((x) => x.id !== secrets.connectUser.id) });
      return [];
    case 'D': {
      const { requests } = await w.runCounting(events.relationDeparted(w.relation(IDS.connect), { remoteUnit: KC0 }));
      withoutRemoteUnit(w, KC0);
      return requests;
    }
    case 'U':
      return (await w.runCounting(events.updateStatus())).requests;
    case 'B': {
      const { requests } = await w.runCounting(events.relationBroken(w.relation(IDS.connect)));
      w.drop(IDS.connect);
      return requests;
    }
  }
}

/** Every interleaving of two sequences, each kept in its own order. */
function interleavings<T>(a: readonly T[], b: readonly T[]): T[][] {
  if (a.length === 0) return [[...b]];
  if (b.length === 0) return [[...a]];
  return [...interleavings(a.slice(1), b).map((r) => [a[0]!, ...r]), ...interleavings(a, b.slice(1)).map((r) => [b[0]!, ...r])];
}

const ORDERS = [...interleavings<Step>(['D', 'B'], ['X', 'Y']), ...interleavings<Step>(['D', 'U', 'B'], ['X', 'Y'])].map((o) =>
  o.join(' '),
);

async function integrated(): Promise<World> {
  const w = await deployed(fake);
  expect([...fake.state.connectors.keys()].sort()).toEqual(OURS);
  return w;
}

describe('remove-relation connect-client, both sides interleaved', () => {
  it.each(ORDERS)('order %s: no connector is re-created, none of ours is left', async (order) => {
    const w = await integrated();
    const steps = order.split(' ') as Step[];
    const readableAtD = steps.indexOf('Y') > steps.indexOf('D');
    const deletedByConnectBeforeD = steps.indexOf('X') < steps.indexOf('D');
    const ourWrites: RecordedRequest[] = [];
    for (const s of steps) ourWrites.push(...teardownWrites(await step(w, s)));
    expect(ourWrites.filter((r) => r.method !== 'DELETE')).toEqual([]);
    expect(ourWrites.every((r) => OURS.some((n) => r.path === `/connectors/${n}`))).toBe(true);
    if (readableAtD && !deletedByConnectBeforeD) {
      // Deleted by our own departed hook, while the credentials could still be read.
      expect(ourWrites.map((r) => `${r.method} ${r.path}`).sort()).toEqual(OURS.map((n) => `DELETE /connectors/${n}`));
    }
    expect(fake.state.connectors.size).toBe(0);
    // The mark does not outlive the relation.
    expect(JSON.stringify(w.state.storedState)).not.toContain(CONNECT_GOING);
    expect(w.last.state.unitStatus).toMatchObject({ name: 'blocked' });
    expectNoSecrets(w);
  });

  it('a follower marks the departure too: made leader before its relation-broken, it writes nothing', async () => {
    const leader = await integrated();
    const follower = leader.clone({ leader: false });
    await step(follower, 'X');
    expect(teardownWrites(await step(follower, 'D'))).toEqual([]);
    follower.set({ leader: true });
    const { requests } = await follower.runCounting(events.leaderElected());
    expect(teardownWrites(requests).filter((r) => r.method !== 'DELETE')).toEqual([]);
    await step(follower, 'Y');
    expect(teardownWrites(await step(follower, 'B'))).toEqual([]);
    expect(fake.state.connectors.size).toBe(0);
  });

  it('one Kafka Connect unit of two departs: not a removal, the leader restores what Connect deleted', async () => {
    const w = await integrated();
    w.put({ ...w.relation(IDS.connect), remoteUnitsData: { [KC0]: {}, 'kafka-connect/1': {} } });
    await step(w, 'X');
    const writes = teardownWrites(await step(w, 'D'));
    expect(writes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(OURS.map((n) => `PUT /connectors/${n}/config`));
    expect(JSON.stringify(w.state.storedState)).not.toContain(CONNECT_GOING);
  });

  it('the last Kafka Connect unit departs and a new one joins: the connectors come back', async () => {
    const w = await integrated();
    expect(teardownWrites(await step(w, 'D')).every((r) => r.method === 'DELETE')).toBe(true);
    expect(fake.state.connectors.size).toBe(0);
    expect(teardownWrites(await step(w, 'U'))).toEqual([]);
    w.put({ ...w.relation(IDS.connect), remoteUnitsData: { 'kafka-connect/1': {} } });
    const { requests } = await w.runCounting(events.relationJoined(w.relation(IDS.connect), { remoteUnit: 'kafka-connect/1' }));
    expect(
      teardownWrites(requests)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(OURS.map((n) => `PUT /connectors/${n}/config`));
    expect(JSON.stringify(w.state.storedState)).not.toContain(CONNECT_GOING);
  });
});
