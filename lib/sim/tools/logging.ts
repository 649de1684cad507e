/** `juju-log`. */
import { parseArgs, UsageError } from '../flags';
import { type ToolImpl, bool, value } from './shared';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

export const jujuLog: ToolImpl = (s, args) => {
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
