/** Action tools: `action-get`, `action-set`, `action-fail`, `action-log`. */
import { checkEmpty, parseArgs, UsageError } from '../flags';
import { type ToolImpl, formatFlag, fmt, out } from './shared';

const ACTION_KEY_PART_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED_ACTION_KEYS = new Set(['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding']);

export const actionGet: ToolImpl = (s, args) => {
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

export const actionSet: ToolImpl = (s, args) => {
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

export const actionFail: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  const [message, ...rest] = p.positional;
  checkEmpty(rest);
  const run = s.requireAction();
  run.failMessage = message ?? 'action failed without reason given, check action for errors';
  return { stdout: '' };
};

export const actionLog: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  if (p.positional.length === 0) throw new UsageError('no message specified');
  const run = s.requireAction();
  run.logs.push(p.positional.join(' '));
  return { stdout: '' };
};
