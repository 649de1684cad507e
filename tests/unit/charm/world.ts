// A small test world for the MirrorMaker charm: one unit of the charm run through the lib/testing
// harness (hook tools served by lib/sim), the three providers' relation data with their Juju
// secrets, and a fake Kafka Connect over real HTTP that the connect-client endpoints point at.
import * as path from 'node:path';
import { MirrorMakerCharm } from '../../../charm/charm';
import { runtime } from '../../../charm/events/runtime';
import { healthRuntime } from '../../../charm/events/health-check';
import { fakeAdminFactory, fakeCluster } from '../health/fake-kafka';
import {
  Context,
  events,
  peerRelation,
  relation,
  secret,
  state,
  type EventSpec,
  type RelationState,
  type RunResult,
  type SecretState,
  type State,
} from '../../../lib/testing';
import { startFakeConnect, type FakeConnect, type RecordedRequest } from '../../../tools/testkit/fake-connect';

export const APP = 'mirrormaker-connect-integrator';
export const MODEL_UUID = '8c3b1a2e-5f4d-4e6a-9b7c-0d1e2f3a4b5c';
export const UUID_HEX = MODEL_UUID.replace(/-/g, '');

// Real password strings: asserted absent from every record.
export const SOURCE_PASSWORD = 'srcScram-Pw-7Qx2vN';
export const TARGET_PASSWORD = 'tgtScram-Pw-K9m4Zr';
export const REST_PASSWORD = 'restConn-Pw-3Hq8Lw';
export const REST_USER = 'relation-12';
export const ALL_SECRETS = [
  SOURCE_PASSWORD,
  TARGET_PASSWORD,
  REST_PASSWORD,
  Buffer.from(`${REST_USER}:${REST_PASSWORD}`).toString('base64'),
  `password="${SOURCE_PASSWORD}"`,
];

export const IDS = { peer: 1, source: 10, target: 11, connect: 12 } as const;

export function connectorName(kind: 'source' | 'checkpoint' | 'heartbeat', connectRelationId: number = IDS.connect): string {
  return `mirror_${kind}_${APP}_r${connectRelationId}_${UUID_HEX}`;
}
export const NAMES = {
  source: connectorName('source'),
  checkpoint: connectorName('checkpoint'),
  heartbeat: connectorName('heartbeat'),
};

export const ctx = new Context(MirrorMakerCharm, { charmDir: path.resolve(__dirname, '../../..') });

/** No real sleeping in retries; a short budget so "Connect down" costs milliseconds. */
export function fastClient(): void {
  // The periodic health check has its own tests (tests/unit/health); here it would add calls.
  // The status action still measures: against empty, healthy fake clusters.
  healthRuntime.periodic = false;
  healthRuntime.adminFactory = fakeAdminFactory({ 'kafka-a': fakeCluster(), 'kafka-b': fakeCluster() });
  runtime.clientTuning = {
    requestTimeoutMs: 2_000,
    totalBudgetMs: 8_000,
    sleep: async () => undefined,
    backoff: { maxUnreachableRounds: 1, maxAttempts: 3 },
  };
}

export const secrets = {
  sourceUser: secret({ ownerApp: 'kafka-a', content: { username: 'relation-10', password: SOURCE_PASSWORD } }),
  sourceTls: secret({ ownerApp: 'kafka-a', content: { tls: 'disabled', 'tls-ca': 'disabled' } }),
  targetUser: secret({ ownerApp: 'kafka-b', content: { username: 'relation-11', password: TARGET_PASSWORD } }),
  connectUser: secret({ ownerApp: 'kafka-connect', content: { username: REST_USER, password: REST_PASSWORD } }),
};

export function sourceData(): Record<string, string> {
  return {
    endpoints: '10.1.0.1:9092,10.1.0.2:9092',
    topic: '__mirrormaker-user',
    'secret-user': secrets.sourceUser.id,
    'secret-tls': secrets.sourceTls.id,
  };
}
export function targetData(): Record<string, string> {
  return { endpoints: '10.2.0.1:9092', topic: '__mirrormaker-user', 'secret-user': secrets.targetUser.id };
}
export function connectData(fake: FakeConnect): Record<string, string> {
  return { endpoints: fake.url, 'secret-user': secrets.connectUser.id };
}

export const blank = {
  source: () =>
    relation({
      endpoint: 'source',
      remoteApp: 'kafka-a',
      id: IDS.source,
      remoteEndpoint: 'kafka-client',
      remoteUnitsData: { 'kafka-a/0': {} },
    }),
  target: () =>
    relation({
      endpoint: 'target',
      remoteApp: 'kafka-b',
      id: IDS.target,
      remoteEndpoint: 'kafka-client',
      remoteUnitsData: { 'kafka-b/0': {} },
    }),
  connect: () =>
    relation({
      endpoint: 'connect-client',
      remoteApp: 'kafka-connect',
      id: IDS.connect,
      remoteEndpoint: 'connect-client',
      remoteUnitsData: { 'kafka-connect/0': {} },
    }),
  peer: () => peerRelation({ endpoint: 'peer', id: IDS.peer }),
};

/** Every text a run exposes: logs, stdout/stderr, the tool transcript, statuses, action output, databags. */
export function exposedTexts(r: RunResult): string[] {
  const out = [r.stdout, r.stderr, JSON.stringify(r.actionResults ?? {}), r.actionFailure ?? '', ...r.actionLogs];
  for (const l of r.jujuLog) out.push(l.message);
  for (const t of r.transcript) out.push([t.tool, ...t.args, t.error ?? ''].join(' '));
  for (const s of [...r.unitStatusHistory, ...r.appStatusHistory, r.state.unitStatus, r.state.appStatus]) out.push(s.message);
  for (const rel of r.state.relations) out.push(JSON.stringify(rel.localAppData), JSON.stringify(rel.localUnitData));
  out.push(JSON.stringify(r.state.storedState));
  return out;
}

/** Drives one unit through events, keeping its State, every run's records and the fake's requests. */
export class World {
  state: State;
  readonly runs: RunResult[] = [];

  constructor(
    readonly fake: FakeConnect,
    init: Partial<State> = {},
  ) {
    this.state = state({
      leader: true,
      modelUuid: MODEL_UUID,
      secrets: Object.values(secrets),
      ...init,
    });
  }

  /** Another World over the same fake, starting from this one's State. */
  clone(changes: Partial<State> = {}): World {
    const w = new World(this.fake);
    w.state = { ...this.state, ...changes };
    return w;
  }

  get last(): RunResult {
    const r = this.runs[this.runs.length - 1];
    if (!r) throw new Error('no run yet');
    return r;
  }

  async run(event: EventSpec): Promise<RunResult> {
    const r = await ctx.runWithRecords(event, this.state);
    this.runs.push(r);
    if (r.exitCode !== 0) throw new Error(`${JSON.stringify(event)} exited ${r.exitCode}:\n${r.stderr}`);
    this.state = r.state;
    return r;
  }

  /** Runs and returns the REST requests the fake received during the run. */
  async runCounting(event: EventSpec): Promise<{ result: RunResult; requests: RecordedRequest[] }> {
    const before = this.fake.requests.length;
    const result = await this.run(event);
    return { result, requests: this.fake.requests.slice(before) };
  }

  relation(id: number): RelationState {
    const rel = this.state.relations.find((r) => r.id === id);
    if (!rel || rel.kind !== 'regular') throw new Error(`no regular relation ${id}`);
    return rel;
  }

  /** Adds a relation (or replaces it by id). */
  put(rel: State['relations'][number]): void {
    const others = this.state.relations.filter((r) => r.id !== rel.id);
    this.state = { ...this.state, relations: [...others, rel] };
  }

  /** The provider publishes (replaces) its app databag. */
  publish(id: number, data: Record<string, string>): RelationState {
    const rel = { ...this.relation(id), remoteAppData: data };
    this.put(rel);
    return rel;
  }

  drop(id: number): void {
    this.state = { ...this.state, relations: this.state.relations.filter((r) => r.id !== id) };
  }

  set(changes: Partial<State>): void {
    this.state = { ...this.state, ...changes };
  }

  replaceSecret(s: SecretState): void {
    this.state = { ...this.state, secrets: [...this.state.secrets.filter((x) => x.id !== s.id), s] };
  }

  peerAppData(): Readonly<Record<string, string>> {
    const p = this.state.relations.find((r) => r.id === IDS.peer);
    return p ? p.localAppData : {};
  }

  allTexts(): string[] {
    return this.runs.flatMap(exposedTexts);
  }

  /** Relates all three endpoints in Juju's order: created → joined → changed (with provider data). */
  async integrate(): Promise<void> {
    const steps: [() => RelationState, string, () => Record<string, string>][] = [
      [blank.source, 'kafka-a/0', sourceData],
      [blank.target, 'kafka-b/0', targetData],
      [blank.connect, 'kafka-connect/0', () => connectData(this.fake)],
    ];
    for (const [make, unit, data] of steps) {
      const rel = make();
      this.put(rel);
      await this.run(events.relationCreated(rel));
      await this.run(events.relationJoined(this.relation(rel.id), { remoteUnit: unit }));
      const published = this.publish(rel.id, data());
      await this.run(events.relationChanged(published, { remoteUnit: unit }));
    }
  }

  /** install, peer relation-created, leader-elected, config-changed, start. */
  async deploy(): Promise<void> {
    await this.run(events.install());
    const peer = blank.peer();
    this.put(peer);
    await this.run(events.relationCreated(peer));
    await this.run(events.leaderElected());
    await this.run(events.configChanged());
    await this.run(events.start());
  }
}

export async function deployed(fake: FakeConnect, init: Partial<State> = {}): Promise<World> {
  const w = new World(fake, init);
  await w.deploy();
  await w.integrate();
  return w;
}

export async function authedFake(): Promise<FakeConnect> {
  return startFakeConnect({ auth: { username: REST_USER, password: REST_PASSWORD } });
}

/** Fails when any real secret (or a JAAS string) shows up in any text of any run. */
export function expectNoSecrets(w: World): void {
  const texts = w.allTexts();
  expect(texts.length).toBeGreaterThan(0);
  for (const text of texts) {
    for (const s of ALL_SECRETS) expect(text).not.toContain(s);
    expect(text).not.toMatch(/LoginModule required username=/);
  }
}

/** Requests that change Connect (config validation is a PUT that writes nothing). */
export function writesOf(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.method !== 'GET' && !/^\/connector-plugins\/[^/]+\/config\/validate$/.test(r.path));
}

/**
 * Writes of a teardown, with the `PUT …/stop` that precedes a source connector's DELETE left out
 * (the charm stops it first so its tasks commit their offsets). A stop not followed by the
 * DELETE of the same connector stays in.
 */
export function teardownWrites(requests: readonly RecordedRequest[]): RecordedRequest[] {
  const writes = writesOf(requests);
  return writes.filter((r, i) => {
    const m = r.method === 'PUT' ? /^(\/connectors\/[^/]+)\/stop$/.exec(r.path) : null;
    return !(m && writes.slice(i + 1).some((d) => d.method === 'DELETE' && d.path === m[1]));
  });
}

export { events };
