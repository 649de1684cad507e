/**
 * The lifecycle driver: `juju deploy / add-unit / remove-unit / integrate / remove-relation /
 * config / run / refresh / resolve` over a lib/sim model, with Juju's event orderings (each
 * operation's comment below lists its order), running every event as a real `dispatch` process
 * (dispatcher.ts) served by the agent.
 *
 * Events wait in one queue; each unit's events run in order, one at a time, as Juju runs one uniter
 * per unit. Between units there is no order: which unit runs next is drawn from a seeded PRNG, so
 * every interleaving Juju could produce is possible and a failing one can be replayed (the seed is
 * in `seed`, settable with the `seed` option or LOCALMODEL_SEED). After each hook commits, the
 * events its changes cause (relation-changed on the other side, secret-changed on consumers, …) are
 * queued too, and the queue runs until the model settles, bounded by `maxEvents` (a livelock is an
 * error that names the events). A hook that exits non-zero puts its unit into error (`hook failed:
 * "<hook>"`): its writes are discarded and the unit runs nothing else. With the model setting
 * `automatically-retry-hooks` (true by default, as in Juju) the failed hook is retried with
 * back-off while the other units go on; otherwise (or once the retries of one operation are spent)
 * it waits for `resolve`. Each unit has its own copy of the charm directory, as on Juju.
 *
 * State (the sim model, charms, per-unit agent state, the queue and an event history) persists as
 * JSON in the model directory, so successive CLI commands act on the same model.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import {
  addApplication,
  addRelation,
  addUnit as simAddUnit,
  appOfUnit,
  compareUnitNames,
  createModel,
  effectiveConfig,
  findRelation,
  leaderOf,
  prefilledUnitBag,
  relationEnds,
  setLeader,
  unitsOf,
  type ActionRun,
  type JujuModel,
  type SimCharmMeta,
  type SimRelation,
  type StatusRecord,
  type TriggeredEvent,
} from '../sim';
import { ToolAgent } from './agent';
import { CharmRefusal, linkTree, loadCharmDir, removeCharmFiles, unpackCharm, type LoadedCharm } from './charm';
import { DEFAULT_SYSTEM_PATH, dispatch, type DispatchOutcome } from './dispatcher';
import type { ToolCallRecord } from '../sim';
import type { HookRecord } from './status';
import type { ShimKind } from './shim';
import { Refusal, validateActionParams, validateConfig } from './validate';

export { Refusal } from './validate';
export { CharmRefusal } from './charm';
export type { ShimKind } from './shim';

/** The model did not settle: hooks keep causing hooks. */
export class LivelockError extends Error {}

/** One queued hook (actions run directly), or the internal step that deletes a removed unit. */
export interface QueuedEvent {
  readonly unit: string;
  readonly hook: string;
  readonly relationId?: number;
  readonly remoteUnit?: string;
  readonly remoteApp?: string;
  readonly departingUnit?: string;
  readonly secret?: { readonly id: string; readonly label?: string; readonly revision?: number };
}

/** One event that ran, as the history (and tests) see it: the views' HookRecord with the full tool-call records. */
export interface EventRecord extends HookRecord {
  /** The hook's tool calls (argv with secret content redacted), as `show-unit`/`debug-log` show them. */
  readonly tools?: readonly ToolCallRecord[];
}

export interface AppState {
  /** What was deployed: a .charm file or a charm directory (absolute). */
  source: string;
  revision: number;
  /** Unpacked .charm (shared by units through hard links), or the charm directory itself. */
  charmDir: string;
  packed: boolean;
  env: Record<string, string>;
}

export interface UnitState {
  charmDir: string;
  life: 'alive' | 'dying';
  /** The hook that failed; nothing else runs on the unit until it is resolved. */
  failed?: QueuedEvent;
  statusBeforeError?: StatusRecord;
  /** Automatic retries of `failed` so far, and when the next one is due (ms since the epoch). */
  retries?: number;
  retryAt?: number;
}

/** Model settings the local model honours (`juju model-config`). */
export interface ModelConfig {
  'automatically-retry-hooks': boolean;
}

export interface PersistedState {
  format: 1;
  model: JujuModel;
  apps: Record<string, AppState>;
  units: Record<string, UnitState>;
  queue: QueuedEvent[];
  history: EventRecord[];
  /** Interleaving seed and the PRNG state it has reached (persisted so CLI steps replay too). */
  seed?: number;
  rng?: number;
  modelConfig?: ModelConfig;
}

export interface LocalModelOptions {
  /** Where state and unpacked charms live; a temporary directory (removed on close) when omitted. */
  readonly modelDir?: string;
  readonly modelName?: string;
  /** System PATH after the tools directory (Juju's machine default when omitted; '' for none). */
  readonly systemPath?: string;
  readonly hookTimeoutMs?: number;
  /** Bound on events run to settle after one operation. */
  readonly maxEvents?: number;
  readonly shim?: 'auto' | ShimKind;
  readonly cacheDir?: string;
  /** Interleaving seed for a new model (default: LOCALMODEL_SEED, else random). */
  readonly seed?: number;
  /** Overrides the model's `automatically-retry-hooks` setting for this session. */
  readonly autoRetryHooks?: boolean;
  /** First automatic-retry delay; doubles per retry up to 16×. Default 50 ms (LOCALMODEL_RETRY_DELAY_MS). */
  readonly retryDelayMs?: number;
  /** Automatic retries of one failed hook within one operation before it waits (default 4). */
  readonly maxHookRetries?: number;
  /** 'kubernetes' makes a Kubernetes (caas) model: K8s hook env, and charms are checked against `assumes`. Default 'machine'. */
  readonly modelType?: 'machine' | 'kubernetes';
}

/** The seed from LOCALMODEL_SEED, or a fresh random one. */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['LOCALMODEL_SEED'];
  if (text !== undefined && text !== '') {
    if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new Error(`LOCALMODEL_SEED="${text}" is not an integer in 0..4294967295`);
    return Number(text);
  }
  return Math.floor(Math.random() * 0x100000000);
}

/** mulberry32: a small, fast PRNG whose whole state is one 32-bit number (so it persists). */
function nextRandom(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 0x100000000, state: next };
}

export interface DeployOptions {
  readonly app?: string;
  readonly units?: number;
  readonly config?: Readonly<Record<string, string | number | boolean | null>>;
  /** Extra environment for this application's hook processes. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ActionOutcome {
  readonly id: string;
  readonly unit: string;
  readonly action: string;
  readonly status: 'completed' | 'failed';
  readonly results: Record<string, unknown>;
  readonly message?: string;
  readonly logs: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly returnCode: number;
}

const STATE_FILE = 'localmodel.json';
/** Tool calls kept per hook in the history (a runaway hook must not bloat the state file). */
const MAX_TRANSCRIPT_CALLS = 500;
const APP_NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$/;

function describeEvent(e: QueuedEvent): string {
  const extra = [
    e.relationId !== undefined ? `relation ${e.relationId}` : '',
    e.remoteUnit ? `remote ${e.remoteUnit}` : '',
    e.secret ? e.secret.id : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${e.unit} ${e.hook}${extra ? ` (${extra})` : ''}`;
}

function sameEvent(a: QueuedEvent, b: QueuedEvent): boolean {
  return (
    a.unit === b.unit &&
    a.hook === b.hook &&
    a.relationId === b.relationId &&
    (a.remoteUnit ?? '') === (b.remoteUnit ?? '') &&
    (a.secret?.id ?? '') === (b.secret?.id ?? '')
  );
}

function fromTriggered(t: TriggeredEvent): QueuedEvent {
  return {
    unit: t.unit,
    hook: t.hook,
    ...(t.relationId !== undefined ? { relationId: t.relationId } : {}),
    ...(t.remoteUnit !== undefined ? { remoteUnit: t.remoteUnit } : {}),
    ...(t.remoteApp !== undefined ? { remoteApp: t.remoteApp } : {}),
    ...(t.secretId !== undefined
      ? {
          secret: {
            id: t.secretId,
            ...(t.secretLabel !== undefined ? { label: t.secretLabel } : {}),
            ...(t.secretRevision !== undefined ? { revision: t.secretRevision } : {}),
          },
        }
      : {}),
  };
}

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function setStatus(current: StatusRecord, history: StatusRecord[], next: StatusRecord): void {
  history.push({ ...current, data: { ...current.data } });
  Object.assign(current, next);
}

export class LocalModel {
  readonly modelDir: string;
  private readonly temporary: boolean;
  private readonly agent: ToolAgent;
  private readonly options: LocalModelOptions;
  private state: PersistedState;

  private constructor(modelDir: string, temporary: boolean, agent: ToolAgent, state: PersistedState, options: LocalModelOptions) {
    this.modelDir = modelDir;
    this.temporary = temporary;
    this.agent = agent;
    this.state = state;
    this.options = options;
  }

  /** Open (or create) the model in `modelDir` and start its agent. Call close() when done. */
  static async open(options: LocalModelOptions = {}): Promise<LocalModel> {
    const temporary = options.modelDir === undefined;
    const modelDir = path.resolve(options.modelDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-')));
    // The state holds every secret's content: the directory is the user's alone (0700), the file 0600.
    const existed = fs.existsSync(modelDir);
    fs.mkdirSync(modelDir, { recursive: true, mode: 0o700 });
    const file = path.join(modelDir, STATE_FILE);
    // An existing directory is tightened only when it is a model directory (never e.g. the cwd).
    if (!existed || fs.existsSync(file)) fs.chmodSync(modelDir, 0o700);
    let state: PersistedState;
    if (fs.existsSync(file)) {
      state = JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
      if (state.format !== 1) throw new Error(`${file}: unsupported state format ${String(state.format)}`);
      const existing = state.model.type === 'caas' ? 'kubernetes' : 'machine';
      if (options.modelType !== undefined && options.modelType !== existing) {
        throw new Error(`${modelDir} holds a ${existing} model; a model type is chosen when a model is created (use another --model-dir)`);
      }
    } else {
      state = {
        format: 1,
        model: createModel({
          name: options.modelName ?? 'local',
          uuid: randomUUID(),
          ...(options.modelType === 'kubernetes' ? { type: 'caas' as const } : {}),
        }),
        apps: {},
        units: {},
        queue: [],
        history: [],
      };
    }
    if (state.seed === undefined) {
      const given = options.seed ?? (process.env['LOCALMODEL_SEED'] ? seedFromEnv() : undefined);
      state.seed = given ?? seedFromEnv();
      state.rng = state.seed;
      // A random seed is printed so a failing interleaving can be replayed.
      if (given === undefined && process.env['LOCALMODEL_QUIET'] !== '1') {
        process.stderr.write(`localmodel: interleaving seed ${state.seed} (replay with LOCALMODEL_SEED=${state.seed})\n`);
      }
    }
    state.modelConfig ??= { 'automatically-retry-hooks': true };
    const agent = await ToolAgent.start({
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      ...(options.shim !== undefined ? { shim: options.shim } : {}),
    });
    return new LocalModel(modelDir, temporary, agent, state, options);
  }

  get model(): JujuModel {
    return this.state.model;
  }

  /** The interleaving seed: LOCALMODEL_SEED=<seed> (or the `seed` option) replays the same orders. */
  get seed(): number {
    return this.state.seed!;
  }

  get modelConfig(): Readonly<ModelConfig> {
    return this.state.modelConfig!;
  }

  /** `juju model-config automatically-retry-hooks=<bool>`. */
  setModelConfig(change: Partial<ModelConfig>): void {
    for (const [key, value] of Object.entries(change)) {
      if (key !== 'automatically-retry-hooks') throw new Refusal(`unknown model setting "${key}"`);
      if (typeof value !== 'boolean') throw new Refusal(`model setting "${key}" must be true or false`);
    }
    Object.assign(this.state.modelConfig!, change);
    if (!this.temporary) this.save();
  }

  private get autoRetry(): boolean {
    return this.options.autoRetryHooks ?? this.state.modelConfig!['automatically-retry-hooks'];
  }

  private random(): number {
    const { value, state } = nextRandom(this.state.rng ?? this.state.seed!);
    this.state.rng = state;
    return value;
  }

  /** `items` in a seeded random order. */
  private shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  get history(): readonly EventRecord[] {
    return this.state.history;
  }

  get apps(): Readonly<Record<string, Readonly<AppState>>> {
    return this.state.apps;
  }

  get unitStates(): Readonly<Record<string, Readonly<UnitState>>> {
    return this.state.units;
  }

  /** Events waiting (on units in error, once settled). */
  get pending(): readonly QueuedEvent[] {
    return this.state.queue;
  }

  /** The PATH hook processes get: the tools directory, then the system PATH. */
  get hookPath(): string {
    const system = this.options.systemPath ?? DEFAULT_SYSTEM_PATH;
    return system ? `${this.agent.toolsDir}:${system}` : this.agent.toolsDir;
  }

  get shimKind(): ShimKind {
    return this.agent.shim.kind;
  }

  save(): void {
    const file = path.join(this.modelDir, STATE_FILE);
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
  }

  async close(): Promise<void> {
    if (!this.temporary) this.save();
    await this.agent.close();
    if (this.temporary) fs.rmSync(this.modelDir, { recursive: true, force: true });
  }

  // ------------------------------------------------------------------ operations

  /**
   * `juju deploy`: per unit install → peer relation-created → leader-elected (leader) /
   * leader-settings-changed (others) → config-changed → start; then peer joined/changed.
   */
  async deploy(charm: string, opts: DeployOptions = {}): Promise<string[]> {
    const source = path.resolve(charm);
    const staging = `.staging-${process.pid}`;
    const installed = await this.installCharm(source, staging, 0);
    const app = opts.app ?? installed.loaded.meta.name;
    const units = opts.units ?? 1;
    let charmDir = installed.charmDir;
    const { loaded, packed } = installed;
    try {
      if (!APP_NAME_RE.test(app)) throw new Refusal(`invalid application name "${app}"`);
      if (this.model.applications[app]) throw new Refusal(`cannot add application "${app}": application already exists`);
      if (!Number.isInteger(units) || units < 0) throw new Refusal(`invalid number of units ${units}`);
      validateConfig(loaded.meta, opts.config ?? {});
      checkAssumes(installed.charmDir, this.model.type === 'caas');
    } catch (err) {
      if (packed) fs.rmSync(path.dirname(charmDir), { recursive: true, force: true });
      throw err;
    }
    if (packed) {
      const final = path.join(this.modelDir, 'charms', app, '1');
      fs.rmSync(path.dirname(final), { recursive: true, force: true });
      fs.mkdirSync(path.dirname(final), { recursive: true });
      fs.renameSync(charmDir, final);
      fs.rmSync(path.dirname(charmDir), { recursive: true, force: true });
      charmDir = final;
    }
    const config = validateConfig(loaded.meta, opts.config ?? {});
    const initial: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(config)) if (v !== null) initial[k] = v;
    addApplication(this.model, app, loaded.meta, initial);
    this.state.apps[app] = { source, revision: 1, charmDir, packed, env: { ...(opts.env ?? {}) } };
    for (const [endpoint, spec] of Object.entries(loaded.meta.endpoints)) {
      if (spec.role === 'peers') addRelation(this.model, `${app}:${endpoint}`, undefined, { scope: [] });
    }
    const added = await this.addUnitsQueued(app, units);
    await this.settle();
    return added;
  }

  /** `juju add-unit`: the new units run the setup sequence, then join every relation of the app. */
  async addUnit(app: string, count = 1): Promise<string[]> {
    this.requireApp(app);
    const added = await this.addUnitsQueued(app, count);
    await this.settle();
    return added;
  }

  /**
   * `juju remove-unit`: remaining related units get relation-departed; the unit gets stop →
   * relation-departed (per remote unit) → relation-broken (non-peer) → remove; a new leader is
   * elected (leader-elected; leader-settings-changed on the others) when it was the leader.
   */
  async removeUnit(unitName: string): Promise<void> {
    const unit = this.requireUnit(unitName);
    const unitState = this.state.units[unitName]!;
    if (unitState.life === 'dying') throw new Refusal(`unit "${unitName}" is already being removed`);
    unitState.life = 'dying';
    const own: QueuedEvent[] = [{ unit: unitName, hook: 'stop' }];
    const broken: QueuedEvent[] = [];
    for (const relation of this.relationsOfApp(unit.app)) {
      if (!relation.scope.includes(unitName)) continue;
      const ends = relationEnds(relation, unit.app)!;
      const remotes = relation.scope.filter((u) => u !== unitName && appOfUnit(u) === ends.remote.app).sort(compareUnitNames);
      relation.scope = relation.scope.filter((u) => u !== unitName);
      const peer = relation.ends.length === 1;
      for (const remote of remotes) {
        const remoteEnds = relationEnds(relation, appOfUnit(remote))!;
        this.enqueue({
          unit: remote,
          hook: `${remoteEnds.local.endpoint}-relation-departed`,
          relationId: relation.id,
          remoteUnit: unitName,
          remoteApp: unit.app,
          departingUnit: unitName,
        });
        own.push({
          unit: unitName,
          hook: `${ends.local.endpoint}-relation-departed`,
          relationId: relation.id,
          remoteUnit: remote,
          remoteApp: appOfUnit(remote),
          departingUnit: unitName,
        });
      }
      if (!peer)
        broken.push({
          unit: unitName,
          hook: `${ends.local.endpoint}-relation-broken`,
          relationId: relation.id,
          remoteApp: ends.remote.app,
        });
    }
    for (const e of [...own, ...broken, { unit: unitName, hook: 'remove' }]) this.enqueue(e);
    await this.settle();
  }

  /**
   * `juju integrate a[:endpoint] b[:endpoint]`: relation-created on every unit of both sides, then
   * relation-joined → relation-changed for each remote unit.
   */
  async integrate(a: string, b: string): Promise<number> {
    const [endA, endB] = this.resolveEnds(a, b);
    const key = (r: SimRelation) =>
      r.ends
        .map((e) => `${e.app}:${e.endpoint}`)
        .sort()
        .join(' ');
    const wanted = [endA, endB].sort().join(' ');
    if (this.model.relations.some((r) => key(r) === wanted)) throw new Refusal(`relation ${endA} ${endB} already exists`);
    for (const end of [endA, endB]) {
      const [app, endpoint] = end.split(':') as [string, string];
      const limit = this.model.applications[app]!.charm.endpoints[endpoint]!.limit;
      const used = this.model.relations.filter((r) => r.ends.some((e) => e.app === app && e.endpoint === endpoint)).length;
      if (limit !== undefined && used >= limit)
        throw new Refusal(
          `cannot add relation: establishing a new relation for ${end} would exceed its maximum relation limit of ${limit}`,
        );
    }
    let relation: SimRelation;
    try {
      relation = addRelation(this.model, endA, endB, {
        scope: this.aliveUnits(endA.split(':')[0]!).concat(this.aliveUnits(endB.split(':')[0]!)),
      });
    } catch (err) {
      throw new Refusal((err as Error).message);
    }
    const members = [...relation.scope];
    for (const u of members) {
      const ends = relationEnds(relation, appOfUnit(u))!;
      this.enqueue({ unit: u, hook: `${ends.local.endpoint}-relation-created`, relationId: relation.id, remoteApp: ends.remote.app });
    }
    for (const u of members)
      this.enqueueJoins(
        relation,
        u,
        members.filter((r) => appOfUnit(r) !== appOfUnit(u)),
      );
    await this.settle();
    return relation.id;
  }

  /** `juju remove-relation`: on every unit, relation-departed per remote unit, then relation-broken. */
  async removeRelation(a: string | number, b?: string): Promise<void> {
    const relation = this.findRelationBy(a, b);
    if (relation.ends.length === 1) throw new Refusal(`cannot remove peer relation ${relation.ends[0]!.app}:${relation.ends[0]!.endpoint}`);
    if (relation.life === 'dying') throw new Refusal(`relation ${relation.id} is already being removed`);
    relation.life = 'dying';
    // No order between units, nor between the remote units one unit sees depart.
    const members = this.shuffled(relation.scope);
    for (const u of members) {
      const ends = relationEnds(relation, appOfUnit(u))!;
      for (const remote of this.shuffled(members.filter((r) => appOfUnit(r) === ends.remote.app))) {
        this.enqueue({
          unit: u,
          hook: `${ends.local.endpoint}-relation-departed`,
          relationId: relation.id,
          remoteUnit: remote,
          remoteApp: ends.remote.app,
          departingUnit: remote,
        });
      }
      this.enqueue({ unit: u, hook: `${ends.local.endpoint}-relation-broken`, relationId: relation.id, remoteApp: ends.remote.app });
    }
    this.maybeForgetRelation(relation.id);
    await this.settle();
  }

  /** `juju config app k=v …` (strings are parsed per option type; null resets): config-changed on every unit if anything changed. */
  async config(app: string, values: Readonly<Record<string, string | number | boolean | null>>): Promise<void> {
    const application = this.requireApp(app);
    const parsed = validateConfig(application.charm, values);
    const before = JSON.stringify(effectiveConfig(application, true));
    for (const [k, v] of Object.entries(parsed)) {
      if (v === null) delete application.config[k];
      else application.config[k] = v;
    }
    if (JSON.stringify(effectiveConfig(application, true)) !== before) {
      for (const u of this.aliveUnits(app)) this.enqueue({ unit: u, hook: 'config-changed' });
    }
    await this.settle();
  }

  /** Effective config of an application (operator values over charm defaults). */
  getConfig(app: string): Record<string, string | number | boolean | null> {
    return effectiveConfig(this.requireApp(app), true);
  }

  /** `juju run unit action k=v …`: params validated against actions.yaml; stdout/stderr go into the outcome. */
  async run(unitName: string, action: string, params: Readonly<Record<string, unknown>> = {}): Promise<ActionOutcome> {
    const unit = this.requireUnit(unitName);
    const application = this.model.applications[unit.app]!;
    const checked = validateActionParams(unitName, action, application.charm.actions, params, this.model.jujuVersion);
    await this.settle();
    const outcome = await this.dispatchOne(unitName, { unit: unitName, hook: '' }, { name: action, params: checked });
    const run = this.model.actions.find((r) => r.id === outcome.actionId) as ActionRun;
    for (const e of outcome.effects.events) this.enqueue(fromTriggered(e));
    await this.settle();
    return {
      id: run.id,
      unit: unitName,
      action,
      status: run.status === 'failed' ? 'failed' : 'completed',
      results: structuredClone(run.results),
      ...(run.failMessage !== undefined ? { message: run.failMessage } : {}),
      logs: [...run.logs],
      stdout: run.stdout ?? '',
      stderr: run.stderr ?? '',
      returnCode: run.returnCode ?? outcome.exitCode,
    };
  }

  /** One update-status tick on every unit not in error. */
  async updateStatus(): Promise<void> {
    for (const u of Object.keys(this.model.units).sort(compareUnitNames)) {
      if (this.state.units[u]?.life === 'alive' && !this.state.units[u]?.failed) this.enqueue({ unit: u, hook: 'update-status' });
    }
    await this.settle();
  }

  /** `juju refresh app --path charm`: new charm files, then upgrade-charm → config-changed on every unit. */
  async refresh(app: string, charm: string): Promise<void> {
    const application = this.requireApp(app);
    const appState = this.state.apps[app]!;
    const source = path.resolve(charm);
    const revision = appState.revision + 1;
    const { loaded, charmDir, packed } = await this.installCharm(source, app, revision);
    if (loaded.meta.name !== application.charm.name) {
      throw new Refusal(`cannot refresh "${app}": charm name "${loaded.meta.name}" differs from "${application.charm.name}"`);
    }
    application.charm = loaded.meta;
    for (const key of Object.keys(application.config)) if (!loaded.meta.config[key]) delete application.config[key];
    const oldDir = appState.charmDir;
    Object.assign(appState, { source, revision, charmDir, packed });
    for (const u of unitsOf(this.model, app)) {
      const us = this.state.units[u.name]!;
      // Machines: the unit's own files in its charm directory survive the refresh. Kubernetes: the
      // pod is recreated, so the charm container's filesystem starts again from the new charm.
      if (this.model.type !== 'caas' && fs.existsSync(us.charmDir)) {
        removeCharmFiles(oldDir, us.charmDir);
        linkTree(charmDir, us.charmDir, { copy: !packed });
      } else us.charmDir = this.unitCharmDir(u.name, appState);
      this.enqueue({ unit: u.name, hook: 'upgrade-charm' });
      this.enqueue({ unit: u.name, hook: 'config-changed' });
    }
    if (oldDir !== charmDir && oldDir.startsWith(path.join(this.modelDir, 'charms') + path.sep))
      fs.rmSync(oldDir, { recursive: true, force: true });
    await this.settle();
  }

  /** `juju resolve unit` (retries the failed hook) or `juju resolve --no-retry`. */
  async resolve(unitName: string, opts: { retry?: boolean } = {}): Promise<void> {
    const unit = this.requireUnit(unitName);
    const us = this.state.units[unitName]!;
    if (!us.failed) throw new Refusal(`unit "${unitName}" is not in an error state`);
    const failed = us.failed;
    void unit;
    this.clearError(unitName);
    delete us.retries;
    delete us.retryAt;
    if (opts.retry ?? true) this.state.queue.unshift(failed);
    await this.settle();
  }

  // ------------------------------------------------------------------ queue

  private enqueue(event: QueuedEvent): void {
    // Juju's uniter works from state, so a change already waiting to be seen is not seen twice.
    if ((event.hook.endsWith('-relation-changed') || event.hook === 'secret-changed') && this.state.queue.some((q) => sameEvent(q, event)))
      return;
    this.state.queue.push(event);
  }

  /**
   * Run queued events until none is runnable. Each step draws, with the seeded PRNG, one of the
   * units that have something to run (the head of its own queue, or a failed hook whose automatic
   * retry is due), so units interleave in any order while each unit's events stay in order. Units
   * in error hold their events; with automatic retry on, their failed hook is re-run with
   * back-off (waiting only when nothing else can run) up to `maxHookRetries` times per operation.
   */
  private async settle(): Promise<void> {
    const max = this.options.maxEvents ?? 1000;
    const maxRetries = this.options.maxHookRetries ?? 4;
    const baseDelay = this.options.retryDelayMs ?? Number(process.env['LOCALMODEL_RETRY_DELAY_MS'] ?? 50);
    const retriesThisSettle = new Map<string, number>();
    let ran = 0;
    const recent: string[] = [];
    try {
      for (;;) {
        this.state.queue = this.state.queue.filter((e) => this.model.units[e.unit] !== undefined);
        const heads = new Map<string, number>();
        this.state.queue.forEach((e, i) => {
          if (!heads.has(e.unit) && !this.state.units[e.unit]?.failed) heads.set(e.unit, i);
        });
        const retryable = this.autoRetry
          ? Object.entries(this.state.units).filter(
              ([u, us]) => us.failed && (retriesThisSettle.get(u) ?? 0) < maxRetries && this.model.units[u],
            )
          : [];
        const now = Date.now();
        const due = retryable.filter(([, us]) => (us.retryAt ?? 0) <= now).map(([u]) => u);
        const candidates = [
          ...[...heads.keys()].map((u) => ({ unit: u, retry: false })),
          ...due.map((u) => ({ unit: u, retry: true })),
        ].sort((a, b) => compareUnitNames(a.unit, b.unit) || Number(a.retry) - Number(b.retry));
        if (candidates.length === 0) {
          if (retryable.length === 0) break;
          const wait = Math.min(...retryable.map(([, us]) => us.retryAt ?? now)) - now;
          await new Promise((r) => setTimeout(r, Math.max(0, wait)));
          continue;
        }
        const pick = candidates[Math.floor(this.random() * candidates.length)]!;
        let event: QueuedEvent;
        let attempt = 1;
        if (pick.retry) {
          const us = this.state.units[pick.unit]!;
          event = us.failed!;
          attempt = (us.retries ?? 0) + 2;
          retriesThisSettle.set(pick.unit, (retriesThisSettle.get(pick.unit) ?? 0) + 1);
          this.clearError(pick.unit);
          us.retries = attempt - 1;
        } else {
          event = this.state.queue.splice(heads.get(pick.unit)!, 1)[0]!;
        }
        if (ran >= max) {
          if (!pick.retry) this.state.queue.unshift(event);
          else this.markError(event);
          throw new LivelockError(
            `the model did not settle after ${max} events (hooks keep triggering hooks; seed ${this.seed}); last events:\n  ${recent.slice(-10).join('\n  ')}`,
          );
        }
        ran++;
        recent.push(describeEvent(event));
        const ok = await this.runEvent(event, attempt);
        const us = this.state.units[event.unit];
        if (us) {
          if (ok) {
            delete us.retries;
            delete us.retryAt;
          } else if (us.failed) {
            const n = us.retries ?? 0;
            us.retries = n;
            us.retryAt = Date.now() + baseDelay * 2 ** Math.min(n, 4);
          }
        }
      }
    } finally {
      if (!this.temporary) this.save();
    }
  }

  /** Leave the error state: the status the charm had before the failure comes back. */
  private clearError(unitName: string): void {
    const unit = this.model.units[unitName];
    const us = this.state.units[unitName];
    if (!unit || !us) return;
    delete us.failed;
    if (us.statusBeforeError) setStatus(unit.status, unit.statusHistory, { ...us.statusBeforeError, since: nowIso() });
    delete us.statusBeforeError;
  }

  /** Run one event; false when its hook failed (the unit is now in error). */
  private async runEvent(event: QueuedEvent, attempt = 1): Promise<boolean> {
    if (event.relationId !== undefined && !findRelation(this.model, event.relationId)) return true;
    const outcome = await this.dispatchOne(event.unit, event, undefined, attempt);
    for (const e of outcome.effects.events) this.enqueue(fromTriggered(e));
    if (!outcome.committed) this.markError(event);
    if (event.hook === 'remove' && outcome.committed) this.forgetUnit(event.unit);
    if (event.relationId !== undefined) this.maybeForgetRelation(event.relationId);
    return outcome.committed;
  }

  private async dispatchOne(
    unitName: string,
    event: QueuedEvent,
    action?: { name: string; params: Record<string, unknown> },
    attempt = 1,
  ): Promise<DispatchOutcome> {
    const app = appOfUnit(unitName);
    const spec = action
      ? { unit: unitName, action }
      : {
          unit: unitName,
          hook: event.hook,
          ...(event.relationId !== undefined ? { relationId: event.relationId } : {}),
          ...(event.remoteUnit !== undefined ? { remoteUnit: event.remoteUnit } : {}),
          ...(event.remoteApp !== undefined ? { remoteApp: event.remoteApp } : {}),
          ...(event.departingUnit !== undefined ? { departingUnit: event.departingUnit } : {}),
          ...(event.secret !== undefined ? { secret: event.secret } : {}),
        };
    const outcome = await dispatch(this.model, spec, {
      agent: this.agent,
      charmDir: this.state.units[unitName]!.charmDir,
      extraEnv: this.state.apps[app]!.env,
      systemPath: this.options.systemPath ?? DEFAULT_SYSTEM_PATH,
      timeoutMs: this.options.hookTimeoutMs ?? 120_000,
    });
    this.state.history.push({
      seq: this.state.history.length + 1,
      unit: unitName,
      event: action ? `action:${action.name}` : event.hook,
      ...(event.relationId !== undefined ? { relationId: event.relationId } : {}),
      ...(event.remoteUnit ? { remoteUnit: event.remoteUnit } : {}),
      ok: outcome.committed,
      exitCode: outcome.exitCode,
      durationMs: Math.round(outcome.durationMs * 10) / 10,
      ...(attempt > 1 ? { attempt } : {}),
      tools: outcome.transcript.slice(0, MAX_TRANSCRIPT_CALLS),
    });
    return outcome;
  }

  private markError(event: QueuedEvent): void {
    const unit = this.model.units[event.unit];
    const us = this.state.units[event.unit];
    if (!unit || !us) return;
    us.failed = event;
    us.statusBeforeError = { ...unit.status, data: { ...unit.status.data } };
    setStatus(unit.status, unit.statusHistory, { status: 'error', message: `hook failed: "${event.hook}"`, data: {}, since: nowIso() });
  }

  // ------------------------------------------------------------------ units and relations

  private async addUnitsQueued(app: string, count: number): Promise<string[]> {
    const added: string[] = [];
    const appState = this.state.apps[app]!;
    for (let i = 0; i < count; i++) {
      const leader = !leaderOf(this.model, app);
      const unit = simAddUnit(this.model, app, { leader });
      const charmDir = this.unitCharmDir(unit.name, appState);
      this.state.units[unit.name] = { charmDir, life: 'alive' };
      for (const relation of this.relationsOfApp(app)) {
        if (relation.life !== 'alive') continue;
        relation.scope.push(unit.name);
        relation.unitData[unit.name] = prefilledUnitBag(unit);
      }
      added.push(unit.name);
    }
    for (const name of added) {
      const unit = this.model.units[name]!;
      this.enqueue({ unit: name, hook: 'install' });
      const relations = this.relationsOfApp(app)
        .filter((r) => r.scope.includes(name))
        .sort((x, y) => (x.ends.length === 1 ? 0 : 1) - (y.ends.length === 1 ? 0 : 1) || x.id - y.id);
      for (const relation of relations) {
        const ends = relationEnds(relation, app)!;
        this.enqueue({ unit: name, hook: `${ends.local.endpoint}-relation-created`, relationId: relation.id, remoteApp: ends.remote.app });
      }
      this.enqueue({ unit: name, hook: unit.leader ? 'leader-elected' : 'leader-settings-changed' });
      this.enqueue({ unit: name, hook: 'config-changed' });
      this.enqueue({ unit: name, hook: 'start' });
    }
    const seen = new Set<string>();
    for (const name of added) {
      for (const relation of this.relationsOfApp(app).filter((r) => r.scope.includes(name))) {
        const remoteApp = relationEnds(relation, app)!.remote.app;
        for (const remote of relation.scope.filter((u) => u !== name && appOfUnit(u) === remoteApp).sort(compareUnitNames)) {
          for (const [u, r] of [
            [name, remote],
            [remote, name],
          ] as const) {
            const key = `${relation.id} ${u} ${r}`;
            if (seen.has(key)) continue;
            seen.add(key);
            this.enqueueJoins(relation, u, [r]);
          }
        }
      }
    }
    return added;
  }

  private enqueueJoins(relation: SimRelation, unitName: string, remotes: readonly string[]): void {
    const ends = relationEnds(relation, appOfUnit(unitName))!;
    for (const remote of [...remotes].sort(compareUnitNames)) {
      const base = { unit: unitName, relationId: relation.id, remoteUnit: remote, remoteApp: appOfUnit(remote) };
      this.state.queue.push({ ...base, hook: `${ends.local.endpoint}-relation-joined` });
      this.enqueue({ ...base, hook: `${ends.local.endpoint}-relation-changed` });
    }
  }

  /** After the `remove` hook: the unit leaves the model; a new leader is elected if needed. */
  private forgetUnit(unitName: string): void {
    const unit = this.model.units[unitName];
    if (!unit) return;
    const wasLeader = unit.leader;
    delete this.model.units[unitName];
    // What the model keeps per unit name goes with the unit: on Kubernetes a later unit may get
    // the same name (its pod's ordinal) and must start as a new unit, in every relation's context
    // and tracking no secret revision.
    for (const relation of this.model.relations) {
      if (relation.brokenUnits) relation.brokenUnits = relation.brokenUnits.filter((u) => u !== unitName);
    }
    for (const secret of Object.values(this.model.secrets)) delete secret.consumers[unitName];
    const us = this.state.units[unitName];
    delete this.state.units[unitName];
    if (us && us.charmDir.startsWith(path.join(this.modelDir, 'units') + path.sep))
      fs.rmSync(path.dirname(us.charmDir), { recursive: true, force: true });
    this.state.queue = this.state.queue.filter((e) => e.unit !== unitName);
    if (wasLeader) {
      const remaining = this.aliveUnits(unit.app);
      const next = remaining[0];
      if (next) {
        setLeader(this.model, next);
        this.enqueue({ unit: next, hook: 'leader-elected' });
        for (const other of remaining.slice(1)) this.enqueue({ unit: other, hook: 'leader-settings-changed' });
      }
    }
  }

  /** A dying relation is deleted once no unit has events for it left (its grants go with it). */
  private maybeForgetRelation(relationId: number): void {
    const relation = findRelation(this.model, relationId);
    if (!relation || relation.life !== 'dying') return;
    const waiting =
      this.state.queue.some((e) => e.relationId === relationId) ||
      Object.values(this.state.units).some((u) => u.failed?.relationId === relationId);
    if (waiting) return;
    this.model.relations = this.model.relations.filter((r) => r.id !== relationId);
    for (const secret of Object.values(this.model.secrets)) secret.grants = secret.grants.filter((g) => g.relationId !== relationId);
  }

  /**
   * The unit's own charm directory (Juju unpacks the charm per unit, so files a charm writes there,
   * e.g. ops' `.unit-state.db`, are the unit's own): hard links into an unpacked .charm, or a copy
   * of a charm directory (never links into the developer's tree, which the charm could modify).
   * Unit state that lives there does not survive a refresh, as on Juju it survives only in
   * controller state.
   */
  private unitCharmDir(unitName: string, appState: AppState): string {
    const dir = path.join(this.modelDir, 'units', unitName.replace('/', '-'), 'charm');
    fs.rmSync(dir, { recursive: true, force: true });
    linkTree(appState.charmDir, dir, { copy: !appState.packed });
    return dir;
  }

  private relationsOfApp(app: string): SimRelation[] {
    return this.model.relations.filter((r) => r.ends.some((e) => e.app === app));
  }

  private aliveUnits(app: string): string[] {
    return unitsOf(this.model, app)
      .map((u) => u.name)
      .filter((u) => this.state.units[u]?.life === 'alive');
  }

  private requireApp(app: string) {
    const application = this.model.applications[app];
    if (!application) throw new Refusal(`application "${app}" not found`);
    return application;
  }

  private requireUnit(unitName: string) {
    const unit = this.model.units[unitName];
    if (!unit) throw new Refusal(`unit "${unitName}" not found`);
    return unit;
  }

  /** "app:endpoint" or "app" on either side; a bare app picks the one endpoint that fits, as Juju does. */
  private resolveEnds(a: string, b: string): [string, string] {
    const parse = (spec: string) => {
      const [app, endpoint] = spec.split(':') as [string, string | undefined];
      const application = this.requireApp(app);
      if (endpoint !== undefined && !application.charm.endpoints[endpoint])
        throw new Refusal(`application "${app}" has no "${endpoint}" relation`);
      return { app, endpoint, meta: application.charm };
    };
    const pa = parse(a);
    const pb = parse(b);
    const candidates: [string, string][] = [];
    const eps = (p: { endpoint: string | undefined; meta: SimCharmMeta }) =>
      Object.entries(p.meta.endpoints).filter(([name, spec]) => spec.role !== 'peers' && (p.endpoint === undefined || p.endpoint === name));
    for (const [na, sa] of eps(pa)) {
      for (const [nb, sb] of eps(pb)) {
        const fits =
          sa.interface === sb.interface &&
          ((sa.role === 'provides' && sb.role === 'requires') || (sa.role === 'requires' && sb.role === 'provides'));
        if (fits) candidates.push([`${pa.app}:${na}`, `${pb.app}:${nb}`]);
      }
    }
    if (candidates.length === 0) throw new Refusal(`no relations found between "${a}" and "${b}"`);
    if (candidates.length > 1) {
      throw new Refusal(`ambiguous relation: "${a} ${b}" could refer to ${candidates.map((c) => `"${c.join(' ')}"`).join('; ')}`);
    }
    return candidates[0]!;
  }

  private findRelationBy(a: string | number, b?: string): SimRelation {
    if (typeof a === 'number' || (b === undefined && /^\d+$/.test(a))) {
      const relation = findRelation(this.model, Number(a));
      if (!relation) throw new Refusal(`relation ${a} not found`);
      return relation;
    }
    if (b === undefined) throw new Refusal('remove-relation needs two application endpoints or a relation id');
    const match = (spec: string, end: { app: string; endpoint: string }) => {
      const [app, endpoint] = spec.split(':');
      return end.app === app && (endpoint === undefined || end.endpoint === endpoint);
    };
    const found = this.model.relations.filter(
      (r) => r.ends.length === 2 && ((match(a, r.ends[0]!) && match(b, r.ends[1]!)) || (match(a, r.ends[1]!) && match(b, r.ends[0]!))),
    );
    if (found.length === 0) throw new Refusal(`relation "${a}" "${b}" not found`);
    if (found.length > 1) throw new Refusal(`ambiguous relation "${a}" "${b}": give the endpoints`);
    return found[0]!;
  }

  /** Unpack (a .charm) or check (a directory) the charm for `app` at `revision`. */
  private async installCharm(
    source: string,
    app: string,
    revision: number,
  ): Promise<{ loaded: LoadedCharm; charmDir: string; packed: boolean }> {
    if (!fs.existsSync(source)) throw new CharmRefusal(`charm "${source}" not found`);
    if (fs.statSync(source).isDirectory()) return { loaded: loadCharmDir(source), charmDir: source, packed: false };
    const dir = path.join(this.modelDir, 'charms', app, String(revision));
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      await unpackCharm(source, dir);
      return { loaded: loadCharmDir(dir), charmDir: dir, packed: true };
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
}

/**
 * What Juju checks of `assumes` at deploy that matters here: a charm that assumes `k8s-api` deploys
 * only to a Kubernetes model ("charm requires … k8s-api"). Other features are not modelled.
 */
function checkAssumes(charmDir: string, kubernetes: boolean): void {
  const file = path.join(charmDir, 'metadata.yaml');
  if (!fs.existsSync(file)) return;
  const meta = parseYaml(fs.readFileSync(file, 'utf8')) as { assumes?: unknown } | null;
  const assumes = Array.isArray(meta?.assumes) ? meta.assumes : [];
  if (assumes.includes('k8s-api') && !kubernetes) {
    throw new Refusal(
      'cannot deploy: charm requires the "k8s-api" feature, which only a Kubernetes model provides (this model is a machine model)',
    );
  }
}
