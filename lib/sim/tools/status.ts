/** Status, version and leadership tools: `status-get/-set`, `application-version-set`, `is-leader`, `leader-get/-set`. */
import { checkEmpty, parseArgs, RunError, UsageError } from '../flags';
import { unitsOf, type StatusRecord } from '../model';
import { type ToolImpl, formatFlag, fmt, out, bool, parseKeyValues, pushStatus } from './shared';

const VALID_STATUSES = ['maintenance', 'blocked', 'waiting', 'active'] as const;

export const statusSet: ToolImpl = (s, args) => {
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

export const statusGet: ToolImpl = (s, args) => {
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

export const applicationVersionSet: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  const [version, ...rest] = p.positional;
  if (version === undefined) throw new UsageError('no version specified');
  checkEmpty(rest);
  s.app.workloadVersion = version;
  return { stdout: '' };
};

export const isLeader: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  checkEmpty(p.positional);
  return out(s.isLeader, fmt(p, 'smart'));
};

export const leaderGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  const [key, ...rest] = p.positional;
  checkEmpty(rest);
  const settings = { ...s.app.leaderSettings };
  if (key === undefined || key === '-') return out(settings, fmt(p, 'smart'));
  return out(settings[key] ?? null, fmt(p, 'smart'));
};

export const leaderSet: ToolImpl = (s, args) => {
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
