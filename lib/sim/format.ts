/**
 * Output formatting as juju/cmd does it: `json` (Go's encoding/json: sorted map keys, HTML-safe
 * escapes), `yaml` (goyaml: sorted keys, trailing newlines trimmed) and `smart` (raw strings,
 * True/False, a string list one item a line, YAML for the rest). Nothing is printed for an empty result, otherwise a newline
 * is appended, as juju/cmd's Output.Write does.
 */
import { stringify } from 'yaml';

export type OutputFormat = 'json' | 'yaml' | 'smart';

const structs = new WeakSet<object>();

/** Mark an object whose keys keep their insertion order (a Go struct), not sorted (a Go map). */
export function goStruct<T extends object>(value: T): T {
  structs.add(value);
  return value;
}

function escapeJsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Go's json.Marshal of the equivalent Go value. */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return escapeJsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (!structs.has(value)) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${escapeJsonString(k)}:${goJson(v)}`).join(',')}}`;
  }
  return 'null';
}

function sortedForYaml(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedForYaml);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (!structs.has(value)) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k] = sortedForYaml(v);
    return out;
  }
  return value;
}

/** goyaml.Marshal with trailing newlines trimmed; an absent value prints nothing. */
export function goYaml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return stringify(sortedForYaml(value), { version: '1.1', indentSeq: false, lineWidth: 0 }).replace(/\n+$/, '');
}

function smart(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  // juju/cmd FormatSmart: a []string is printed one item a line (nothing when empty).
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('\n');
  return goYaml(value);
}

/** Render `value` in `format` and append the newline juju/cmd adds to non-empty output. */
export function formatOutput(value: unknown, format: OutputFormat): string {
  const text = format === 'json' ? goJson(value) : format === 'yaml' ? goYaml(value) : smart(value);
  return text.length > 0 ? `${text}\n` : '';
}
