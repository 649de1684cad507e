/** Charm state tools: `state-get`, `state-set`, `state-delete`. */
import { checkEmpty, parseArgs, RunError, UsageError } from '../flags';
import { type Bag } from '../model';
import type { HookSession } from '../session';
import { type ToolImpl, formatFlag, fmt, out, bool, value, parseKeyValues, parseSettingsFile } from './shared';

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

export const stateGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), bool('strict')]);
  const [key, ...rest] = p.positional;
  checkEmpty(rest);
  const state = currentState(s);
  if (key === undefined || key === '-') return out(Object.keys(state).length > 0 ? state : null, fmt(p, 'smart'));
  if (key in state) return out(state[key], fmt(p, 'smart'));
  if (p.flags.get('strict')) throw new RunError(`"${key}" not found`);
  return out('', fmt(p, 'smart'));
};

export const stateSet: ToolImpl = (s, args, stdin) => {
  const p = parseArgs(args, [value('file')]);
  const file = p.flags.get('file') as string | undefined;
  const settings: Bag = { ...(file !== undefined ? parseSettingsFile(s, file, stdin) : {}), ...parseKeyValues(p.positional) };
  for (const [k, v] of Object.entries(settings)) {
    if (Buffer.byteLength(k) > MAX_STATE_KEY)
      throw new RunError(`key "${k.slice(0, 32)}…" exceeds the maximum key size of ${MAX_STATE_KEY} bytes`);
    if (Buffer.byteLength(v) > MAX_STATE_VALUE)
      throw new RunError(`value of key "${k}" exceeds the maximum value size of ${MAX_STATE_VALUE} bytes`);
  }
  for (const [k, v] of Object.entries(settings)) s.pendingState.set(k, v === '' ? null : v);
  return { stdout: '' };
};

export const stateDelete: ToolImpl = (s, args) => {
  const p = parseArgs(args, []);
  const [key, ...rest] = p.positional;
  if (key === undefined) throw new UsageError('no key specified');
  checkEmpty(rest);
  s.pendingState.set(key, null);
  return { stdout: '' };
};
