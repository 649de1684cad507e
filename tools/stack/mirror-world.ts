// The MirrorMaker integrator under the local model, wired to the real stack (tools/kafka):
// the PACKED charm (tscharm pack, its own Node runtime) deployed as `mirrormaker`, and the provider
// test doubles deployed as `kafka-a` / `kafka-b` (kafka_client, handing out the real brokers and the
// real `mm2` SCRAM user through Juju secrets) and `kafka-connect` (connect_client, handing out the
// real worker's REST URL and basic-auth user). Shared by tests/e2e, tools/demo and bench/.
// No test-framework imports.
import axios, { type AxiosInstance } from 'axios';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalModel, type ActionOutcome } from '../../lib/localmodel/driver';
import { leaderOf } from '../../lib/sim/model';
import { pack } from '../../lib/tscharm/pack';
import { DEFAULT_NODE_VERSION, hostArchitecture } from '../../lib/tscharm/runtime';
import { stackCaPem, type StackInfo, type StackOptions } from './real-stack';

/** Repository root; TSCHARM_REPO_ROOT wins when this file is bundled elsewhere (tools/demo, bench). */
export const REPO_ROOT = process.env.TSCHARM_REPO_ROOT ?? path.resolve(__dirname, '..', '..');

export const APP = 'mirrormaker';
export const UNIT = `${APP}/0`;
export const SOURCE_APP = 'kafka-a';
export const TARGET_APP = 'kafka-b';
export const CONNECT_APP = 'kafka-connect';
/** The certificate_transfer provider handing out the stack CA on receive-ca-cert (https Connect). */
export const CA_APP = 'connect-ca';

/**
 * Stack profiles: separate run directories and ports, so the e2e suite, the demo and the benchmarks
 * never share (or stop) one another's stack, nor a colleague's default one.
 */
export type StackProfile = 'default' | 'e2e' | 'bench';
export function stackProfile(profile: StackProfile): StackOptions {
  // STACK_PORT_OFFSET shifts every port, so two checkouts on one machine can run their suites at once.
  const offset = Number(process.env.STACK_PORT_OFFSET ?? 0);
  if (!Number.isInteger(offset) || offset < 0 || offset > 9000) {
    throw new Error(`STACK_PORT_OFFSET must be a whole number from 0 to 9000, not '${process.env.STACK_PORT_OFFSET}'`);
  }
  // default: stack.sh's own ports and run dir (tools/kafka/README.md), unless shifted
  if (profile === 'default' && offset === 0) return {};
  const b0 =
    profile === 'e2e'
      ? { a: 19592, b: 19692, c: 18483 }
      : profile === 'bench'
        ? { a: 19792, b: 19892, c: 18583 }
        : { a: 19392, b: 19492, c: 18383 };
  const base = { a: b0.a + offset, b: b0.b + offset, c: b0.c + offset };
  const version = process.env.KAFKA_VERSION ?? '4.1.1';
  // A shifted stack gets its own run directory too (two suites of one checkout must not share one).
  const shift = offset === 0 ? '' : `-offset${offset}`;
  const runDir = profile === 'default' ? `run-${version}${shift}` : `run-${version}-${profile}${shift}`;
  return {
    env: {
      KAFKA_STACK_RUN_DIR: path.join(REPO_ROOT, 'tools', 'kafka', runDir),
      KAFKA_A_PORT: String(base.a),
      KAFKA_A_CONTROLLER_PORT: String(base.a + 1),
      KAFKA_B_PORT: String(base.b),
      KAFKA_B_CONTROLLER_PORT: String(base.b + 1),
      CONNECT_PORT: String(base.c),
    },
  };
}

/**
 * Prepares the provider charms (idempotent): the pinned Python environment of the real-library
 * providers (tools/provider-charms-py/setup.sh) and the TypeScript doubles' bundles
 * (tools/provider-charms/build.js). Throws with setup.sh's reason when Python or the registry fails.
 */
export function buildProviderCharms(): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'tools', 'provider-charms', 'build.js')], { cwd: REPO_ROOT, stdio: 'pipe' });
  try {
    execFileSync(path.join(REPO_ROOT, 'tools', 'provider-charms-py', 'setup.sh'), [], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`tools/provider-charms-py/setup.sh failed: ${stderr || (e as Error).message}`);
  }
}

/**
 * Which provider charms play the remote applications: `python` (default) — Python `ops` charms on
 * Canonical's dpcharmlibs-interfaces that publish what the real Charmed Kafka / Kafka Connect
 * publish (tools/provider-charms-py); `doubles` — the TypeScript test doubles (tools/provider-charms).
 */
export type ProviderFlavour = 'python' | 'doubles';

/** The charm directories of a flavour. Both take the same config option names. */
export function providerCharmDirs(flavour: ProviderFlavour = 'python'): { kafka: string; connect: string } {
  if (flavour === 'doubles') {
    const d = path.join(REPO_ROOT, 'tools', 'provider-charms');
    return { kafka: path.join(d, 'kafka-client-provider'), connect: path.join(d, 'connect-client-provider') };
  }
  const d = path.join(REPO_ROOT, 'tools', 'provider-charms-py');
  return { kafka: path.join(d, 'kafka'), connect: path.join(d, 'connect') };
}

/** `tscharm pack` of the integrator into outDir; returns the .charm path. */
export async function packCharm(outDir: string): Promise<{ charmFile: string; charmBytes: number; ms: number }> {
  const t0 = Date.now();
  fs.mkdirSync(outDir, { recursive: true });
  const result = await pack({
    charmDir: REPO_ROOT,
    entry: 'charm/main.ts',
    base: 'ubuntu@22.04',
    arch: hostArchitecture() ?? 'amd64',
    outDir,
    nodeVersion: DEFAULT_NODE_VERSION,
    cacheDir: path.join(REPO_ROOT, '.tscharm', 'cache'),
  });
  return { charmFile: result.charmFile, charmBytes: result.charmBytes, ms: Date.now() - t0 };
}

export type ConfigValues = Record<string, string | number | boolean | null>;

/** Fast intervals, so new topics/groups/checkpoints show up in seconds (the charm's defaults are 30–60 s). */
export const FAST_INTERVALS: ConfigValues = {
  refresh_topics_interval_seconds: 2,
  refresh_groups_interval_seconds: 2,
  emit_checkpoints_interval_seconds: 1,
  sync_group_offsets_interval_seconds: 1,
};

/** Which links the providers hand out over TLS (the stack's SASL_SSL listeners, Connect's https). */
export interface ProviderTls {
  kafka?: boolean;
  connect?: boolean;
}

/**
 * The providers' config for the stack's plain or TLS endpoints, in the option names every provider
 * implementation keeps (kafka: bootstrap-servers, username, password, tls, tls-ca; connect:
 * endpoints, username, password, tls-ca). TLS hands out the stack's current CA.
 */
export function providerConfigs(
  stack: StackInfo,
  tls: ProviderTls = {},
): Record<typeof SOURCE_APP | typeof TARGET_APP | typeof CONNECT_APP, ConfigValues> {
  const ca = tls.kafka || tls.connect ? stackCaPem(stack) : '';
  const kafka = (c: StackInfo['kafkaA']): ConfigValues => ({
    'bootstrap-servers': tls.kafka ? c.tlsBootstrapServers : c.bootstrapServers,
    username: c.mm2.username,
    password: c.mm2.password,
    ...(tls.kafka ? { tls: 'enabled', 'tls-ca': ca } : {}),
  });
  return {
    [SOURCE_APP]: kafka(stack.kafkaA),
    [TARGET_APP]: kafka(stack.kafkaB),
    [CONNECT_APP]: {
      // every worker of the group, as Charmed Kafka Connect publishes its units' endpoints
      endpoints: stack.connect.workers.map((w) => (tls.connect ? w.httpsUrl : w.url)).join(','),
      username: stack.connect.username,
      password: stack.connect.password,
      ...(tls.connect ? { 'tls-ca': ca } : {}),
    },
  } as Record<typeof SOURCE_APP | typeof TARGET_APP | typeof CONNECT_APP, ConfigValues>;
}

export interface MirrorWorldOptions {
  charmFile: string;
  stack: StackInfo;
  /** Providers hand out the TLS endpoints from the start (default: plain). */
  tls?: ProviderTls;
  /** Config of the integrator at deploy time. */
  config?: ConfigValues;
  /** Keeps the model's state and unpacked charms there (default: a temporary directory). */
  modelDir?: string;
  /** Provider charms (default `python`, the real-library ones). */
  providers?: ProviderFlavour;
  /** Extra config of the source/target Kafka providers (e.g. `kafka-version`, `tls`) at deploy. */
  kafkaConfig?: ConfigValues;
  /** Extra config of the Connect provider at deploy (e.g. https `endpoints` + `tls-ca`). */
  connectConfig?: ConfigValues;
}

export class MirrorWorld {
  readonly rest: AxiosInstance;
  /** Relation ids by endpoint, once integrated. */
  readonly relations: Partial<Record<'source' | 'target' | 'connect-client', number>> = {};

  /** Whether the providers hand out TLS endpoints (kept current by configureProviders). */
  private tls: ProviderTls;
  private caAppDeployed = false;
  /** What each application was deployed with, for `ready()` to put back. */
  private readonly deployed: { charm: ConfigValues; kafka: ConfigValues; connect: ConfigValues };

  private constructor(
    readonly lm: LocalModel,
    readonly stack: StackInfo,
    opts: Pick<MirrorWorldOptions, 'tls' | 'config' | 'kafkaConfig' | 'connectConfig'> = {},
  ) {
    this.tls = { ...opts.tls };
    this.deployed = { charm: opts.config ?? {}, kafka: opts.kafkaConfig ?? {}, connect: opts.connectConfig ?? {} };
    this.rest = axios.create({
      baseURL: stack.connect.url,
      auth: { username: stack.connect.username, password: stack.connect.password },
      timeout: 30_000,
      validateStatus: () => true,
    });
  }

  /** Opens a local model and deploys the three providers (configured from stack.json) and the charm. */
  static async create(opts: MirrorWorldOptions): Promise<MirrorWorld> {
    const lm = await LocalModel.open({
      cacheDir: path.join(REPO_ROOT, '.tscharm', 'localmodel'),
      ...(opts.modelDir ? { modelDir: opts.modelDir } : {}),
      // A fixed interleaving seed unless LOCALMODEL_SEED picks another (11, 22, 33 pass the e2e suite).
      ...(process.env['LOCALMODEL_SEED'] ? {} : { seed: 11 }),
    });
    const world = new MirrorWorld(lm, opts.stack, opts);
    try {
      const providers = providerCharmDirs(opts.providers);
      const configs = providerConfigs(opts.stack, opts.tls);
      await lm.deploy(providers.kafka, { app: SOURCE_APP, config: { ...configs[SOURCE_APP], ...opts.kafkaConfig } });
      await lm.deploy(providers.kafka, { app: TARGET_APP, config: { ...configs[TARGET_APP], ...opts.kafkaConfig } });
      await lm.deploy(providers.connect, { app: CONNECT_APP, config: { ...configs[CONNECT_APP], ...opts.connectConfig } });
      await lm.deploy(opts.charmFile, { app: APP, config: opts.config ?? {} });
    } catch (e) {
      await lm.close();
      throw e;
    }
    return world;
  }

  /** `juju integrate` in the order a user follows: source, target, then connect-client. */
  async integrateAll(): Promise<void> {
    await this.integrate('source');
    await this.integrate('target');
    await this.integrate('connect-client');
    if (this.tls.connect) await this.provideConnectCa(this.stack);
  }

  /**
   * What an operator does for a Kafka Connect that already serves https when integrated: Charmed
   * Kafka Connect then sends no CA over connect-client (it sends TLS data only when its endpoints
   * change), so the CA comes from a certificate_transfer provider on `receive-ca-cert`
   * (tools/provider-charms-py/ca-transfer). Deploys and integrates it once; later calls hand out
   * `stack`'s current CA (a rotation).
   */
  async provideConnectCa(stack: StackInfo): Promise<void> {
    const certificates = stackCaPem(stack);
    if (this.caAppDeployed) {
      await this.lm.config(CA_APP, { certificates });
      return;
    }
    await this.lm.deploy(path.join(REPO_ROOT, 'tools', 'provider-charms-py', 'ca-transfer'), {
      app: CA_APP,
      config: { certificates },
    });
    this.caAppDeployed = true;
    await this.lm.integrate(`${APP}:receive-ca-cert`, CA_APP);
  }

  /**
   * Brings the world to where every scenario of a file starts, whatever ran before it: each
   * application back on its deploy-time config (a scenario's `juju config` undone; an unchanged
   * config fires no hook), the three relations integrated, mirroring not paused, and Active.
   * A scenario calls it first (in `beforeEach`), so it can run alone or in any order.
   */
  async ready(timeoutMs = 120_000): Promise<{ status: string; message: string }> {
    await this.restoreConfig(APP, this.deployed.charm);
    const providers = providerConfigs(this.stack, this.tls);
    await this.restoreConfig(SOURCE_APP, { ...providers[SOURCE_APP], ...this.deployed.kafka });
    await this.restoreConfig(TARGET_APP, { ...providers[TARGET_APP], ...this.deployed.kafka });
    await this.restoreConfig(CONNECT_APP, { ...providers[CONNECT_APP], ...this.deployed.connect });
    for (const endpoint of ['source', 'target', 'connect-client'] as const) {
      if (this.relations[endpoint] === undefined) await this.integrate(endpoint);
    }
    if (this.tls.connect && !this.caAppDeployed) await this.provideConnectCa(this.stack);
    if (/paused by operator/.test(this.status().message)) {
      const resumed = await this.action('resume');
      if (resumed.status !== 'completed') throw new Error(`resume: ${resumed.message ?? resumed.status}`);
    }
    return this.waitForActive(timeoutMs);
  }

  /** `juju config` of `app` back to exactly `values`: options set since then are reset. */
  private async restoreConfig(app: string, values: ConfigValues): Promise<void> {
    const set = Object.keys(this.lm.model.applications[app]!.config);
    const reset = Object.fromEntries(set.filter((k) => !(k in values)).map((k) => [k, null]));
    await this.lm.config(app, { ...reset, ...values });
  }

  async integrate(endpoint: 'source' | 'target' | 'connect-client'): Promise<number> {
    const remote = endpoint === 'source' ? SOURCE_APP : endpoint === 'target' ? TARGET_APP : CONNECT_APP;
    const id = await this.lm.integrate(`${APP}:${endpoint}`, remote);
    this.relations[endpoint] = id;
    return id;
  }

  async removeRelation(endpoint: 'source' | 'target' | 'connect-client'): Promise<void> {
    const remote = endpoint === 'source' ? SOURCE_APP : endpoint === 'target' ? TARGET_APP : CONNECT_APP;
    await this.lm.removeRelation(`${APP}:${endpoint}`, remote);
    delete this.relations[endpoint];
  }

  /** The charm's leader unit (`mirrormaker/0` until a scale-down removes it). */
  leaderUnit(): string {
    return leaderOf(this.lm.model, APP)?.name ?? UNIT;
  }

  /** A unit's workload status; by default the leader's, the unit that writes the connectors. */
  status(unit = this.leaderUnit()): { status: string; message: string } {
    const s = this.lm.model.units[unit]!.status;
    return { status: s.status, message: s.message };
  }

  /** What a failed wait should show: every unit of ours with its status, its last hooks and log lines. */
  explain(last = 12): string {
    const ours = Object.values(this.lm.model.units).filter((u) => u.app === APP);
    return ours
      .map((u) => {
        const hooks = this.lm.history.filter((h) => h.unit === u.name).slice(-last);
        const logs = this.lm.model.logs.filter((l) => l.unit === u.name).slice(-last);
        return [
          `${u.name}${u.leader ? ' (leader)' : ''}: ${u.status.status} "${u.status.message}"`,
          ...hooks.map((h) => `  hook ${h.event}${h.relationId !== undefined ? ` r${h.relationId}` : ''} exit ${h.exitCode}`),
          ...logs.map((l) => `  log ${l.level} [${l.context}] ${l.message}`),
        ].join('\n');
      })
      .join('\n');
  }

  /** Runs update-status ticks until `accept(status)` holds; bounded. */
  async waitForStatus(
    accept: (s: { status: string; message: string }) => boolean,
    what: string,
    timeoutMs = 60_000,
    intervalMs = 1_000,
  ): Promise<{ status: string; message: string }> {
    const t0 = Date.now();
    for (;;) {
      const s = this.status();
      if (accept(s)) return s;
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`unit ${this.leaderUnit()} not ${what} after ${timeoutMs} ms: ${s.status} "${s.message}"`);
      await sleep(intervalMs);
      await this.lm.updateStatus();
    }
  }

  waitForActive(timeoutMs = 60_000): Promise<{ status: string; message: string }> {
    // Connector-level "N connectors RUNNING", or the health check's "lag N records" once measured.
    return this.waitForStatus(
      (s) => s.status === 'active' && /RUNNING|: lag \d+ records?/.test(s.message) && !/paused/.test(s.message),
      'active with connectors RUNNING',
      timeoutMs,
    );
  }

  async config(values: ConfigValues): Promise<void> {
    await this.lm.config(APP, values);
  }

  /**
   * Re-configures the providers for `stack`'s plain or TLS endpoints (`juju config` on each, as an
   * operator turning TLS on or handing out a rotated CA); the charm hears it through the relations.
   */
  async configureProviders(stack: StackInfo, tls: ProviderTls): Promise<void> {
    const configs = providerConfigs(stack, tls);
    for (const app of [SOURCE_APP, TARGET_APP, CONNECT_APP] as const) await this.lm.config(app, configs[app]);
    this.tls = { ...tls };
    // a rotated CA reaches a receive-ca-cert client only through its certificate_transfer provider
    if (tls.connect && this.caAppDeployed) await this.provideConnectCa(stack);
  }

  /** Deletes this charm's connectors from the worker directly (test clean-up, not the charm's job). */
  async deleteOurConnectors(): Promise<void> {
    for (const n of await this.ourConnectors()) await this.rest.delete(`/connectors/${encodeURIComponent(n)}`);
  }

  async action(name: string, params: Record<string, unknown> = {}): Promise<ActionOutcome> {
    return this.lm.run(this.leaderUnit(), name, params);
  }

  /** The connectors on the worker (all of them, not only ours). */
  async connectorNames(): Promise<string[]> {
    const r = await this.restGet<string[]>('/connectors');
    return [...r].sort();
  }

  /** Connector states: name → {connector state, task states}. */
  async connectorStates(): Promise<Record<string, { state: string; tasks: string[] }>> {
    const r =
      await this.restGet<Record<string, { status: { connector: { state: string }; tasks: { state: string }[] } }>>(
        '/connectors?expand=status',
      );
    const out: Record<string, { state: string; tasks: string[] }> = {};
    for (const [name, v] of Object.entries(r)) out[name] = { state: v.status.connector.state, tasks: v.status.tasks.map((t) => t.state) };
    return out;
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return this.restGet<Record<string, string>>(`/connectors/${encodeURIComponent(name)}/config`);
  }

  /**
   * GET on the worker, retried while it answers 409/500/503: a distributed worker refuses or times
   * out requests for a few seconds while its group rebalances (after any connector is created).
   */
  private async restGet<T>(url: string): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await this.rest.get<T>(url);
      if (r.status === 200) return r.data;
      if (![409, 500, 503].includes(r.status) || Date.now() > deadline) throw new Error(`GET ${url}: HTTP ${r.status}`);
      await sleep(500);
    }
  }

  /**
   * This model's connectors on the worker (the naming scheme `mirror_<kind>_<app>_r<id>_<model uuid>`):
   * earlier files' models share the worker and the application name, not the model UUID.
   */
  async ourConnectors(): Promise<string[]> {
    const uuidHex = this.lm.model.uuid.replace(/-/g, '');
    return (await this.connectorNames()).filter((n) => n.startsWith(`mirror_`) && n.includes(`_${APP}_r`) && n.endsWith(`_${uuidHex}`));
  }

  /**
   * Closes the model and deletes its connectors from the shared worker: a closed model's charm can
   * no longer remove them, and a connector left running (`topics=.*`) would keep writing into the
   * next files' topics.
   */
  async close(): Promise<void> {
    try {
      await this.deleteOurConnectors();
    } catch {
      // the worker may be gone (a file that stopped or reset it); nothing of ours runs there then
    }
    await this.lm.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value that is not undefined; bounded. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const t0 = Date.now();
  let lastError = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      lastError = '';
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await sleep(intervalMs);
  }
}
