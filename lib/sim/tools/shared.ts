/**
 * Helpers the hook-tool families share: the tool signature, `--format` flags and output,
 * `key=value` and `--file` parsing. A tool returns its stdout (and optional stderr warning) or throws
 * UsageError (exit 2: flag/argument errors, found while parsing as juju/cmd's Init does) or RunError (exit 1).
 */
import { parse as parseYaml } from 'yaml';
import { UsageError, type FlagSpec, type ParsedArgs } from '../flags';
import { formatOutput, type OutputFormat } from '../format';
import { type Bag, type SimRelation, type StatusRecord } from '../model';
import type { HookSession, ToolOutput } from '../session';

export type { ToolImpl, ToolOutput } from '../session';

export function formatFlag(defaultFormat: OutputFormat, allowed: readonly OutputFormat[] = ['json', 'smart', 'yaml']): FlagSpec {
  return {
    names: ['format'],
    kind: 'value',
    set: (value: string) => {
      if (!(allowed as readonly string[]).includes(value)) throw new Error(`unknown format "${value}"`);
      return value;
    },
  };
}

export function fmt(parsed: ParsedArgs, defaultFormat: OutputFormat): OutputFormat {
  return (parsed.flags.get('format') as OutputFormat | undefined) ?? defaultFormat;
}

export function out(value: unknown, format: OutputFormat): ToolOutput {
  return { stdout: formatOutput(value, format) };
}

export const bool = (...names: string[]): FlagSpec => ({ names, kind: 'bool' });
export const value = (...names: string[]): FlagSpec => ({ names, kind: 'value' });

/** `key=value` arguments; `what` names the error style of the calling tool. */
export function parseKeyValues(args: readonly string[]): Bag {
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
export function parseSettingsFile(session: HookSession, file: string, stdin: string | undefined): Bag {
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

export const UNIT_NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*\/\d+$/;
export const APP_NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$/;

export function relationKey(relation: SimRelation): string {
  return relation.ends.map((e) => `${e.app}:${e.endpoint}`).join(' ');
}

export function pushStatus(current: StatusRecord, history: StatusRecord[], next: StatusRecord): void {
  history.push({ ...current, data: { ...current.data } });
  Object.assign(current, next);
}
