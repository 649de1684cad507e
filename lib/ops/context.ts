/**
 * The dispatch environment (the JUJU_* variables Juju sets for each hook or action), parsed once
 * into a frozen, typed `JujuContext`.
 *
 * Which event this process handles comes from `JUJU_DISPATCH_PATH` (`hooks/<name>` or
 * `actions/<name>`), falling back to argv[0] when the charm is run as a legacy `hooks/<name>`
 * executable. Endpoint, storage and container names are resolved against the charm metadata,
 * and every variable the event kind needs is checked here, so the rest of the framework can
 * rely on them.
 */
import { ContextError } from './errors';
import { CharmMeta, endpointsOf } from './meta';

export type SimpleHookKind =
  | 'install'
  | 'start'
  | 'stop'
  | 'remove'
  | 'config-changed'
  | 'update-status'
  | 'upgrade-charm'
  | 'leader-elected'
  | 'leader-settings-changed'
  | 'pre-series-upgrade'
  | 'post-series-upgrade'
  | 'collect-metrics';

export type SecretHookKind = 'secret-changed' | 'secret-rotate' | 'secret-expired' | 'secret-remove';

export type RelationHookKind = 'relation-created' | 'relation-joined' | 'relation-changed' | 'relation-departed' | 'relation-broken';

export type StorageHookKind = 'storage-attached' | 'storage-detaching';

export type WorkloadHookKind = 'pebble-ready' | 'pebble-custom-notice' | 'pebble-check-failed' | 'pebble-check-recovered';

export type EventKind = SimpleHookKind | SecretHookKind | RelationHookKind | StorageHookKind | WorkloadHookKind | 'action' | 'unknown';

export const SIMPLE_HOOKS: readonly SimpleHookKind[] = [
  'install',
  'start',
  'stop',
  'remove',
  'config-changed',
  'update-status',
  'upgrade-charm',
  'leader-elected',
  'leader-settings-changed',
  'pre-series-upgrade',
  'post-series-upgrade',
  'collect-metrics',
];
export const SECRET_HOOKS: readonly SecretHookKind[] = ['secret-changed', 'secret-rotate', 'secret-expired', 'secret-remove'];
export const RELATION_HOOKS: readonly RelationHookKind[] = [
  'relation-created',
  'relation-joined',
  'relation-changed',
  'relation-departed',
  'relation-broken',
];
export const STORAGE_HOOKS: readonly StorageHookKind[] = ['storage-attached', 'storage-detaching'];
export const WORKLOAD_HOOKS: readonly WorkloadHookKind[] = [
  'pebble-ready',
  'pebble-custom-notice',
  'pebble-check-failed',
  'pebble-check-recovered',
];

/** What the dispatch path names: the event kind plus the endpoint/storage/container/action. */
export interface DispatchTarget {
  readonly kind: EventKind;
  /** Juju's name: the hook name (`source-relation-changed`) or the action name (`pause`). */
  readonly name: string;
  /** The endpoint, storage, container or action the event belongs to, when it has one. */
  readonly scope?: string;
}

export interface RelationContext {
  readonly endpoint: string;
  readonly id: number;
  readonly remoteApp: string;
  /** Empty in relation-created and relation-broken. */
  readonly remoteUnit: string | null;
  /** Only in relation-departed. */
  readonly departingUnit: string | null;
}

export interface SecretContext {
  readonly id: string;
  readonly label: string | null;
  readonly revision: number | null;
}

export interface StorageContext {
  readonly id: string;
  readonly name: string;
  readonly index: number;
  readonly location: string | null;
  readonly kind: string | null;
}

export interface WorkloadContext {
  readonly name: string;
  readonly noticeId: string | null;
  readonly noticeType: string | null;
  readonly noticeKey: string | null;
  readonly checkName: string | null;
}

export interface ActionContext {
  readonly name: string;
  readonly uuid: string;
}

export interface JujuContext {
  readonly dispatchPath: string;
  readonly target: DispatchTarget;
  readonly unitName: string;
  readonly appName: string;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly jujuVersion: string;
  readonly charmDir: string | null;
  readonly relation: RelationContext | null;
  readonly secret: SecretContext | null;
  readonly storage: StorageContext | null;
  readonly workload: WorkloadContext | null;
  readonly action: ActionContext | null;
  readonly debug: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

function endsWithKind<K extends string>(name: string, kinds: readonly K[]): { scope: string; kind: K } | null {
  for (const kind of kinds) {
    const suffix = `-${kind}`;
    if (name.length > suffix.length && name.endsWith(suffix)) {
      return { scope: name.slice(0, -suffix.length), kind };
    }
  }
  return null;
}

/** Map a dispatch path (`hooks/x` / `actions/y`) to the event it names, using the metadata. */
export function resolveDispatchPath(dispatchPath: string, meta: CharmMeta): DispatchTarget {
  const slash = dispatchPath.lastIndexOf('/');
  const dir = slash >= 0 ? dispatchPath.slice(0, slash) : '';
  const name = dispatchPath.slice(slash + 1);
  if (name === '') {
    throw new ContextError('JUJU_DISPATCH_PATH', `JUJU_DISPATCH_PATH "${dispatchPath}" names no hook or action`);
  }
  const parent = dir.slice(dir.lastIndexOf('/') + 1);
  if (parent === 'actions') {
    if (!Object.prototype.hasOwnProperty.call(meta.actions, name)) {
      throw new ContextError(
        'JUJU_DISPATCH_PATH',
        `JUJU_DISPATCH_PATH "${dispatchPath}" names action "${name}", which actions.yaml does not define`,
      );
    }
    return { kind: 'action', name, scope: name };
  }
  if ((SIMPLE_HOOKS as readonly string[]).includes(name)) return { kind: name as SimpleHookKind, name };
  if ((SECRET_HOOKS as readonly string[]).includes(name)) return { kind: name as SecretHookKind, name };
  const rel = endsWithKind(name, RELATION_HOOKS);
  if (rel && endpointsOf(meta).has(rel.scope)) return { kind: rel.kind, name, scope: rel.scope };
  const sto = endsWithKind(name, STORAGE_HOOKS);
  if (sto && Object.prototype.hasOwnProperty.call(meta.metadata.storage ?? {}, sto.scope)) {
    return { kind: sto.kind, name, scope: sto.scope };
  }
  const wl = endsWithKind(name, WORKLOAD_HOOKS);
  if (wl && Object.prototype.hasOwnProperty.call(meta.metadata.containers ?? {}, wl.scope)) {
    return { kind: wl.kind, name, scope: wl.scope };
  }
  // Something this charm does not declare (e.g. the legacy meter-status-changed): a no-op.
  return { kind: 'unknown', name };
}

const UNIT_NAME = /^([a-z][a-z0-9-]*)\/(\d+)$/;

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly eventName: string,
  ) {}
  optional(name: string): string | null {
    const v = this.env[name];
    return v === undefined || v === '' ? null : v;
  }
  required(name: string): string {
    const v = this.env[name];
    if (v === undefined || v === '') {
      throw new ContextError(name, `${name} is not set, but the "${this.eventName}" event needs it`);
    }
    return v;
  }
  unitName(name: string, value: string): string {
    if (!UNIT_NAME.test(value)) {
      throw new ContextError(name, `${name}="${value}" is not a unit name of the form <application>/<number>`);
    }
    return value;
  }
  integer(name: string, value: string): number {
    if (!/^\d+$/.test(value)) throw new ContextError(name, `${name}="${value}" is not a non-negative integer`);
    return Number(value);
  }
}

/**
 * Parse the environment of one dispatch. Throws `ContextError` naming the first missing or
 * malformed variable.
 */
export function parseJujuContext(env: Env, meta: CharmMeta, argv0?: string): JujuContext {
  let dispatchPath = env.JUJU_DISPATCH_PATH;
  if (dispatchPath === undefined || dispatchPath === '') {
    // Juju < 2.7, or run directly as hooks/<name>: the executable's own path says which event.
    const m = argv0 ? /(?:^|\/)((?:hooks|actions)\/[^/]+)$/.exec(argv0) : null;
    if (!m) {
      throw new ContextError('JUJU_DISPATCH_PATH', 'JUJU_DISPATCH_PATH is not set and argv[0] is not hooks/<name> or actions/<name>');
    }
    dispatchPath = m[1];
  }
  const target = resolveDispatchPath(dispatchPath, meta);
  const r = new EnvReader(env, target.name);

  if (target.kind !== 'action' && env.JUJU_HOOK_NAME === undefined) {
    throw new ContextError('JUJU_HOOK_NAME', `JUJU_HOOK_NAME is not set, but the "${target.name}" event needs it`);
  }
  const unitName = r.unitName('JUJU_UNIT_NAME', r.required('JUJU_UNIT_NAME'));
  const modelName = r.required('JUJU_MODEL_NAME');
  const modelUuid = r.required('JUJU_MODEL_UUID');
  // ops defaults a missing version to 0.0.0 only for the legacy metering hooks.
  const jujuVersion =
    target.kind === 'collect-metrics' || target.kind === 'unknown' ? (r.optional('JUJU_VERSION') ?? '0.0.0') : r.required('JUJU_VERSION');
  if (!/^\d+\.\d+/.test(jujuVersion)) {
    throw new ContextError('JUJU_VERSION', `JUJU_VERSION="${jujuVersion}" is not a version like 3.6.4`);
  }

  let relation: RelationContext | null = null;
  if ((RELATION_HOOKS as readonly string[]).includes(target.kind)) {
    const endpoint = r.required('JUJU_RELATION');
    if (endpoint !== target.scope) {
      throw new ContextError(
        'JUJU_RELATION',
        `JUJU_RELATION="${endpoint}" does not match the endpoint "${target.scope}" of hook "${target.name}"`,
      );
    }
    const rawId = r.required('JUJU_RELATION_ID');
    const idMatch = /^(?:([^:]+):)?(\d+)$/.exec(rawId);
    if (!idMatch || (idMatch[1] !== undefined && idMatch[1] !== endpoint)) {
      throw new ContextError('JUJU_RELATION_ID', `JUJU_RELATION_ID="${rawId}" is not of the form ${endpoint}:<number>`);
    }
    // relation-changed has no remote unit when only the remote *application* bag changed (Juju
    // 2.7+ fires it with JUJU_REMOTE_UNIT empty), so only joined/departed require one.
    const needsUnit = target.kind === 'relation-joined' || target.kind === 'relation-departed';
    const remoteUnitRaw = needsUnit ? r.required('JUJU_REMOTE_UNIT') : r.optional('JUJU_REMOTE_UNIT');
    const remoteUnit = remoteUnitRaw === null ? null : r.unitName('JUJU_REMOTE_UNIT', remoteUnitRaw);
    const departing = target.kind === 'relation-departed' ? r.required('JUJU_DEPARTING_UNIT') : r.optional('JUJU_DEPARTING_UNIT');
    relation = {
      endpoint,
      id: Number(idMatch[2]),
      remoteApp: r.required('JUJU_REMOTE_APP'),
      remoteUnit,
      departingUnit: departing === null ? null : r.unitName('JUJU_DEPARTING_UNIT', departing),
    };
  }

  let secret: SecretContext | null = null;
  if ((SECRET_HOOKS as readonly string[]).includes(target.kind)) {
    const needsRevision = target.kind === 'secret-remove' || target.kind === 'secret-expired';
    const rev = needsRevision ? r.required('JUJU_SECRET_REVISION') : r.optional('JUJU_SECRET_REVISION');
    const id = r.required('JUJU_SECRET_ID');
    if (!/^secret:/.test(id)) throw new ContextError('JUJU_SECRET_ID', `JUJU_SECRET_ID="${id}" is not a secret URI`);
    secret = {
      id,
      label: r.optional('JUJU_SECRET_LABEL'),
      revision: rev === null ? null : r.integer('JUJU_SECRET_REVISION', rev),
    };
  }

  let storage: StorageContext | null = null;
  if ((STORAGE_HOOKS as readonly string[]).includes(target.kind)) {
    const id = r.required('JUJU_STORAGE_ID');
    const m = /^([a-z][a-z0-9-]*)\/(\d+)$/.exec(id);
    if (!m || m[1] !== target.scope) {
      throw new ContextError('JUJU_STORAGE_ID', `JUJU_STORAGE_ID="${id}" is not of the form ${target.scope}/<number>`);
    }
    storage = {
      id,
      name: m[1],
      index: Number(m[2]),
      location: r.optional('JUJU_STORAGE_LOCATION'),
      kind: r.optional('JUJU_STORAGE_KIND'),
    };
  }

  let workload: WorkloadContext | null = null;
  if ((WORKLOAD_HOOKS as readonly string[]).includes(target.kind)) {
    const name = r.required('JUJU_WORKLOAD_NAME');
    if (name !== target.scope) {
      throw new ContextError('JUJU_WORKLOAD_NAME', `JUJU_WORKLOAD_NAME="${name}" does not match container "${target.scope}"`);
    }
    const notice = target.kind === 'pebble-custom-notice';
    const check = target.kind === 'pebble-check-failed' || target.kind === 'pebble-check-recovered';
    workload = {
      name,
      noticeId: notice ? r.required('JUJU_NOTICE_ID') : null,
      noticeType: notice ? r.required('JUJU_NOTICE_TYPE') : null,
      noticeKey: notice ? r.required('JUJU_NOTICE_KEY') : null,
      checkName: check ? r.required('JUJU_PEBBLE_CHECK_NAME') : null,
    };
  }

  let action: ActionContext | null = null;
  if (target.kind === 'action') {
    const name = r.required('JUJU_ACTION_NAME');
    if (name !== target.name) {
      throw new ContextError('JUJU_ACTION_NAME', `JUJU_ACTION_NAME="${name}" does not match the dispatch path "${dispatchPath}"`);
    }
    action = { name, uuid: r.required('JUJU_ACTION_UUID') };
  }

  return Object.freeze({
    dispatchPath,
    target: Object.freeze(target),
    unitName,
    appName: unitName.slice(0, unitName.indexOf('/')),
    modelName,
    modelUuid,
    jujuVersion,
    charmDir: r.optional('JUJU_CHARM_DIR') ?? r.optional('CHARM_DIR'),
    relation: relation && Object.freeze(relation),
    secret: secret && Object.freeze(secret),
    storage: storage && Object.freeze(storage),
    workload: workload && Object.freeze(workload),
    action: action && Object.freeze(action),
    debug: r.optional('JUJU_DEBUG') !== null,
  });
}
