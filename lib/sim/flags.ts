/**
 * Argument parsing the way Juju's hook tools do it (juju/gnuflag with interspersed flags):
 * `-x value`, `-x=value`, `--long value`, `--long=value`, booleans as `--flag` or `--flag=true|false`,
 * flags allowed after positionals, and `--` ending flag parsing. Errors are usage errors (exit 2).
 */

/** A usage error: the tool prints `ERROR <message>` and exits 2. */
export class UsageError extends Error {}
/** A run failure: the tool prints `ERROR <message>` and exits 1. */
export class RunError extends Error {}

export interface FlagSpec {
  /** Names without dashes; one-letter names take a single dash, longer names two (one is accepted too). */
  readonly names: readonly string[];
  readonly kind: 'bool' | 'value';
  /**
   * Validates and converts a value as gnuflag's Value.Set does; a thrown Error becomes
   * `invalid value "<v>" for flag <flag>: <message>`.
   */
  readonly set?: (value: string) => unknown;
  /** May be given more than once (last wins unless `set` accumulates). */
  readonly repeatable?: boolean;
}

export interface ParsedArgs {
  /** Keyed by the first name of each flag; bool flags hold booleans, value flags the `set` result or string. */
  readonly flags: ReadonlyMap<string, unknown>;
  readonly positional: readonly string[];
}

export function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

export function parseArgs(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags = new Map<string, unknown>();
  const positional: string[] = [];
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const dashes = arg.startsWith('--') ? '--' : '-';
    const body = arg.slice(dashes.length);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    const shown = `${dashes}${name}`;
    if (!spec || name === '') throw new UsageError(`flag provided but not defined: ${shown}`);
    if (spec.kind === 'bool') {
      if (eq < 0) {
        flags.set(spec.names[0]!, true);
      } else {
        const text = body.slice(eq + 1);
        const value = parseBool(text);
        if (value === undefined) throw new UsageError(`invalid value "${text}" for flag ${shown}: parse error`);
        flags.set(spec.names[0]!, value);
      }
      continue;
    }
    let value: string;
    if (eq >= 0) {
      value = body.slice(eq + 1);
    } else {
      if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: ${shown}`);
      value = args[++i]!;
    }
    let converted: unknown = value;
    if (spec.set) {
      try {
        converted = spec.set(value);
      } catch (err) {
        throw new UsageError(`invalid value "${value}" for flag ${shown}: ${(err as Error).message}`);
      }
    }
    flags.set(spec.names[0]!, converted);
  }
  return { flags, positional };
}

/** juju/cmd's CheckEmpty: extra positionals are an error. */
export function checkEmpty(rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`unrecognized args: [${rest.map((a) => JSON.stringify(a)).join(' ')}]`);
}
