/**
 * The hook tools, each implemented over a HookSession with Juju 3.6's flags, output shapes and
 * error texts. A tool returns its stdout (and optional stderr warning) or throws UsageError
 * (exit 2: flag/argument errors, found while parsing as juju/cmd's Init does) or RunError (exit 1).
 */
import { parse as parseYaml } from 'yaml';
import { checkEmpty, parseArgs, RunError, UsageError, type FlagSpec, type ParsedArgs } from './flags';
import { formatOutput, goStruct, type OutputFormat } from './format';
import {
  appOfUnit,
  effectiveConfig,
  latestRevision,
  newSecretId,
  parseSecretUri,
  secretUri,
  unitsOf,
  type Bag,
  type OpenedPort,
  type SecretRotatePolicy,
  type SimRelation,
  type SimSecret,
  type StatusRecord,
} from './model';
import { obsoleteRevisionEvents } from './events';
import type { HookSession } from './session';

export interface ToolOutput {
  readonly stdout: string;
  readonly stderr?: string;
}

export type ToolImpl = (session: HookSession, args: readonly string[], stdin: string | undefined) => ToolOutput;

// ---------------------------------------------------------------- shared helpers

function formatFlag(defaultFormat: OutputFormat, allowed: readonly OutputFormat[] = ['json', 'smart', 'yaml']): FlagSpec {
  return {
    names: ['format'],
    kind: 'value',
    set: (value: string) => {
      if (!(allowed as readonly string[]).includes(value)) throw new Error(`unknown format "${value}"`);
      return value;
    },
  };
}

function fmt(parsed: ParsedArgs, defaultFormat: OutputFormat): OutputFormat {
  return (parsed.flags.get('format') as OutputFormat | undefined) ?? defaultFormat;
}

function out(value: unknown, format: OutputFormat): ToolOutput {
  return { stdout: formatOutput(value, format) };
}

const bool = (...names: string[]): FlagSpec => ({ names, kind: 'bool' });
const value = (...names: string[]): FlagSpec => ({ names, kind: 'value' });

/** `key=value` arguments; `what` names the error style of the calling tool. */
function parseKeyValues(args: readonly string[]): Bag {
  const result: Bag = {};
  const seen = new Set<string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected "key=value", got "${arg}"`);
    const key = arg.slice(0, eq);
    if (seen.has(key)) throw new UsageError(`key "${key}" specified more than once`);
    seen.add(key);
    result[key] = arg.slice(eq + 1);
  }
  return result;
}

/** A YAML (or JSON) map from `--file`, with scalar values turned into strings as goyaml does. */
function parseSettingsFile(session: HookSession, file: string, stdin: string | undefined): Bag {
  const text = file === '-' ? (stdin ?? '') : session.readFile(file);
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new UsageError(`cannot parse settings file: ${(err as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError('cannot parse settings file: expected a map');
  const result: Bag = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (v === null || v === undefined) result[k] = '';
    else if (typeof v === 'object') throw new UsageError(`cannot parse settings file: value of "${k}" is not a string`);
    else result[k] = String(v);
  }
  return result;
}

const UNIT_NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*\/\d+$/;
const APP_NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$/;

function relationKey(relation: SimRelation): string {
  return relation.ends.map((e) => `${e.app}:${e.endpoint}`).join(' ');
}

function pushStatus(current: StatusRecord, history: StatusRecord[], next: StatusRecord): void {
  history.push({ ...current, data: { ...current.data } });
  Object.assign(current, next);
}

// ---------------------------------------------------------------- configuration

const configGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), bool('a', 'all')]);
  const [key, ...rest] = p.positional;
  checkEmpty(rest);
  if (key !== undefined && p.flags.get('a')) throw new UsageError(`cannot use argument --all together with key "${key}"`);
  const config = effectiveConfig(s.app, p.flags.get('a') === true);
  if (key !== undefined) return out(config[key] ?? null, fmt(p, 'smart'));
  return out(config, fmt(p, 'smart'));
};

// ---------------------------------------------------------------- relations

const relationIds: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  const [given, ...rest] = p.positional;
  checkEmpty(rest);
  const endpoint = given ?? (s.hookRelation ? s.localEnd(s.hookRelation).endpoint : undefined);
  if (endpoint === undefined) throw new UsageError('no endpoint name specified');
  const ids = s
    .visibleRelations()
    .filter((r) => s.localEnd(r).endpoint === endpoint)
    .map((r) => `${endpoint}:${r.id}`);
  return out(ids, fmt(p, 'smart'));
};

const relationList: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), s.relationFlag(), bool('app')]);
  checkEmpty(p.positional);
  const relation = s.relationFromFlag(p.flags.get('r'));
  if (p.flags.get('app')) return out(s.remoteEnd(relation).app, fmt(p, 'smart'));
  return out(s.relationUnits(relation), fmt(p, 'smart'));
};

const relationGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), s.relationFlag(), bool('app')]);
  const relation = s.relationFromFlag(p.flags.get('r'));
  const positional = [...p.positional];
  let key = positional.shift() ?? '';
  if (key === '-') key = '';
  let appMode = p.flags.get('app') === true;
  let target: string | undefined;
  const supplied = positional.shift();
  if (supplied !== undefined) {
    target = appMode && UNIT_NAME_RE.test(supplied) ? appOfUnit(supplied) : supplied;
  } else if (appMode) {
    target = s.remoteAppName();
    if (!target) throw new UsageError('no unit or application specified');
  } else if (s.remoteUnitName()) {
    target = s.remoteUnitName();
  } else if (s.remoteAppName()) {
    target = s.remoteAppName();
    appMode = true;
  } else {
    throw new UsageError('no unit or application specified');
  }
  checkEmpty(positional);
  const name = target!;

  let settings: Bag;
  if (name === s.unit.name) {
    settings = appMode ? s.ownAppBag(relation) : s.ownUnitBag(relation);
  } else if (appMode && name === s.app.name && s.isLeader) {
    settings = s.ownAppBag(relation);
  } else if (appMode) {
    if (!relation.ends.some((e) => e.app === name)) {
      throw new RunError(`cannot read application settings for "${name}" in relation "${relationKey(relation)}": not found`);
    }
    const isPeer = relation.ends.length === 1;
    if (name === s.app.name && !isPeer) throw new RunError('permission denied');
    settings = { ...(relation.appData[name] ?? {}) };
  } else {
    if (APP_NAME_RE.test(name)) throw new RunError(`expected unit name, got application name "${name}"`);
    if (!UNIT_NAME_RE.test(name)) throw new RunError(`invalid unit name "${name}"`);
    const bag = relation.unitData[name];
    if (!bag || !relation.ends.some((e) => e.app === appOfUnit(name))) {
      throw new RunError(
        `cannot read settings for unit "${name}" in relation "${relationKey(relation)}": unit "${name}": settings not found`,
      );
    }
    settings = { ...bag };
  }
  if (key === '') return out(settings, fmt(p, 'smart'));
  return out(settings[key] ?? null, fmt(p, 'smart'));
};

const MAX_RELATION_SETTINGS = 16 * 1024 * 1024;

const relationSet: ToolImpl = (s, args, stdin) => {
  const p = parseArgs(args, [s.relationFlag(), bool('app'), value('file'), value('format')]);
  const relation = s.relationFromFlag(p.flags.get('r'));
  const file = p.flags.get('file') as string | undefined;
  const settings: Bag = { ...(file !== undefined ? parseSettingsFile(s, file, stdin) : {}), ...parseKeyValues(p.positional) };
  const stderr = p.flags.has('format') ? '--format flag deprecated for command "relation-set"' + '\n' : undefined;
  const appMode = p.flags.get('app') === true;
  if (appMode && !s.isLeader) throw new RunError('cannot write relation settings');
  if (appMode && s.hookRelation === relation && s.relationHookKind === 'broken') {
    throw new RunError('cannot read relation application settings: permission denied (unauthorized access)');
  }
  const pending = appMode ? s.pendingAppData : s.pendingUnitData;
  const merged = { ...(pending.get(relation.id) ?? {}), ...settings };
  const resulting = Object.entries({ ...(appMode ? s.ownAppBag(relation) : s.ownUnitBag(relation)), ...settings }).filter(
    ([, v]) => v !== '',
  );
  const size = resulting.reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (size > MAX_RELATION_SETTINGS) throw new RunError(`relation settings size ${size} exceeds the maximum allowed size ${MAX_RELATION_SETTINGS}`);
  pending.set(relation.id, merged);
  return stderr ? { stdout: '', stderr } : { stdout: '' };
};

// ---------------------------------------------------------------- status, version, leadership

const VALID_STATUSES = ['maintenance', 'blocked', 'waiting', 'active'] as const;

const statusSet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [bool('application')]);
  const [status, message, ...rest] = p.positional;
  if (status === undefined) throw new UsageError('invalid args, require <status> [message] [data]');
  if (!(VALID_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`invalid status "${status}", expected one of [${VALID_STATUSES.join(' ')}]`);
  }
  checkEmpty(rest);
  const record: StatusRecord = {
    status: status as StatusRecord['status'],
    message: message ?? '',
    data: {},
    since: s.nowIso(),
  };
  if (p.flags.get('application')) {
    if (!s.isLeader) throw new RunError('setting application status: this unit is not the leader');
    pushStatus(s.app.status, s.app.statusHistory, record);
  } else {
    pushStatus(s.unit.status, s.unit.statusHistory, record);
  }
  return { stdout: '' };
};

function statusDetails(record: StatusRecord, includeData: boolean): Record<string, unknown> {
  const details: Record<string, unknown> = { status: record.status };
  if (includeData) {
    details['status-data'] = { ...record.data };
    details['message'] = record.message;
  }
  return details;
}

const statusGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), bool('include-data'), bool('application')]);
  checkEmpty(p.positional);
  const includeData = p.flags.get('include-data') === true;
  const format = fmt(p, 'smart');
  if (p.flags.get('application')) {
    if (!s.isLeader) throw new RunError('finding application status: this unit is not the leader');
    if (!includeData && format === 'smart') return out(s.app.status.status, format);
    const details = statusDetails(s.app.status, includeData);
    const units: Record<string, unknown> = {};
    for (const unit of unitsOf(s.model, s.app.name)) units[unit.name] = statusDetails(unit.status, includeData);
    details['units'] = units;
    return out({ 'application-status': details }, format);
  }
  if (!includeData && format === 'smart') return out(s.unit.status.status, format);
  return out(statusDetails(s.unit.status, includeData), format);
};

const applicationVersionSet: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  const [version, ...rest] = p.positional;
  if (version === undefined) throw new UsageError('no version specified');
  checkEmpty(rest);
  s.app.workloadVersion = version;
  return { stdout: '' };
};

const isLeader: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  checkEmpty(p.positional);
  return out(s.isLeader, fmt(p, 'smart'));
};

const leaderGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  const [key, ...rest] = p.positional;
  checkEmpty(rest);
  const settings = { ...s.app.leaderSettings };
  if (key === undefined || key === '-') return out(settings, fmt(p, 'smart'));
  return out(settings[key] ?? null, fmt(p, 'smart'));
};

const leaderSet: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  const settings = parseKeyValues(p.positional);
  if (!s.isLeader) throw new RunError('cannot write leadership settings: cannot write settings: not the leader');
  let changed = false;
  for (const [k, v] of Object.entries(settings)) {
    if (v === '') {
      if (k in s.app.leaderSettings) changed = true;
      delete s.app.leaderSettings[k];
    } else if (s.app.leaderSettings[k] !== v) {
      s.app.leaderSettings[k] = v;
      changed = true;
    }
  }
  if (changed) {
    for (const unit of unitsOf(s.model, s.app.name)) {
      if (unit.name !== s.unit.name) s.immediateEvents.push({ unit: unit.name, hook: 'leader-settings-changed' });
    }
  }
  return { stdout: '' };
};

// ---------------------------------------------------------------- actions

const ACTION_KEY_PART_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED_ACTION_KEYS = new Set(['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding']);

const actionGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  const [key, ...rest] = p.positional;
  checkEmpty(rest);
  const run = s.requireAction();
  if (key === undefined || key === '') return out(run.params, fmt(p, 'smart'));
  let current: unknown = run.params;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return out(null, fmt(p, 'smart'));
    current = (current as Record<string, unknown>)[part];
    if (current === undefined) return out(null, fmt(p, 'smart'));
  }
  return out(current, fmt(p, 'smart'));
};

const actionSet: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  const pairs: [string[], string][] = [];
  for (const arg of p.positional) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new UsageError(`argument "${arg}" must be of the form key...=value`);
    const key = arg.slice(0, eq);
    const parts = key.split('.');
    for (const part of parts) {
      if (!ACTION_KEY_PART_RE.test(part)) {
        throw new UsageError(
          `key "${part}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`,
        );
      }
    }
    if (RESERVED_ACTION_KEYS.has(key)) throw new UsageError(`cannot set reserved action key "${key}"`);
    pairs.push([parts, arg.slice(eq + 1)]);
  }
  const run = s.requireAction();
  for (const [parts, val] of pairs) {
    let node = run.results;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = val;
  }
  return { stdout: '' };
};

const actionFail: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  const [message, ...rest] = p.positional;
  checkEmpty(rest);
  const run = s.requireAction();
  run.failMessage = message ?? 'action failed without reason given, check action for errors';
  return { stdout: '' };
};

const actionLog: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  if (p.positional.length === 0) throw new UsageError('no message specified');
  const run = s.requireAction();
  run.logs.push(p.positional.join(' '));
  return { stdout: '' };
};

// ---------------------------------------------------------------- logging

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

const jujuLog: ToolImpl = (s, args) => {
  const p = parseArgs(args, [value('l', 'log-level'), bool('debug'), value('format')]);
  if (p.positional.length === 0) throw new UsageError('no message specified');
  let message = p.positional.join(' ');
  if (s.hookRelation) message = `${s.localEnd(s.hookRelation).endpoint}:${s.hookRelation.id}: ${message}`;
  const requested = (p.flags.get('l') as string | undefined)?.toUpperCase() ?? (p.flags.get('debug') ? 'DEBUG' : 'INFO');
  const time = s.nowIso();
  const base = { unit: s.unit.name, context: s.contextName(), time };
  if ((LOG_LEVELS as readonly string[]).includes(requested)) {
    s.model.logs.push({ ...base, level: requested as LogLevel, message });
  } else {
    s.model.logs.push({ ...base, level: 'WARNING', message: `Specified log level of "${requested}" is not valid` });
    s.model.logs.push({ ...base, level: 'INFO', message });
  }
  return { stdout: '' };
};

// ---------------------------------------------------------------- charm state

const MAX_STATE_KEY = 256;
const MAX_STATE_VALUE = 64 * 1024;

function currentState(s: HookSession): Bag {
  const state: Bag = { ...s.unit.state };
  for (const [k, v] of s.pendingState) {
    if (v === null) delete state[k];
    else state[k] = v;
  }
  return state;
}

const stateGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), bool('strict')]);
  const [key, ...rest] = p.positional;
  checkEmpty(rest);
  const state = currentState(s);
  if (key === undefined || key === '-') return out(Object.keys(state).length > 0 ? state : null, fmt(p, 'smart'));
  if (key in state) return out(state[key], fmt(p, 'smart'));
  if (p.flags.get('strict')) throw new RunError(`"${key}" not found`);
  return out('', fmt(p, 'smart'));
};

const stateSet: ToolImpl = (s, args, stdin) => {
  const p = parseArgs(args, [value('file')]);
  const file = p.flags.get('file') as string | undefined;
  const settings: Bag = { ...(file !== undefined ? parseSettingsFile(s, file, stdin) : {}), ...parseKeyValues(p.positional) };
  for (const [k, v] of Object.entries(settings)) {
    if (Buffer.byteLength(k) > MAX_STATE_KEY) throw new RunError(`key "${k.slice(0, 32)}…" exceeds the maximum key size of ${MAX_STATE_KEY} bytes`);
    if (Buffer.byteLength(v) > MAX_STATE_VALUE) throw new RunError(`value of key "${k}" exceeds the maximum value size of ${MAX_STATE_VALUE} bytes`);
  }
  for (const [k, v] of Object.entries(settings)) s.pendingState.set(k, v === '' ? null : v);
  return { stdout: '' };
};

const stateDelete: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  const [key, ...rest] = p.positional;
  if (key === undefined) throw new UsageError('no key specified');
  checkEmpty(rest);
  s.pendingState.set(key, null);
  return { stdout: '' };
};

// ---------------------------------------------------------------- ports and network

function parsePort(text: string): OpenedPort {
  const invalid = () => new UsageError(`invalid port range "${text}": expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp`);
  if (text === 'icmp') return { protocol: 'icmp', from: -1, to: -1, endpoints: [] };
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(text);
  if (!m) throw invalid();
  const from = Number(m[1]);
  const to = m[2] !== undefined ? Number(m[2]) : from;
  if (from < 1 || to > 65535 || from > to) throw invalid();
  return { protocol: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp', from, to, endpoints: [] };
}

function portText(port: OpenedPort): string {
  if (port.protocol === 'icmp') return 'icmp';
  return port.from === port.to ? `${port.from}/${port.protocol}` : `${port.from}-${port.to}/${port.protocol}`;
}

function portTool(op: 'open' | 'close'): ToolImpl {
  return (s, args) => {
    const p = parseArgs(args, [value('endpoints'), value('format')]);
    const [spec, ...rest] = p.positional;
    if (spec === undefined) throw new UsageError('no port or range specified');
    checkEmpty(rest);
    const port = parsePort(spec);
    const endpointsFlag = p.flags.get('endpoints') as string | undefined;
    if (endpointsFlag !== undefined) {
      port.endpoints = endpointsFlag.split(',').map((e) => e.trim()).filter((e) => e !== '');
      for (const endpoint of port.endpoints) {
        if (!s.app.charm.endpoints[endpoint]) throw new RunError(`endpoint "${endpoint}" not found`);
      }
    }
    s.pendingPorts.push({ op, port });
    return { stdout: '' };
  };
}

const PROTOCOL_ORDER = { tcp: 0, udp: 1, icmp: 2 } as const;

const openedPorts: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), bool('endpoints')]);
  checkEmpty(p.positional);
  const ports = [...s.unit.openedPorts].sort(
    (a, b) => PROTOCOL_ORDER[a.protocol] - PROTOCOL_ORDER[b.protocol] || a.from - b.from || a.to - b.to,
  );
  const lines = ports.map((port) =>
    p.flags.get('endpoints') ? `${portText(port)} (${port.endpoints.length > 0 ? port.endpoints.join(', ') : '*'})` : portText(port),
  );
  return out(lines, fmt(p, 'smart'));
};

function cidrOf(address: string): string {
  if (address.startsWith('127.')) return '127.0.0.0/8';
  const octets = address.split('.');
  return octets.length === 4 ? `${octets.slice(0, 3).join('.')}.0/24` : `${address}/128`;
}

const networkGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [
    formatFlag('smart'),
    s.relationFlag(),
    bool('bind-address'),
    bool('ingress-address'),
    bool('egress-subnets'),
    bool('primary-address'),
  ]);
  const [given, ...rest] = p.positional;
  checkEmpty(rest);
  const relation = p.flags.get('r') as SimRelation | undefined;
  const binding = given ?? (relation ? s.localEnd(relation).endpoint : undefined);
  if (binding === undefined) throw new UsageError('no arguments specified');
  if (!s.app.charm.endpoints[binding] && !(s.app.charm.extraBindings ?? []).includes(binding)) {
    throw new RunError(`no network config found for binding "${binding}"`);
  }
  const address = s.unit.address;
  const info = goStruct({
    'bind-addresses': [
      goStruct({
        'mac-address': '',
        'interface-name': address.startsWith('127.') ? 'lo' : 'eth0',
        addresses: [goStruct({ hostname: '', value: address, cidr: cidrOf(address) })],
      }),
    ],
    'egress-subnets': [`${address}/32`],
    'ingress-addresses': [address],
  });
  const picks: [string, unknown][] = [];
  if (p.flags.get('bind-address') || p.flags.get('primary-address')) picks.push(['bind-address', address]);
  if (p.flags.get('ingress-address')) picks.push(['ingress-address', address]);
  if (p.flags.get('egress-subnets')) picks.push(['egress-subnets', [`${address}/32`]]);
  if (picks.length === 1) return out(picks[0]![1], fmt(p, 'smart'));
  if (picks.length > 1) return out(Object.fromEntries(picks), fmt(p, 'smart'));
  return out(info, fmt(p, 'smart'));
};

const goalState: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  checkEmpty(p.positional);
  const since = s.nowIso();
  const units: Record<string, unknown> = {};
  for (const unit of unitsOf(s.model, s.app.name)) units[unit.name] = { status: 'active', since };
  const relations: Record<string, Record<string, unknown>> = {};
  for (const relation of s.visibleRelations()) {
    if (relation.life !== 'alive') continue;
    const endpoint = s.localEnd(relation).endpoint;
    const remoteApp = s.remoteEnd(relation).app;
    const entry = (relations[endpoint] ??= {});
    if (remoteApp !== s.app.name) entry[remoteApp] = { status: 'joined', since };
    for (const unit of unitsOf(s.model, remoteApp)) {
      if (unit.name !== s.unit.name) entry[unit.name] = { status: 'active', since };
    }
  }
  return out({ units, relations }, fmt(p, 'smart'));
};

const unitGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  const [key, ...rest] = p.positional;
  if (key === undefined) throw new UsageError('no setting specified');
  if (key !== 'private-address' && key !== 'public-address') throw new UsageError(`unknown setting "${key}"`);
  checkEmpty(rest);
  return out(s.unit.address, fmt(p, 'smart'));
};

// ---------------------------------------------------------------- secrets

const SECRET_KEY_RE = /^([a-z](?:-?[a-z0-9]){2,})$/;
const ROTATE_POLICIES: readonly SecretRotatePolicy[] = ['never', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'];
const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function parseExpire(text: string, now: Date): string {
  const invalid = () => new Error(`expire time or duration "${text}" not valid`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(text)) {
    const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`;
    const date = new Date(withZone);
    if (Number.isNaN(date.getTime())) throw invalid();
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const negative = text.startsWith('-');
  const body = negative || text.startsWith('+') ? text.slice(1) : text;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(body)) throw invalid();
  let ms = 0;
  for (const m of body.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  if (negative || ms <= 0) throw new Error(`negative expire duration "${text}" not valid`);
  return new Date(now.getTime() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function secretMetadataFlags(): FlagSpec[] {
  return [
    value('label'),
    value('description'),
    value('expire'),
    {
      names: ['rotate'],
      kind: 'value',
      set: (v: string) => {
        if (!(ROTATE_POLICIES as readonly string[]).includes(v)) throw new Error(`rotate policy "${v}" not valid`);
        return v;
      },
    },
    {
      names: ['owner'],
      kind: 'value',
      set: (v: string) => {
        if (v !== 'application' && v !== 'unit') throw new Error(`secret owner "${v}" not valid`);
        return v;
      },
    },
    value('file'),
  ];
}

/** Secret content from `key=value`, `key#base64=…`, `key#file=<path>` and `--file <yaml>`. */
function parseSecretContent(s: HookSession, args: readonly string[], file: string | undefined, stdin: string | undefined): Bag {
  const raw: [string, string][] = [];
  if (file !== undefined) {
    const text = file === '-' ? (stdin ?? '') : s.readFile(file);
    let data: unknown;
    try {
      data = parseYaml(text);
    } catch {
      throw new UsageError(`invalid YAML in secret file "${file}"`);
    }
    if (data !== null && data !== undefined) {
      if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`invalid YAML in secret file "${file}"`);
      for (const [k, v] of Object.entries(data as Record<string, unknown>)) raw.push([k, v === null ? '' : String(v)]);
    }
  }
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`key value "${arg}" not valid`);
    raw.push([arg.slice(0, eq), arg.slice(eq + 1)]);
  }
  const content: Bag = {};
  for (const [rawKey, rawValue] of raw) {
    let key = rawKey;
    let val = rawValue;
    if (key.endsWith('#base64')) {
      key = key.slice(0, -'#base64'.length);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(val)) throw new UsageError(`base64 value for key "${key}" not valid`);
      val = Buffer.from(val, 'base64').toString('utf8');
    } else if (key.endsWith('#file')) {
      key = key.slice(0, -'#file'.length);
      val = s.readFile(val);
    }
    if (!SECRET_KEY_RE.test(key)) throw new UsageError(`key "${key}" not valid`);
    if (val === '') throw new UsageError('empty secret value not valid');
    content[key] = val;
  }
  return content;
}

interface SecretMetadataChange {
  label?: string;
  description?: string;
  expireTime?: string;
  rotatePolicy?: SecretRotatePolicy;
}

function metadataChange(s: HookSession, p: ParsedArgs): SecretMetadataChange {
  const change: SecretMetadataChange = {};
  const label = p.flags.get('label') as string | undefined;
  const description = p.flags.get('description') as string | undefined;
  const expire = p.flags.get('expire') as string | undefined;
  const rotate = p.flags.get('rotate') as SecretRotatePolicy | undefined;
  if (label !== undefined) change.label = label;
  if (description !== undefined) change.description = description;
  if (expire !== undefined) {
    try {
      change.expireTime = parseExpire(expire, s.now());
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (rotate !== undefined) change.rotatePolicy = rotate;
  return change;
}

function checkLabelFree(s: HookSession, label: string, self: string | undefined): void {
  const clash = s.secretByLabel(label);
  if (clash && clash.id !== self) throw new RunError(`secret with label "${label}" already exists`);
}

function parseSecretArg(text: string | undefined, missing: string): string {
  if (text === undefined) throw new UsageError(missing);
  const id = parseSecretUri(text);
  if (!id) throw new UsageError(`secret URI "${text}" not valid`);
  return id;
}

function lookupSecret(s: HookSession, id: string): SimSecret {
  const secret = s.secretView(id);
  if (!secret) throw new RunError(`secret "${secretUri(id)}" not found`);
  return secret;
}

const secretAdd: ToolImpl = (s, args, stdin) => {
  const p = parseArgs(args, secretMetadataFlags());
  const content = parseSecretContent(s, p.positional, p.flags.get('file') as string | undefined, stdin);
  if (Object.keys(content).length === 0) throw new UsageError('missing secret value or filename');
  const change = metadataChange(s, p);
  const ownerKind = (p.flags.get('owner') as string | undefined) ?? 'application';
  if (ownerKind === 'application' && !s.isLeader) throw new RunError('this unit is not the leader');
  if (change.label !== undefined) checkLabelFree(s, change.label, undefined);
  const id = newSecretId(s.model);
  const secret: SimSecret = {
    id,
    owner: ownerKind === 'application' ? { kind: 'application', app: s.app.name } : { kind: 'unit', unit: s.unit.name },
    revisions: [{ revision: 1, content: {}, createTime: s.nowIso() }],
    grants: [],
    consumers: {},
    ...change,
  };
  s.pendingSecrets.set(id, { secret, created: true, newContent: content, removed: false, removedRevisions: [] });
  return { stdout: `${secretUri(id)}\n` };
};

const secretSet: ToolImpl = (s, args, stdin) => {
  const p = parseArgs(args, secretMetadataFlags());
  const [uri, ...rest] = p.positional;
  const id = parseSecretArg(uri, 'missing secret URI');
  const content = parseSecretContent(s, rest, p.flags.get('file') as string | undefined, stdin);
  const change = metadataChange(s, p);
  if (Object.keys(content).length === 0 && Object.keys(change).length === 0 && !p.flags.has('owner')) {
    throw new UsageError('at least one attribute to update must be specified');
  }
  const secret = lookupSecret(s, id);
  s.checkCanManage(secret);
  if (change.label !== undefined) checkLabelFree(s, change.label, id);
  const pending = s.pendingSecret(id);
  Object.assign(pending.secret, change);
  if (Object.keys(content).length > 0) {
    const current = pending.newContent ?? latestRevision(pending.secret).content;
    if (pending.created || !sameContent(current, content) || pending.newContent) pending.newContent = content;
  }
  return { stdout: '' };
};

function sameContent(a: Bag, b: Bag): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

const secretGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('yaml', ['yaml', 'json']), value('label'), bool('peek'), bool('refresh')]);
  const positional = [...p.positional];
  const uriText = positional.shift();
  const id = uriText !== undefined ? parseSecretArg(uriText, '') : undefined;
  const label = p.flags.get('label') as string | undefined;
  if (id === undefined && label === undefined) throw new UsageError('require either a secret URI or label');
  let key = positional.shift();
  let asBase64 = false;
  if (key !== undefined && key.endsWith('#base64')) {
    key = key.slice(0, -'#base64'.length);
    asBase64 = true;
  }
  if (p.flags.get('peek') && p.flags.get('refresh')) throw new UsageError('specify one of --peek or --refresh but not both');
  checkEmpty(positional);

  let secret: SimSecret;
  if (id !== undefined) {
    secret = lookupSecret(s, id);
  } else {
    const found = s.secretByLabel(label!);
    if (!found) throw new RunError(`secret "${label}" not found`);
    secret = found;
  }

  let content: Bag;
  if (s.isSecretOwner(secret)) {
    if (id !== undefined && label !== undefined && secret.label !== label) {
      if (secret.owner.kind === 'application' && !s.isLeader) throw new RunError('this unit is not the leader');
      checkLabelFree(s, label, secret.id);
      s.pendingSecret(secret.id).secret.label = label;
    }
    content = s.pendingSecrets.get(secret.id)?.newContent ?? latestRevision(secret).content;
  } else {
    if (!s.canReadAsConsumer(secret)) throw new RunError('permission denied');
    // Consumer tracking and labels are recorded by the controller when the content is fetched.
    const committed = s.model.secrets[secret.id]!;
    const latest = latestRevision(committed);
    const tracking = committed.consumers[s.unit.name];
    if (id !== undefined && label !== undefined) {
      for (const other of Object.values(s.model.secrets)) {
        const c = other.consumers[s.unit.name];
        if (other.id !== committed.id && c?.label === label) throw new RunError(`secret with label "${label}" already exists`);
      }
    }
    let revision: number;
    if (p.flags.get('peek')) {
      revision = latest.revision;
      if (!tracking) committed.consumers[s.unit.name] = { revision: latest.revision };
    } else if (p.flags.get('refresh') || !tracking) {
      revision = latest.revision;
      committed.consumers[s.unit.name] = { ...tracking, revision: latest.revision };
      if (tracking && tracking.revision !== latest.revision) s.immediateEvents.push(...obsoleteRevisionEvents(s.model, committed));
    } else {
      revision = tracking.revision;
    }
    if (id !== undefined && label !== undefined) committed.consumers[s.unit.name]!.label = label;
    content = (committed.revisions.find((r) => r.revision === revision) ?? latest).content;
  }
  const encode = (v: string) => (asBase64 ? Buffer.from(v, 'utf8').toString('base64') : v);
  if (key !== undefined) {
    if (!(key in content)) throw new RunError(`secret key "${key}" not found`);
    return out(encode(content[key]!), fmt(p, 'yaml'));
  }
  return out(Object.fromEntries(Object.entries(content).map(([k, v]) => [k, v])), fmt(p, 'yaml'));
};

function accessList(s: HookSession, secret: SimSecret): unknown[] {
  return secret.grants.map((g) => {
    const relation = g.relationId !== undefined ? s.model.relations.find((r) => r.id === g.relationId) : undefined;
    const scope = relation
      ? `relation-${relation.ends.map((e) => `${e.app}.${e.endpoint}`).join('#')}`
      : g.kind === 'application'
        ? `application-${g.target}`
        : `unit-${g.target.replace('/', '-')}`;
    return goStruct({
      target: g.kind === 'application' ? `application-${g.target}` : `unit-${g.target.replace('/', '-')}`,
      scope,
      role: g.role,
    });
  });
}

const secretInfoGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('yaml', ['yaml', 'json']), value('label')]);
  const [uriText, ...rest] = p.positional;
  const label = p.flags.get('label') as string | undefined;
  if (uriText === undefined && label === undefined) throw new UsageError('require either a secret URI or label');
  if (uriText !== undefined && label !== undefined) throw new UsageError('specify either a secret URI or label but not both');
  const id = uriText !== undefined ? parseSecretArg(uriText, '') : undefined;
  checkEmpty(rest);
  const secret = id !== undefined ? s.secretView(id) : s.secretByLabel(label!);
  if (!secret || !s.isSecretOwner(secret)) throw new RunError(`secret "${uriText ?? label}" not found`);
  const info: Record<string, unknown> = goStruct({
    revision: latestRevision(secret).revision,
    label: secret.label ?? '',
    owner: secret.owner.kind,
  });
  if (secret.description !== undefined) info['description'] = secret.description;
  if (secret.expireTime !== undefined) info['expiry'] = secret.expireTime;
  if (secret.rotatePolicy !== undefined) info['rotation'] = secret.rotatePolicy;
  if (secret.grants.length > 0) info['access'] = accessList(s, secret);
  return out({ [secretUri(secret.id)]: info }, fmt(p, 'yaml'));
};

const secretIds: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('yaml', ['yaml', 'json'])]);
  checkEmpty(p.positional);
  const ids = new Set([...Object.keys(s.model.secrets), ...s.pendingSecrets.keys()]);
  const owned = [...ids]
    .map((id) => s.secretView(id))
    .filter((secret): secret is SimSecret => secret !== undefined && s.isSecretOwner(secret))
    .map((secret) => secretUri(secret.id))
    .sort();
  return out(owned, fmt(p, 'yaml'));
};

const secretGrant: ToolImpl = (s, args) => {
  const p = parseArgs(args, [s.relationFlag(), value('unit')]);
  const [uri, ...rest] = p.positional;
  const id = parseSecretArg(uri, 'missing secret URI');
  checkEmpty(rest);
  const relation = s.relationFromFlag(p.flags.get('r'));
  const unit = p.flags.get('unit') as string | undefined;
  const remoteApp = s.remoteEnd(relation).app;
  if (unit !== undefined && appOfUnit(unit) !== remoteApp) {
    throw new RunError(`cannot specify unit "${unit}" in relation to application "${remoteApp}"`);
  }
  const secret = lookupSecret(s, id);
  s.checkCanManage(secret);
  const working = s.pendingSecret(id).secret;
  const grant = unit !== undefined
    ? { target: unit, kind: 'unit' as const, relationId: relation.id, role: 'view' as const }
    : { target: remoteApp, kind: 'application' as const, relationId: relation.id, role: 'view' as const };
  if (!working.grants.some((g) => g.target === grant.target && g.kind === grant.kind)) working.grants.push(grant);
  return { stdout: '' };
};

const secretRevoke: ToolImpl = (s, args) => {
  const p = parseArgs(args, [s.relationFlag(), value('app', 'application'), value('unit')]);
  const [uri, ...rest] = p.positional;
  const id = parseSecretArg(uri, 'missing secret URI');
  checkEmpty(rest);
  const relation = p.flags.get('r') as SimRelation | undefined;
  const app = p.flags.get('app') as string | undefined;
  const unit = p.flags.get('unit') as string | undefined;
  if (app !== undefined && unit !== undefined) throw new UsageError('specify only one of application or unit');
  if (relation === undefined && app === undefined && unit === undefined) {
    throw new UsageError('missing relation or application or unit');
  }
  const secret = lookupSecret(s, id);
  s.checkCanManage(secret);
  const working = s.pendingSecret(id).secret;
  const targetApp = app ?? (unit === undefined && relation ? s.remoteEnd(relation).app : undefined);
  working.grants = working.grants.filter((g) => {
    if (unit !== undefined) return !(g.kind === 'unit' && g.target === unit);
    return !(g.target === targetApp || (g.kind === 'unit' && appOfUnit(g.target) === targetApp));
  });
  return { stdout: '' };
};

const secretRemove: ToolImpl = (s, args) => {
  const p = parseArgs(args, [
    {
      names: ['revision'],
      kind: 'value',
      set: (v: string) => {
        if (!/^\d+$/.test(v)) throw new Error('parse error');
        return Number(v);
      },
    },
  ]);
  const [uri, ...rest] = p.positional;
  const id = parseSecretArg(uri, 'missing secret URI');
  checkEmpty(rest);
  const secret = lookupSecret(s, id);
  s.checkCanManage(secret);
  const revision = p.flags.get('revision') as number | undefined;
  const pending = s.pendingSecret(id);
  if (revision === undefined) {
    pending.removed = true;
  } else {
    if (!pending.secret.revisions.some((r) => r.revision === revision)) {
      throw new RunError(`secret revision "${secretUri(id)}/${revision}" not found`);
    }
    if (!pending.removedRevisions.includes(revision)) pending.removedRevisions.push(revision);
  }
  return { stdout: '' };
};

// ---------------------------------------------------------------- registry

export const TOOLS: Readonly<Record<string, ToolImpl>> = {
  'config-get': configGet,
  'relation-ids': relationIds,
  'relation-list': relationList,
  'relation-get': relationGet,
  'relation-set': relationSet,
  'is-leader': isLeader,
  'status-get': statusGet,
  'status-set': statusSet,
  'application-version-set': applicationVersionSet,
  'juju-log': jujuLog,
  'action-get': actionGet,
  'action-set': actionSet,
  'action-fail': actionFail,
  'action-log': actionLog,
  'state-get': stateGet,
  'state-set': stateSet,
  'state-delete': stateDelete,
  'secret-add': secretAdd,
  'secret-get': secretGet,
  'secret-set': secretSet,
  'secret-grant': secretGrant,
  'secret-revoke': secretRevoke,
  'secret-remove': secretRemove,
  'secret-ids': secretIds,
  'secret-info-get': secretInfoGet,
  'open-port': portTool('open'),
  'close-port': portTool('close'),
  'opened-ports': openedPorts,
  'network-get': networkGet,
  'goal-state': goalState,
  'leader-get': leaderGet,
  'leader-set': leaderSet,
  'unit-get': unitGet,
};

export const TOOL_NAMES: readonly string[] = Object.keys(TOOLS).sort();

