/**
 * The in-memory Juju model: plain data, serialisable with JSON.stringify and back.
 *
 * Everything the controller would hold for one model lives here: applications with their charm
 * metadata and config, units, relations with their databags, secrets with revisions, grants and
 * consumer tracking, per-unit controller state, status with history, ports, logs and action runs.
 * Hook sessions (session.ts) read this data and write it back on commit; a lifecycle driver (the
 * local model) or the test harness owns the object.
 */
import { createHash } from 'node:crypto';

export type ConfigOptionType = 'string' | 'int' | 'float' | 'boolean' | 'secret';
export type ConfigValue = string | number | boolean;
export type EndpointRole = 'provides' | 'requires' | 'peers';

export interface SimEndpoint {
  readonly role: EndpointRole;
  readonly interface: string;
  readonly limit?: number;
  readonly optional?: boolean;
}

export interface SimConfigOption {
  readonly type: ConfigOptionType;
  readonly default?: ConfigValue | null;
  readonly description?: string;
}

export interface SimAction {
  readonly description?: string;
  /** JSON-Schema `properties` of the params, as in actions.yaml. */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

/** What the simulator needs from a charm's metadata.yaml / config.yaml / actions.yaml. */
export interface SimCharmMeta {
  readonly name: string;
  readonly endpoints: Readonly<Record<string, SimEndpoint>>;
  readonly extraBindings?: readonly string[];
  readonly config: Readonly<Record<string, SimConfigOption>>;
  readonly actions: Readonly<Record<string, SimAction>>;
  /** metadata.yaml `resources` (name → type), for `resource-get`. */
  readonly resources?: Readonly<Record<string, { readonly type: string; readonly filename?: string }>>;
}

export type WorkloadStatusName = 'active' | 'blocked' | 'maintenance' | 'waiting' | 'unknown' | 'error';

export interface StatusRecord {
  status: WorkloadStatusName;
  message: string;
  data: Record<string, unknown>;
  /** RFC 3339 timestamp. */
  since: string;
}

export type Bag = Record<string, string>;

export interface SimApplication {
  name: string;
  charm: SimCharmMeta;
  /** Values set by the operator (`juju config`); defaults come from `charm.config`. */
  config: Record<string, ConfigValue>;
  status: StatusRecord;
  statusHistory: StatusRecord[];
  workloadVersion: string;
  /** Legacy leader settings (leader-get / leader-set). */
  leaderSettings: Bag;
  /** Attached resource files (`juju attach-resource`): resource name → local path. */
  resources?: Record<string, string>;
  /** The application's unit sequence on machines: the next unit's number (see addUnit). */
  nextUnitNumber?: number;
}

export interface PortRange {
  /** "tcp" | "udp" | "icmp" */
  protocol: 'tcp' | 'udp' | 'icmp';
  from: number;
  to: number;
}

export interface OpenedPort extends PortRange {
  /** Endpoints the port is opened for; empty means all endpoints ("*"). */
  endpoints: string[];
}

export interface SimUnit {
  name: string;
  app: string;
  leader: boolean;
  /** Address used for relation pre-fill, network-get and unit-get. */
  address: string;
  machine: string;
  status: StatusRecord;
  statusHistory: StatusRecord[];
  /** Charm state held by the controller (state-get / state-set). */
  state: Bag;
  openedPorts: OpenedPort[];
}

export interface RelationEnd {
  app: string;
  endpoint: string;
}

export interface SimRelation {
  id: number;
  /** Two ends for a regular relation, one for a peer relation. */
  ends: RelationEnd[];
  /** Units that have entered the relation scope (both sides). */
  scope: string[];
  /** Units that have run this relation's relation-broken: it is gone from their hook context. */
  brokenUnits?: string[];
  /** `dying` while relation-broken runs; such relations are still listed by relation-ids. */
  life: 'alive' | 'dying';
  appData: Record<string, Bag>;
  unitData: Record<string, Bag>;
}

export type SecretRotatePolicy = 'never' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly';

export interface SecretRevision {
  revision: number;
  content: Bag;
  createTime: string;
  expireTime?: string;
  /** Set once secret-remove has been queued for the revision. */
  obsolete?: boolean;
}

export interface SecretGrant {
  /** An application or unit name. */
  target: string;
  kind: 'application' | 'unit';
  /** The relation the grant was made over (grants go away with the relation). */
  relationId?: number;
  role: 'view' | 'manage';
}

export interface SecretConsumer {
  /** The revision this consumer unit tracks (pinned on first read). */
  revision: number;
  label?: string;
}

export interface SimSecret {
  /** The 20-character xid; the URI is `secret:<id>`. */
  id: string;
  owner: { kind: 'application'; app: string } | { kind: 'unit'; unit: string };
  /** The owner's label. */
  label?: string;
  description?: string;
  expireTime?: string;
  rotatePolicy?: SecretRotatePolicy;
  revisions: SecretRevision[];
  grants: SecretGrant[];
  /** Per consumer unit: tracked revision and the consumer's label. */
  consumers: Record<string, SecretConsumer>;
}

export interface LogRecord {
  unit: string;
  level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  message: string;
  /** Hook or action the record was written in. */
  context: string;
  time: string;
}

export type ActionStatus = 'running' | 'completed' | 'failed';

export interface ActionRun {
  id: string;
  unit: string;
  name: string;
  params: Record<string, unknown>;
  /** Results written with action-set (nested by dotted keys). */
  results: Record<string, unknown>;
  logs: string[];
  status: ActionStatus;
  /** Set by action-fail, or by Juju when the process exits non-zero. */
  failMessage?: string;
  returnCode?: number;
  stdout?: string;
  stderr?: string;
}

export interface JujuModel {
  name: string;
  uuid: string;
  jujuVersion: string;
  /** Juju's model type: 'iaas' (machines, the default) or 'caas' (Kubernetes). */
  type?: 'iaas' | 'caas';
  applications: Record<string, SimApplication>;
  units: Record<string, SimUnit>;
  relations: SimRelation[];
  secrets: Record<string, SimSecret>;
  logs: LogRecord[];
  actions: ActionRun[];
  nextRelationId: number;
  nextActionId: number;
  nextSecretSeq: number;
  nextContextSeq: number;
}

export const DEFAULT_JUJU_VERSION = '3.6.4';

/**
 * Whether an action accepts params its schema does not list when actions.yaml leaves
 * `additionalProperties` unset: Juju 3 passes extra params through (JSON Schema's default, true),
 * Juju 4 defaults it to false. (lib/ops/validation.ts holds the same rule for the charm side.)
 */
/** `a` ≥ `b` for dotted versions such as "3.6.2" (a suffix like "-beta1" is ignored). */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  }
  return true;
}

export function defaultActionAdditionalProperties(jujuVersion: string | undefined): boolean {
  const major = Number(/^(\d+)\./.exec(jujuVersion ?? '')?.[1] ?? '3');
  return major < 4;
}
const EPOCH = '1970-01-01T00:00:00Z';

export function unknownStatus(since: string = EPOCH): StatusRecord {
  return { status: 'unknown', message: '', data: {}, since };
}

export function createModel(opts: { name?: string; uuid?: string; jujuVersion?: string; type?: 'iaas' | 'caas' } = {}): JujuModel {
  return {
    name: opts.name ?? 'test-model',
    ...(opts.type === 'caas' ? { type: 'caas' as const } : {}),
    uuid: opts.uuid ?? '00000000-0000-4000-8000-000000000000',
    jujuVersion: opts.jujuVersion ?? DEFAULT_JUJU_VERSION,
    applications: {},
    units: {},
    relations: [],
    secrets: {},
    logs: [],
    actions: [],
    nextRelationId: 0,
    nextActionId: 1,
    nextSecretSeq: 1,
    nextContextSeq: 1,
  };
}

export function addApplication(
  model: JujuModel,
  name: string,
  charm: SimCharmMeta,
  config: Record<string, ConfigValue> = {},
): SimApplication {
  if (model.applications[name]) throw new Error(`application "${name}" already exists`);
  const app: SimApplication = {
    name,
    charm,
    config: { ...config },
    status: unknownStatus(),
    statusHistory: [],
    workloadVersion: '',
    leaderSettings: {},
  };
  model.applications[name] = app;
  return app;
}

export function addUnit(model: JujuModel, app: string, opts: { leader?: boolean; address?: string; number?: number } = {}): SimUnit {
  const application = model.applications[app];
  if (!application) throw new Error(`application "${app}" not found`);
  const existing = unitsOf(model, app).map((u) => unitNumber(u.name));
  const afterHighest = existing.length === 0 ? 0 : Math.max(...existing) + 1;
  // On machines Juju numbers an application's units from a sequence and never gives a number
  // again, so a removed unit's name never comes back. On Kubernetes a unit is its StatefulSet pod,
  // named by the pod's ordinal: a scale-down removes the highest ordinals and the next scale-up
  // takes them again (a new unit under an old name).
  const n = opts.number ?? (model.type === 'caas' ? afterHighest : Math.max(afterHighest, application.nextUnitNumber ?? 0));
  if (model.type !== 'caas') application.nextUnitNumber = Math.max(application.nextUnitNumber ?? 0, n + 1);
  const name = `${app}/${n}`;
  if (model.units[name]) throw new Error(`unit "${name}" already exists`);
  const unit: SimUnit = {
    name,
    app,
    leader: opts.leader ?? false,
    address: opts.address ?? '127.0.0.1',
    machine: String(Object.keys(model.units).length),
    status: unknownStatus(),
    statusHistory: [],
    state: {},
    openedPorts: [],
  };
  model.units[name] = unit;
  if (unit.leader) setLeader(model, name);
  return unit;
}

export function setLeader(model: JujuModel, unitName: string): void {
  const unit = requireUnit(model, unitName);
  for (const u of unitsOf(model, unit.app)) u.leader = u.name === unitName;
}

/** The pre-filled unit bag Juju writes when a unit enters a relation scope. */
export function prefilledUnitBag(unit: SimUnit): Bag {
  return { 'egress-subnets': `${unit.address}/32`, 'ingress-address': unit.address, 'private-address': unit.address };
}

/**
 * Add a relation between `a` and `b` ("app:endpoint"), or a peer relation when `b` is omitted.
 * Every current unit of both applications enters the scope unless `scope` is given.
 */
export function addRelation(model: JujuModel, a: string, b?: string, opts: { id?: number; scope?: readonly string[] } = {}): SimRelation {
  const ends = [parseEnd(model, a)];
  if (b !== undefined) ends.push(parseEnd(model, b));
  const roles = ends.map((e) => model.applications[e.app]!.charm.endpoints[e.endpoint]!.role);
  if (ends.length === 1 && roles[0] !== 'peers') throw new Error(`endpoint "${a}" is not a peer endpoint`);
  if (ends.length === 2) {
    const [ra, rb] = roles;
    const ok = (ra === 'provides' && rb === 'requires') || (ra === 'requires' && rb === 'provides');
    if (!ok) throw new Error(`cannot relate "${a}" (${ra}) to "${b}" (${rb})`);
    const ia = model.applications[ends[0]!.app]!.charm.endpoints[ends[0]!.endpoint]!.interface;
    const ib = model.applications[ends[1]!.app]!.charm.endpoints[ends[1]!.endpoint]!.interface;
    if (ia !== ib) throw new Error(`cannot relate "${a}" (interface ${ia}) to "${b}" (interface ${ib})`);
  }
  const id = opts.id ?? model.nextRelationId;
  if (model.relations.some((r) => r.id === id)) throw new Error(`relation id ${id} already in use`);
  model.nextRelationId = Math.max(model.nextRelationId, id + 1);
  const scope = opts.scope
    ? [...opts.scope]
    : ends.flatMap((e) => unitsOf(model, e.app).map((u) => u.name)).filter((v, i, all) => all.indexOf(v) === i);
  const relation: SimRelation = { id, ends, scope, life: 'alive', appData: {}, unitData: {} };
  for (const e of ends) relation.appData[e.app] = {};
  for (const unitName of scope) relation.unitData[unitName] = prefilledUnitBag(requireUnit(model, unitName));
  model.relations.push(relation);
  return relation;
}

function parseEnd(model: JujuModel, spec: string): RelationEnd {
  const [app, endpoint] = spec.split(':');
  if (!app || !endpoint) throw new Error(`relation end "${spec}" must be "app:endpoint"`);
  const application = model.applications[app];
  if (!application) throw new Error(`application "${app}" not found`);
  if (!application.charm.endpoints[endpoint]) throw new Error(`application "${app}" has no endpoint "${endpoint}"`);
  return { app, endpoint };
}

export function unitNumber(unitName: string): number {
  return Number(unitName.slice(unitName.lastIndexOf('/') + 1));
}

export function appOfUnit(unitName: string): string {
  return unitName.slice(0, unitName.lastIndexOf('/'));
}

/** Unit names sorted as Juju sorts them: by application, then by number. */
export function compareUnitNames(a: string, b: string): number {
  const appA = appOfUnit(a);
  const appB = appOfUnit(b);
  if (appA !== appB) return appA < appB ? -1 : 1;
  return unitNumber(a) - unitNumber(b);
}

export function unitsOf(model: JujuModel, app: string): SimUnit[] {
  return Object.values(model.units)
    .filter((u) => u.app === app)
    .sort((x, y) => compareUnitNames(x.name, y.name));
}

export function leaderOf(model: JujuModel, app: string): SimUnit | undefined {
  return unitsOf(model, app).find((u) => u.leader);
}

export function requireUnit(model: JujuModel, unitName: string): SimUnit {
  const unit = model.units[unitName];
  if (!unit) throw new Error(`unit "${unitName}" not found`);
  return unit;
}

export function findRelation(model: JujuModel, id: number): SimRelation | undefined {
  return model.relations.find((r) => r.id === id);
}

/** The end of `relation` that belongs to `app`, and the other end (the same end for peers). */
export function relationEnds(relation: SimRelation, app: string): { local: RelationEnd; remote: RelationEnd } | undefined {
  const local = relation.ends.find((e) => e.app === app);
  if (!local) return undefined;
  const remote = relation.ends.find((e) => e !== local) ?? local;
  return { local, remote };
}

/** Effective config of an application: operator values over charm defaults (null defaults omitted). */
export function effectiveConfig(app: SimApplication, includeNull = false): Record<string, ConfigValue | null> {
  const out: Record<string, ConfigValue | null> = {};
  for (const [key, option] of Object.entries(app.charm.config)) {
    const value = key in app.config ? app.config[key] : option.default;
    if (value === undefined || value === null) {
      if (includeNull) out[key] = null;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Generate a secret id the way Juju's xid looks: 20 characters of base32hex, lowercase. */
export function newSecretId(model: JujuModel): string {
  const seq = model.nextSecretSeq++;
  const digest = createHash('sha256').update(`${model.uuid}/${seq}`).digest();
  return base32hex(digest.subarray(0, 12));
}

function base32hex(bytes: Uint8Array): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

export const SECRET_ID_RE = /^[0-9a-v]{20}$/;

export function secretUri(secret: SimSecret | string): string {
  return `secret:${typeof secret === 'string' ? secret : secret.id}`;
}

const UUID_RE = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;

/**
 * Parse a secret URI as Juju's secrets.ParseURI does: `secret:<id>`, `secret://<source-uuid>/<id>`,
 * `<source-uuid>/<id>` or a bare id; undefined when not a secret URI. An id is 20 characters of
 * base32hex: both the old xid-based ids and the opaque random ids Juju issues since 3.6.19 (its
 * NewURI: 12 random bytes, same alphabet) have this form.
 */
export function parseSecretUri(text: string): string | undefined {
  let rest = text;
  if (rest.startsWith('secret://')) {
    rest = rest.slice('secret://'.length);
    const slash = rest.indexOf('/');
    if (slash < 0) return undefined;
    if (!UUID_RE.test(rest.slice(0, slash))) return undefined;
    rest = rest.slice(slash + 1);
  } else if (rest.startsWith('secret:')) {
    rest = rest.slice('secret:'.length);
  } else if (/^[a-z][a-z0-9+.-]*:/.test(rest)) {
    return undefined;
  }
  const sourced = /^([a-f0-9-]{36})\/(.*)$/.exec(rest);
  if (sourced) {
    if (!UUID_RE.test(sourced[1]!)) return undefined;
    rest = sourced[2]!;
  }
  return SECRET_ID_RE.test(rest) ? rest : undefined;
}

export function latestRevision(secret: SimSecret): SecretRevision {
  const latest = secret.revisions[secret.revisions.length - 1];
  if (!latest) throw new Error(`secret ${secret.id} has no revisions`);
  return latest;
}

/** Add a secret directly to the model (for building fixtures); returns it. */
export function addSecret(
  model: JujuModel,
  owner: SimSecret['owner'],
  content: Bag,
  opts: Partial<Pick<SimSecret, 'label' | 'description' | 'expireTime' | 'rotatePolicy' | 'id'>> & { now?: string } = {},
): SimSecret {
  const id = opts.id ?? newSecretId(model);
  const secret: SimSecret = {
    id,
    owner,
    revisions: [{ revision: 1, content: { ...content }, createTime: opts.now ?? EPOCH }],
    grants: [],
    consumers: {},
  };
  if (opts.label !== undefined) secret.label = opts.label;
  if (opts.description !== undefined) secret.description = opts.description;
  if (opts.expireTime !== undefined) secret.expireTime = opts.expireTime;
  if (opts.rotatePolicy !== undefined) secret.rotatePolicy = opts.rotatePolicy;
  model.secrets[id] = secret;
  return secret;
}

/** A deep copy through JSON: the model is plain data by design. */
export function cloneModel(model: JujuModel): JujuModel {
  return JSON.parse(JSON.stringify(model)) as JujuModel;
}

/** Parse the raw (already YAML-parsed) metadata.yaml / config.yaml / actions.yaml into SimCharmMeta. */
export function charmMetaFromYaml(
  metadata: Readonly<Record<string, unknown>>,
  config: Readonly<Record<string, unknown>> = {},
  actions: Readonly<Record<string, unknown>> = {},
): SimCharmMeta {
  const endpoints: Record<string, SimEndpoint> = {};
  for (const role of ['provides', 'requires', 'peers'] as const) {
    const section = asRecord(metadata[role]);
    for (const [name, raw] of Object.entries(section)) {
      const spec = asRecord(raw);
      const endpoint: { -readonly [K in keyof SimEndpoint]: SimEndpoint[K] } = {
        role,
        interface: typeof spec['interface'] === 'string' ? spec['interface'] : String(raw ?? ''),
      };
      if (typeof spec['limit'] === 'number') endpoint.limit = spec['limit'];
      if (typeof spec['optional'] === 'boolean') endpoint.optional = spec['optional'];
      endpoints[name] = endpoint;
    }
  }
  const options: Record<string, SimConfigOption> = {};
  for (const [name, raw] of Object.entries(asRecord(config['options']))) {
    const spec = asRecord(raw);
    const type = spec['type'];
    const option: { -readonly [K in keyof SimConfigOption]: SimConfigOption[K] } = {
      type: type === 'int' || type === 'float' || type === 'boolean' || type === 'secret' ? type : 'string',
    };
    const def = spec['default'];
    if (typeof def === 'string' || typeof def === 'number' || typeof def === 'boolean') option.default = def;
    if (typeof spec['description'] === 'string') option.description = spec['description'];
    options[name] = option;
  }
  const actionMap: Record<string, SimAction> = {};
  for (const [name, raw] of Object.entries(actions)) {
    const spec = asRecord(raw);
    const action: { -readonly [K in keyof SimAction]: SimAction[K] } = {};
    if (typeof spec['description'] === 'string') action.description = spec['description'];
    if (spec['params'] !== undefined) action.params = asRecord(spec['params']);
    if (Array.isArray(spec['required'])) action.required = spec['required'].filter((v): v is string => typeof v === 'string');
    if (typeof spec['additionalProperties'] === 'boolean') action.additionalProperties = spec['additionalProperties'];
    actionMap[name] = action;
  }
  const extra = Object.keys(asRecord(metadata['extra-bindings']));
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : 'charm';
  const resources: Record<string, { type: string; filename?: string }> = {};
  for (const [rname, raw] of Object.entries(asRecord(metadata['resources']))) {
    const spec = asRecord(raw);
    resources[rname] = {
      type: typeof spec['type'] === 'string' ? spec['type'] : 'file',
      ...(typeof spec['filename'] === 'string' ? { filename: spec['filename'] } : {}),
    };
  }
  return {
    name,
    endpoints,
    config: options,
    actions: actionMap,
    ...(extra.length > 0 ? { extraBindings: extra } : {}),
    ...(Object.keys(resources).length > 0 ? { resources } : {}),
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
