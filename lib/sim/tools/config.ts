/** `config-get`. */
import { checkEmpty, parseArgs, UsageError } from '../flags';
import { effectiveConfig } from '../model';
import { type ToolImpl, formatFlag, fmt, out, bool } from './shared';

export const configGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), bool('a', 'all')]);
  const [key, ...rest] = p.positional;
  checkEmpty(rest);
  if (key !== undefined && p.flags.get('a')) throw new UsageError(`cannot use argument --all together with key "${key}"`);
  const config = effectiveConfig(s.app, p.flags.get('a') === true);
  if (key !== undefined) return out(config[key] ?? null, fmt(p, 'smart'));
  return out(config, fmt(p, 'smart'));
};
