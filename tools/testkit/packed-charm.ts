/**
 * The packed MirrorMaker charm under the local model, shared by the packed-charm tests and
 * bench/packed.ts: pack the real charm once (tscharm's pack API, runtime cached where tscharm
 * caches it), stage the provider test doubles, open a local model whose hook PATH holds the hook
 * tools and no `node`, and record every hook's tool-call transcript (lib/sim's, secret content
 * redacted) as the agent serves it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SYSTEM_PATH } from '../../lib/localmodel/dispatcher';
import { LocalModel } from '../../lib/localmodel/driver';
import type { ToolAgent } from '../../lib/localmodel/agent';
import type { HookSession, ToolCallRecord } from '../../lib/sim';
import { pack } from '../../lib/tscharm/pack';
import { DEFAULT_NODE_VERSION, hostArchitecture } from '../../lib/tscharm/runtime';

export const REPO_ROOT = process.env['TSCHARM_REPO_ROOT'] ?? path.resolve(__dirname, '..', '..');
/** Node runtime tarballs, shared with `tscharm pack` (git-ignored). */
export const RUNTIME_CACHE = path.join(REPO_ROOT, '.tscharm', 'cache');
/** Compiled hook-tool shim, shared with the local model tests. */
export const SHIM_CACHE = path.join(REPO_ROOT, '.tscharm', 'localmodel');
export const CHARM_FILE_NAME = 'mirrormaker-connect-integrator_ubuntu@22.04-amd64.charm';
/** The Kubernetes build (`tscharm pack --variant k8s`). */
export const K8S_CHARM_FILE_NAME = 'mirrormaker-connect-k8s-integrator_ubuntu@22.04-amd64.charm';

/** What a unit must not be assumed to have: the packed charm brings its own Node. */
const NODE_TOOLS = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack']);

/**
 * System PATH after the tools directory: this machine's, without Node. /usr/bin here holds `node`,
 * which a Juju unit does not have, so the hooks get one directory of links to every program of the
 * usual system PATH (first one of each name wins, as a PATH lookup does) except Node's. The packed
 * dispatch needs /bin/sh, and the unpack of its runtime `xz` and `sha256sum` or `python3`, as on
 * an Ubuntu unit. Made once per machine under .tscharm/localmodel/.
 */
export function noNodeSystemPath(): string {
  const dir = path.join(SHIM_CACHE, 'system-bin-without-node');
  if (fs.existsSync(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const linked = new Set<string>();
  for (const bin of DEFAULT_SYSTEM_PATH.split(':')) {
    let names: string[];
    try {
      names = fs.readdirSync(bin);
    } catch {
      continue;
    }
    for (const name of names) {
      if (linked.has(name) || NODE_TOOLS.has(name)) continue;
      linked.add(name);
      fs.symlinkSync(path.join(bin, name), path.join(tmp, name));
    }
  }
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // Another process made it first: use theirs.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw err;
  }
  return dir;
}

/** Fake credentials handed out by the provider doubles (what must never show up anywhere). */
export const SOURCE_USER = 'mm2-a';
export const SOURCE_PASSWORD = 'srcScram-Pw-packed-7Qx2vN';
export const TARGET_USER = 'mm2-b';
export const TARGET_PASSWORD = 'tgtScram-Pw-packed-K9m4Zr';
export const REST_USER = 'connect-admin';
export const REST_PASSWORD = 'restConn-Pw-packed-3Hq8Lw';
export const ALL_PASSWORDS = [SOURCE_PASSWORD, TARGET_PASSWORD, REST_PASSWORD];

/** `tscharm pack --entry charm/main.ts [--variant k8s]` from the repo root into `outDir`. */
export async function packMirrorMaker(outDir: string, variant: 'machine' | 'k8s' = 'machine'): Promise<string> {
  const arch = hostArchitecture();
  if (arch !== 'amd64') throw new Error(`the packed-charm tests expect an amd64 host, not ${String(arch)}`);
  const result = await pack({
    charmDir: REPO_ROOT,
    entry: 'charm/main.ts',
    base: 'ubuntu@22.04',
    arch,
    outDir,
    nodeVersion: DEFAULT_NODE_VERSION,
    cacheDir: RUNTIME_CACHE,
    variant,
  });
  if (path.basename(result.charmFile) !== (variant === 'k8s' ? K8S_CHARM_FILE_NAME : CHARM_FILE_NAME))
    throw new Error(`unexpected charm file ${result.charmFile}`);
  return result.charmFile;
}

/**
 * A copy of a provider test double (tools/provider-charms/<name>, built by its build.js) whose
 * dispatch runs this process's node by absolute path: the providers are unpacked test doubles that
 * expect `node` on PATH, and the model's PATH has none (which is what the packed charm must prove).
 */
export function stageProvider(name: 'kafka-client-provider' | 'connect-client-provider', into: string): string {
  const src = path.join(REPO_ROOT, 'tools', 'provider-charms', name);
  const bundle = path.join(src, 'dist', 'charm.js');
  // A fresh clone has no provider bundles yet: build them (build.js skips up-to-date ones).
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'tools', 'provider-charms', 'build.js')], { stdio: 'pipe' });
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing after tools/provider-charms/build.js`);
  const dir = path.join(into, name);
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  for (const f of ['metadata.yaml', 'config.yaml']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  fs.copyFileSync(bundle, path.join(dir, 'dist', 'charm.js'));
  fs.writeFileSync(
    path.join(dir, 'dispatch'),
    `#!/bin/sh\nJUJU_DISPATCH_PATH="\${JUJU_DISPATCH_PATH:-$0}"\nexport JUJU_DISPATCH_PATH\nexec '${process.execPath}' "\${0%/*}/dist/charm.js"\n`,
    { mode: 0o755 },
  );
  return dir;
}

/** One hook (or action) as the agent served it: its tool calls, live while it runs. */
export interface ServedHook {
  readonly unit: string;
  /** Hook name, or `action:<name>`. */
  readonly event: string;
  readonly transcript: ToolCallRecord[];
  /** The environment the hook process was given (Juju's variables). */
  readonly env: Readonly<Record<string, string>>;
}

/** Records every hook session the model's agent serves (the agent's per-context sessions). */
export function recordHooks(lm: LocalModel): ServedHook[] {
  // The agent is the local model's only door to hook tools; wrapping its register() sees every session.
  const agent = (lm as unknown as { agent: ToolAgent }).agent;
  const served: ServedHook[] = [];
  const register = agent.register.bind(agent);
  agent.register = (session: HookSession) => {
    served.push({
      unit: session.unit.name,
      event: session.spec.action ? `action:${session.spec.action.name}` : session.spec.hook!,
      transcript: session.transcript,
      env: session.env,
    });
    return register(session);
  };
  return served;
}

export interface PackedWorld {
  readonly tmp: string;
  readonly charmFile: string;
  readonly kafkaProvider: string;
  readonly connectProvider: string;
}

/** Pack the charm and stage the providers in a fresh temp dir (remove `tmp` when done). */
export async function preparePackedWorld(variant: 'machine' | 'k8s' = 'machine'): Promise<PackedWorld> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'packed-mm-'));
  const charmFile = await packMirrorMaker(path.join(tmp, 'out'), variant);
  return {
    tmp,
    charmFile,
    kafkaProvider: stageProvider('kafka-client-provider', path.join(tmp, 'providers')),
    connectProvider: stageProvider('connect-client-provider', path.join(tmp, 'providers')),
  };
}

/**
 * A new model per suite, with a fresh interleaving seed each run (printed on stderr) unless
 * LOCALMODEL_SEED=<n> replays one: every run explores another order of the units' hooks.
 */
export function openModel(modelType: 'machine' | 'kubernetes' = 'machine'): Promise<LocalModel> {
  return LocalModel.open({
    cacheDir: SHIM_CACHE,
    systemPath: noNodeSystemPath(),
    hookTimeoutMs: 60_000,
    modelType,
  });
}

/** The three providers, configured with fake clusters and the fake Connect's URL and user. */
export async function deployProviders(lm: LocalModel, world: PackedWorld, connectUrl: string): Promise<void> {
  await lm.deploy(world.kafkaProvider, {
    app: 'kafka-a',
    config: { 'bootstrap-servers': '127.0.1.12:9092,127.0.1.11:9092', username: SOURCE_USER, password: SOURCE_PASSWORD },
  });
  await lm.deploy(world.kafkaProvider, {
    app: 'kafka-b',
    config: { 'bootstrap-servers': '127.0.2.21:9092', username: TARGET_USER, password: TARGET_PASSWORD },
  });
  await lm.deploy(world.connectProvider, {
    app: 'kafka-connect',
    config: { endpoints: connectUrl, username: REST_USER, password: REST_PASSWORD },
  });
}

/** Model uuid as the charm puts it in connector names (32 hex digits). */
export function uuidHex(lm: LocalModel): string {
  return lm.model.uuid.replace(/-/g, '');
}
