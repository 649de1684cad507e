/**
 * The harness: `ctx.run(event, state)` builds an in-memory Juju (lib/sim) from the State, opens a
 * hook session for the event, runs the charm in-process through `runCharm` with the session's env
 * and tool runner, commits (exit 0) or discards, and reads the model back into a new State.
 * The charm's argv building and JSON parsing run exactly as under Juju.
 */
import { runCharm, type CharmClass, type CharmMeta } from '../ops';
import { loadCharmMeta } from '../ops';
import {
  addApplication,
  addRelation,
  addUnit,
  charmMetaFromYaml,
  createModel,
  latestRevision,
  openSession,
  parseSecretUri,
  type EndpointRole,
  type HookContextSpec,
  type JujuModel,
  type SimCharmMeta,
  type SimEndpoint,
  type SimSecret,
  type StatusRecord,
  type ToolCallRecord,
  type TriggeredEvent,
} from '../sim';
import type { EventSpec } from './events';
import {
  deepFreeze,
  type AnyRelationState,
  type Bag,
  type PortState,
  type SecretGrantState,
  type SecretState,
  type State,
  type StatusState,
} from './state';

export class InconsistentStateError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`inconsistent harness input:\n- ${problems.join('\n- ')}`);
    this.name = 'InconsistentStateError';
  }
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
}

export interface RunRecords {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Statuses the unit had before its final one in this run (initial status first). */
  readonly unitStatusHistory: readonly StatusState[];
  readonly appStatusHistory: readonly StatusState[];
  readonly jujuLog: readonly LogLine[];
  /** Results set with action-set (actions only). */
  readonly actionResults: Readonly<Record<string, unknown>> | undefined;
  readonly actionLogs: readonly string[];
  /** The action-fail message, or Juju's "exit status N" (actions only). */
  readonly actionFailure: string | undefined;
  /** Every hook-tool call, secret content redacted. */
  readonly transcript: readonly ToolCallRecord[];
  /** Events Juju would now queue on other units (relation-changed, secret-changed, …). */
  readonly triggeredEvents: readonly TriggeredEvent[];
  readonly env: Readonly<Record<string, string>>;
}

export interface RunResult extends RunRecords {
  readonly state: State;
}

export interface ContextOptions {
  /** Parsed charm metadata; or give `charmDir` to load metadata.yaml/config.yaml/actions.yaml. */
  readonly meta?: CharmMeta;
  readonly charmDir?: string;
  /** Fixed clock for status timestamps (default: a fixed instant, for reproducible records). */
  readonly now?: () => Date;
  readonly jujuVersion?: string;
}

const OPPOSITE_ROLE: Record<EndpointRole, EndpointRole> = { provides: 'requires', requires: 'provides', peers: 'peers' };
const FIXED_CLOCK = (): Date => new Date('2025-01-01T00:00:00.000Z');

export class Context {
  readonly meta: CharmMeta;
  readonly simMeta: SimCharmMeta;
  /** Records of the most recent run. */
  private lastRecords: RunRecords | undefined;

  constructor(
    readonly charmClass: CharmClass,
    private readonly options: ContextOptions = {},
  ) {
    if (options.meta) this.meta = options.meta;
    else if (options.charmDir) this.meta = loadCharmMeta(options.charmDir);
    else throw new Error('Context needs { meta } or { charmDir }');
    this.simMeta = charmMetaFromYaml(
      this.meta.metadata as Record<string, unknown>,
      this.meta.config as unknown as Record<string, unknown>,
      this.meta.actions as Record<string, unknown>,
    );
  }

  get records(): RunRecords {
    if (!this.lastRecords) throw new Error('no run yet');
    return this.lastRecords;
  }

  /** Run one event and return the resulting State; records are on `ctx.records`. */
  async run(event: EventSpec, input: State): Promise<State> {
    return (await this.runWithRecords(event, input)).state;
  }

  async runWithRecords(event: EventSpec, input: State): Promise<RunResult> {
    const appName = input.appName ?? this.simMeta.name;
    const problems = checkConsistency(this.simMeta, appName, event, input);
    if (problems.length > 0) throw new InconsistentStateError(problems);

    const model = buildModel(this.simMeta, appName, input, this.options.jujuVersion);
    const unitName = `${appName}/${input.unitId}`;
    prepareForEvent(model, event, unitName);
    const session = openSession(model, { ...sessionSpec(event, unitName, input), now: this.options.now ?? FIXED_CLOCK });
    const env = { ...session.env };

    let stdout = '';
    let stderr = '';
    const exitCode = await runCharm(this.charmClass, {
      env,
      runner: session.runner,
      meta: this.meta,
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
    });
    const outcome = { exitCode, stdout, stderr };
    const effects = exitCode === 0 ? session.commit(outcome) : session.discard(outcome);

    const unit = model.units[unitName]!;
    const app = model.applications[appName]!;
    const run = session.actionRun;
    const records: RunRecords = deepFreeze({
      exitCode,
      stdout,
      stderr,
      unitStatusHistory: unit.statusHistory.map(toStatusState),
      appStatusHistory: app.statusHistory.map(toStatusState),
      jujuLog: model.logs.map((l) => ({ level: l.level, message: l.message })),
      actionResults: run ? structuredClone(run.results) : undefined,
      actionLogs: run ? [...run.logs] : [],
      actionFailure: run?.failMessage,
      transcript: session.transcript.map((r) => ({ ...r, args: [...r.args] })),
      triggeredEvents: [...effects.events],
      env,
    });
    this.lastRecords = records;
    return { ...records, state: readBack(model, appName, unitName, input) };
  }
}

// ---------------------------------------------------------------- consistency checks

function typeOfConfigValue(value: unknown): string {
  return typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value;
}

export function checkConsistency(meta: SimCharmMeta, appName: string, event: EventSpec, input: State): string[] {
  const problems: string[] = [];
  const options = Object.keys(meta.config);
  for (const [key, value] of Object.entries(input.config)) {
    const option = meta.config[key];
    if (!option) {
      problems.push(`config option "${key}" is not in config.yaml (options: ${options.join(', ') || 'none'})`);
      continue;
    }
    const actual = typeOfConfigValue(value);
    const ok =
      option.type === 'int'
        ? actual === 'int'
        : option.type === 'float'
          ? actual === 'int' || actual === 'float'
          : option.type === 'boolean'
            ? actual === 'boolean'
            : actual === 'string';
    if (!ok)
      problems.push(
        `config option "${key}" is of type ${option.type} in config.yaml, but the state gives ${actual} ${JSON.stringify(value)}`,
      );
  }

  const endpoints = Object.keys(meta.endpoints);
  const seenIds = new Set<number>();
  for (const rel of input.relations) {
    if (seenIds.has(rel.id)) problems.push(`relation id ${rel.id} is used twice`);
    seenIds.add(rel.id);
    const endpoint = meta.endpoints[rel.endpoint];
    if (!endpoint) {
      problems.push(
        `relation ${rel.id}: endpoint "${rel.endpoint}" is not declared in metadata.yaml (declared: ${endpoints.join(', ') || 'none'})`,
      );
      continue;
    }
    if (rel.kind === 'peer' && endpoint.role !== 'peers')
      problems.push(`relation ${rel.id}: "${rel.endpoint}" is not a peer endpoint; use relation()`);
    if (rel.kind === 'regular' && endpoint.role === 'peers')
      problems.push(`relation ${rel.id}: "${rel.endpoint}" is a peer endpoint; use peerRelation()`);
    const units = rel.kind === 'peer' ? Object.keys(rel.peersData) : Object.keys(rel.remoteUnitsData);
    const unitApp = rel.kind === 'peer' ? appName : rel.remoteApp;
    if (rel.kind === 'regular' && rel.remoteApp === appName)
      problems.push(`relation ${rel.id}: remote app "${rel.remoteApp}" is this charm's own application`);
    for (const u of units) {
      if (!new RegExp(`^${escapeRe(unitApp)}/\\d+$`).test(u))
        problems.push(`relation ${rel.id}: unit "${u}" is not a unit of "${unitApp}"`);
      if (u === `${appName}/${input.unitId}`) problems.push(`relation ${rel.id}: the charm's own unit "${u}" cannot be a peer of itself`);
    }
  }
  const ownedLabels = new Set<string>();
  for (const s of input.secrets) {
    if (!parseSecretUri(s.id)) problems.push(`secret id "${s.id}" is not a valid secret URI (secret:<20 base32hex characters>)`);
    if (s.owner !== null && s.label !== undefined) {
      if (ownedLabels.has(s.label)) problems.push(`secret label "${s.label}" is used by two owned secrets`);
      ownedLabels.add(s.label);
    }
    if (s.owner === null && s.ownerApp === appName)
      problems.push(`secret ${s.id}: ownerApp is this charm's application; set owner to "app"`);
    for (const g of s.grants) {
      if (!input.relations.some((r) => r.id === g.relationId))
        problems.push(`secret ${s.id}: grant over relation ${g.relationId}, which is not in the state`);
    }
  }

  if (event.kind === 'action') {
    if (!meta.actions[event.name]) {
      problems.push(`action "${event.name}" is not in actions.yaml (actions: ${Object.keys(meta.actions).join(', ') || 'none'})`);
    }
  } else if (event.kind === 'relation') {
    const rel = input.relations.find((r) => r.id === event.relationId);
    if (!rel) {
      problems.push(`event "${event.name}" is for relation ${event.relationId}, which is not in the state's relations`);
    } else {
      if (!event.name.startsWith(`${rel.endpoint}-relation-`))
        problems.push(`event "${event.name}" does not match relation ${rel.id}'s endpoint "${rel.endpoint}"`);
      const suffix = event.name.slice(event.name.lastIndexOf('-') + 1);
      const units = rel.kind === 'peer' ? Object.keys(rel.peersData) : Object.keys(rel.remoteUnitsData);
      if ((suffix === 'joined' || suffix === 'departed') && !event.remoteUnit) problems.push(`event "${event.name}" needs a remote unit`);
      if (suffix === 'changed' && !event.remoteUnit && !event.appChange) {
        problems.push(
          `event "${event.name}" needs a remote unit ({ remoteUnit: "app/0" }), or { appChange: true } for a change of the remote app's data`,
        );
      }
      if (event.remoteUnit && !units.includes(event.remoteUnit)) {
        problems.push(
          `event "${event.name}": remote unit "${event.remoteUnit}" is not in relation ${rel.id} (units: ${units.join(', ') || 'none'})`,
        );
      }
    }
  } else if (event.kind === 'secret') {
    const secret = input.secrets.find((s) => s.id === event.secretId);
    if (!secret) problems.push(`event "${event.name}" is for secret ${event.secretId}, which is not in the state's secrets`);
    else if (event.name === 'secret-changed' && secret.owner !== null)
      problems.push(`secret-changed goes to consumers, but this charm owns ${secret.id}`);
    else if (event.name !== 'secret-changed' && secret.owner === null)
      problems.push(`${event.name} goes to the owner, but this charm does not own ${secret.id}`);
  }
  return problems;
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------- State -> model

function toStatusRecord(status: StatusState): StatusRecord {
  return { status: status.name, message: status.message, data: {}, since: '2025-01-01T00:00:00Z' };
}

function toStatusState(record: StatusRecord): StatusState {
  return { name: record.status, message: record.message };
}

function toOpenedPort(port: PortState) {
  if (port.protocol === 'icmp') return { protocol: 'icmp' as const, from: -1, to: -1, endpoints: [] };
  const from = port.port ?? 0;
  return { protocol: port.protocol, from, to: port.toPort ?? from, endpoints: [] };
}

function fromOpenedPort(port: { protocol: 'tcp' | 'udp' | 'icmp'; from: number; to: number }): PortState {
  if (port.protocol === 'icmp') return { protocol: 'icmp' };
  return port.from === port.to
    ? { protocol: port.protocol, port: port.from }
    : { protocol: port.protocol, port: port.from, toPort: port.to };
}

function unitNumberOf(name: string): number {
  return Number(name.slice(name.lastIndexOf('/') + 1));
}

export function buildModel(meta: SimCharmMeta, appName: string, input: State, jujuVersion?: string): JujuModel {
  const model = createModel({ name: input.modelName, uuid: input.modelUuid, ...(jujuVersion ? { jujuVersion } : {}) });
  const app = addApplication(model, appName, meta, { ...input.config });
  app.status = toStatusRecord(input.appStatus);
  app.workloadVersion = input.workloadVersion;
  const unit = addUnit(model, appName, { number: input.unitId, leader: input.leader, address: input.address });
  unit.status = toStatusRecord(input.unitStatus);
  unit.state = { ...input.storedState };
  unit.openedPorts = input.openedPorts.map(toOpenedPort);

  // Remote applications get a stand-in charm with the counterpart endpoints.
  const remoteEndpoints = new Map<string, Record<string, SimEndpoint>>();
  const remoteApps = new Set<string>();
  for (const rel of input.relations) {
    if (rel.kind !== 'regular') continue;
    const local = meta.endpoints[rel.endpoint]!;
    const eps = remoteEndpoints.get(rel.remoteApp) ?? {};
    eps[rel.remoteEndpoint] = { role: OPPOSITE_ROLE[local.role], interface: local.interface };
    remoteEndpoints.set(rel.remoteApp, eps);
  }
  for (const s of input.secrets) if (s.owner === null) remoteApps.add(s.ownerApp);
  for (const name of new Set([...remoteEndpoints.keys(), ...remoteApps])) {
    addApplication(model, name, { name, endpoints: remoteEndpoints.get(name) ?? {}, config: {}, actions: {} });
  }
  const ensureUnit = (name: string, appOfUnit: string) => {
    if (!model.units[name]) addUnit(model, appOfUnit, { number: unitNumberOf(name) });
  };

  for (const rel of input.relations) {
    const units = rel.kind === 'peer' ? Object.keys(rel.peersData) : Object.keys(rel.remoteUnitsData);
    const otherApp = rel.kind === 'peer' ? appName : rel.remoteApp;
    for (const u of units) ensureUnit(u, otherApp);
    const simRel =
      rel.kind === 'peer'
        ? addRelation(model, `${appName}:${rel.endpoint}`, undefined, { id: rel.id, scope: [unit.name, ...units] })
        : addRelation(model, `${appName}:${rel.endpoint}`, `${rel.remoteApp}:${rel.remoteEndpoint}`, {
            id: rel.id,
            scope: [unit.name, ...units],
          });
    simRel.appData[appName] = { ...rel.localAppData };
    simRel.unitData[unit.name] = { ...rel.localUnitData };
    const data = rel.kind === 'peer' ? rel.peersData : rel.remoteUnitsData;
    for (const [u, bag] of Object.entries(data)) simRel.unitData[u] = { ...bag };
    if (rel.kind === 'regular') simRel.appData[rel.remoteApp] = { ...rel.remoteAppData };
  }
  // A remote application has a leader (the first unit), which acts for it.
  for (const name of remoteEndpoints.keys()) {
    const first = Object.values(model.units).find((u) => u.app === name);
    if (first) first.leader = true;
  }

  for (const s of input.secrets) {
    const id = parseSecretUri(s.id)!;
    const revisions =
      s.trackedRevision === s.latestRevision
        ? [{ revision: s.latestRevision, content: { ...s.latestContent }, createTime: '2025-01-01T00:00:00Z' }]
        : [
            { revision: s.trackedRevision, content: { ...s.trackedContent }, createTime: '2025-01-01T00:00:00Z' },
            { revision: s.latestRevision, content: { ...s.latestContent }, createTime: '2025-01-01T00:00:00Z' },
          ];
    const simSecret: SimSecret = {
      id,
      owner:
        s.owner === 'unit' ? { kind: 'unit', unit: unit.name } : { kind: 'application', app: s.owner === 'app' ? appName : s.ownerApp },
      revisions,
      grants: [],
      consumers: {},
    };
    if (s.description !== undefined) simSecret.description = s.description;
    if (s.expire !== undefined) simSecret.expireTime = s.expire;
    if (s.rotate !== undefined) simSecret.rotatePolicy = s.rotate;
    if (s.owner === null) {
      simSecret.grants.push({ target: appName, kind: 'application', role: 'view' });
      simSecret.consumers[unit.name] = { revision: s.trackedRevision, ...(s.label !== undefined ? { label: s.label } : {}) };
    } else {
      if (s.label !== undefined) simSecret.label = s.label;
      for (const g of s.grants) {
        const rel = input.relations.find((r) => r.id === g.relationId)!;
        const target = g.unit ?? (rel.kind === 'peer' ? appName : rel.remoteApp);
        simSecret.grants.push({ target, kind: g.unit ? 'unit' : 'application', relationId: g.relationId, role: 'view' });
      }
    }
    model.secrets[id] = simSecret;
  }
  return model;
}

/** Model adjustments Juju would have made before this event (departures before broken). */
function prepareForEvent(model: JujuModel, event: EventSpec, unitName: string): void {
  if (event.kind === 'relation' && event.name.endsWith('-relation-broken')) {
    const rel = model.relations.find((r) => r.id === event.relationId);
    if (rel) {
      rel.life = 'dying';
      rel.scope = [unitName];
    }
  }
}

function sessionSpec(event: EventSpec, unitName: string, input: State): HookContextSpec {
  switch (event.kind) {
    case 'hook':
      return { unit: unitName, hook: event.name };
    case 'action':
      return { unit: unitName, action: { name: event.name, params: event.params } };
    case 'secret':
      return { unit: unitName, hook: event.name, secret: { id: event.secretId, ...(event.revision ? { revision: event.revision } : {}) } };
    case 'relation': {
      const rel = input.relations.find((r) => r.id === event.relationId)!;
      const remoteApp = rel.kind === 'peer' ? unitName.slice(0, unitName.lastIndexOf('/')) : rel.remoteApp;
      return {
        unit: unitName,
        hook: event.name,
        relationId: event.relationId,
        remoteApp,
        ...(event.remoteUnit ? { remoteUnit: event.remoteUnit } : {}),
        ...(event.departingUnit ? { departingUnit: event.departingUnit } : {}),
      };
    }
  }
}

// ---------------------------------------------------------------- model -> State

function readBack(model: JujuModel, appName: string, unitName: string, input: State): State {
  const unit = model.units[unitName]!;
  const app = model.applications[appName]!;
  const relations: AnyRelationState[] = input.relations.map((rel) => {
    const simRel = model.relations.find((r) => r.id === rel.id)!;
    const localAppData: Bag = { ...(simRel.appData[appName] ?? {}) };
    const localUnitData: Bag = { ...(simRel.unitData[unitName] ?? {}) };
    return { ...rel, localAppData, localUnitData };
  });

  const secrets: SecretState[] = [];
  for (const simSecret of Object.values(model.secrets)) {
    const uri = `secret:${simSecret.id}`;
    const before = input.secrets.find((s) => parseSecretUri(s.id) === simSecret.id);
    const latest = latestRevision(simSecret);
    const owned =
      (simSecret.owner.kind === 'application' && simSecret.owner.app === appName) ||
      (simSecret.owner.kind === 'unit' && simSecret.owner.unit === unitName);
    if (owned) {
      const grants: SecretGrantState[] = simSecret.grants
        .filter((g) => g.relationId !== undefined)
        .map((g) => ({ relationId: g.relationId!, ...(g.kind === 'unit' ? { unit: g.target } : {}) }));
      secrets.push({
        id: before?.id ?? uri,
        owner: simSecret.owner.kind === 'unit' ? 'unit' : 'app',
        ownerApp: appName,
        trackedContent: { ...latest.content },
        trackedRevision: latest.revision,
        latestContent: { ...latest.content },
        latestRevision: latest.revision,
        grants,
        ...(simSecret.label !== undefined ? { label: simSecret.label } : {}),
        ...(simSecret.description !== undefined ? { description: simSecret.description } : {}),
        ...(simSecret.expireTime !== undefined ? { expire: simSecret.expireTime } : {}),
        ...(simSecret.rotatePolicy !== undefined ? { rotate: simSecret.rotatePolicy } : {}),
      });
    } else if (before) {
      const tracking = simSecret.consumers[unitName];
      const trackedRevision = tracking?.revision ?? before.trackedRevision;
      const tracked = simSecret.revisions.find((r) => r.revision === trackedRevision) ?? latest;
      const label = tracking?.label ?? before.label;
      secrets.push({
        ...before,
        trackedContent: { ...tracked.content },
        trackedRevision: tracked.revision,
        latestContent: { ...latest.content },
        latestRevision: latest.revision,
        ...(label !== undefined ? { label } : {}),
      });
    }
  }

  return deepFreeze({
    ...input,
    relations,
    secrets,
    storedState: { ...unit.state },
    openedPorts: unit.openedPorts.map(fromOpenedPort),
    unitStatus: toStatusState(unit.status),
    appStatus: toStatusState(app.status),
    workloadVersion: app.workloadVersion,
  });
}
