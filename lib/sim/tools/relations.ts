/** Relation tools: `relation-ids`, `relation-list`, `relation-get`, `relation-set`. */
import { checkEmpty, parseArgs, RunError, UsageError } from '../flags';
import { appOfUnit, type Bag } from '../model';
import {
  type ToolImpl,
  formatFlag,
  fmt,
  out,
  bool,
  value,
  parseKeyValues,
  parseSettingsFile,
  UNIT_NAME_RE,
  APP_NAME_RE,
  relationKey,
} from './shared';

export const relationIds: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  const [given, ...rest] = p.positional;
  checkEmpty(rest);
  const endpoint = given ?? (s.hookRelation ? s.localEnd(s.hookRelation).endpoint : undefined);
  if (endpoint === undefined) throw new UsageError('no endpoint name specified');
  // Juju's HookContext.RelationIds() skips a broken relation: during its own relation-broken hook
  // the relation is not listed, though relation-get/-list -r still reach it.
  const broken = s.relationHookKind === 'broken' ? s.hookRelation : undefined;
  const ids = s
    .visibleRelations()
    .filter((r) => r !== broken && s.localEnd(r).endpoint === endpoint)
    .map((r) => `${endpoint}:${r.id}`);
  return out(ids, fmt(p, 'smart'));
};

export const relationList: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), s.relationFlag(), bool('app')]);
  checkEmpty(p.positional);
  const relation = s.relationFromFlag(p.flags.get('r'));
  if (p.flags.get('app')) return out(s.remoteEnd(relation).app, fmt(p, 'smart'));
  return out(s.relationUnits(relation), fmt(p, 'smart'));
};

export const relationGet: ToolImpl = (s, args) => {
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

export const relationSet: ToolImpl = (s, args, stdin) => {
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
  if (size > MAX_RELATION_SETTINGS)
    throw new RunError(`relation settings size ${size} exceeds the maximum allowed size ${MAX_RELATION_SETTINGS}`);
  pending.set(relation.id, merged);
  return stderr ? { stdout: '', stderr } : { stdout: '' };
};
