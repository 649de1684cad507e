// The one redaction function for everything that leaves the charm: log lines, Juju status,
// action output and error messages. Pure (no I/O).
//
// Two layers, because neither alone is enough:
//   1. Known secret values (SCRAM passwords, the Connect REST password) are replaced wherever they
//      appear, in every spelling they take on the way out: raw, JSON-escaped (a Connect error body
//      echoing a config), JAAS-escaped (inside `password="…"`), JSON-escaped JAAS, URL-encoded.
//   2. Anything *shaped* like a secret is replaced even when its value is unknown (a password the
//      charm never saw, e.g. another client's, echoed in a Connect stack trace): JAAS
//      `…LoginModule required …;` entries, `password=…` / `"password": "…"` pairs, HTTP
//      Authorization headers and bare `Basic …` tokens, `scheme://user:pass@host` URLs, and PEM
//      private keys.
// Over-redaction is preferred to a leak: a one-character secret would blank every occurrence of
// that character. Empty secrets are ignored (they cannot be redacted meaningfully).
//
// Linear time: the remote side controls much of the text (Connect bodies, relation data), so no
// rule may rescan a long run once per starting position. Rules that begin with a run of name
// characters only start at the beginning of such a run (a look-behind), quoted values are found
// with indexOf instead of a backtracking scan, and an unclosed quote redacts to the end of the
// text (so the search never restarts). Text longer than MAX_REDACTED_CHARS is cut (head kept) before redaction.

/** Longest text redacted; the rest is dropped with a note (nothing that long belongs in a message). */
export const MAX_REDACTED_CHARS = 1_048_576;

export const REDACTED = '<redacted>';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The JAAS quoting used by connectors.ts. Kafka's parser (JaasConfig, a StreamTokenizer) ends a
 * quoted value at a raw CR or LF and reads `\n`, `\r`, `\\` and `\"` inside quotes, so backslash,
 * double quote, CR and LF are escaped: any value round-trips and none can close the quotes and
 * add options (checked against Kafka's own parser in tests/unit/charm-core/jaas-differential).
 */
export function jaasQuote(value: string): string {
  return value.replace(/[\\"\r\n]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
}

/** The inverse of jaasQuote. */
export function jaasUnquote(value: string): string {
  return value.replace(/\\([\s\S])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

function jsonInner(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** Every spelling a secret can take in text that reaches us. */
export function secretSpellings(secret: string): string[] {
  const forms = new Set<string>();
  const add = (form: string): void => {
    if (form.length > 0) forms.add(form);
  };
  add(secret);
  add(jsonInner(secret));
  add(jaasQuote(secret));
  add(jsonInner(jaasQuote(secret)));
  add(jsonInner(jsonInner(secret)));
  add(encodeURIComponent(secret));
  return [...forms];
}

// A name ending in one of these words holds a secret value (`source.cluster.sasl.password`,
// `ssl.key.password`, `sasl.jaas.config`, `api_key`, …). The keyword is searched for first and the
// name extended backwards over name characters, so a long run of them is read once.
const SECRET_WORD = /(?:password|passwd|pwd|secret|token|jaas\.config|api[._-]?key|private[._-]?key|credentials?)(?=\\?["']?\s*[:=])/gi;
const SEPARATOR = /\\?["']?\s*[:=]\s*/y;
/** [A-Za-z0-9_] plus the extra characters `extra` (char codes). */
function isNameChar(c: number, extra: string): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || extra.includes(String.fromCharCode(c));
}

/** Index where the run of name characters (plus `extra`) ending just before `end` starts (not before `floor`). */
function runStart(text: string, end: number, floor: number, extra: string): number {
  let i = end;
  while (i > floor && isNameChar(text.charCodeAt(i - 1), extra)) i--;
  return i;
}

// `key="v"`, `key=\"v\"` (inside JSON), `key='v'`, `key=v`, `"key": "v"`, `"key":"v"`: the key
// and separator are found by SECRET_WORD + SEPARATOR, the value by secretValueEnd.
const BARE_VALUE = /[^\s,;}\]"'&]+/y;

/** Where the value starting at `j` ends and how it is quoted, or undefined when there is none. */
function secretValueEnd(text: string, j: number): { end: number; quote: string } | undefined {
  if (text.startsWith('\\"', j)) {
    const close = text.indexOf('\\"', j + 2);
    return { end: close >= 0 ? close + 2 : text.length, quote: '\\"' };
  }
  if (text[j] === '"') {
    for (let k = j + 1; k < text.length; k++) {
      const ch = text[k];
      if (ch === '\\') k += 1;
      else if (ch === '"') return { end: k + 1, quote: '"' };
    }
    return { end: text.length, quote: '"' };
  }
  if (text[j] === "'") {
    const close = text.indexOf("'", j + 1);
    return { end: close >= 0 ? close + 1 : text.length, quote: "'" };
  }
  BARE_VALUE.lastIndex = j;
  return BARE_VALUE.test(text) ? { end: BARE_VALUE.lastIndex, quote: '' } : undefined;
}

const CONFIGURATION_BEFORE = /\bconfiguration\s+$/;

function redactKeyValues(text: string): string {
  const out: string[] = [];
  let last = 0;
  SECRET_WORD.lastIndex = 0;
  for (let m = SECRET_WORD.exec(text); m !== null; m = SECRET_WORD.exec(text)) {
    const start = runStart(text, m.index, last, '.-');
    SEPARATOR.lastIndex = m.index + m[0].length;
    if (!SEPARATOR.test(text)) continue;
    const key = text.slice(start, SEPARATOR.lastIndex);
    // Kafka's ConfigException reads "Invalid value <v> for configuration <key>: <reason>": the
    // text after the colon is Connect's reason, not the value (the value, if secret-shaped, is
    // handled by the other rules), and the reason is what tells the operator what to fix.
    if (!/["'=]/.test(key) && CONFIGURATION_BEFORE.test(text.slice(Math.max(0, start - 32), start))) continue;
    const value = secretValueEnd(text, start + key.length);
    if (value === undefined) continue;
    // Keep the quoting, so redacted JSON stays JSON and properties stay readable.
    out.push(text.slice(last, start), key, value.quote, REDACTED, value.quote);
    last = value.end;
    SECRET_WORD.lastIndex = Math.max(value.end, start + key.length);
  }
  out.push(text.slice(last));
  return out.join('');
}

// A JAAS entry: `<class>LoginModule <flag> <options>;`. Quoted option values may contain ';'.
const JAAS_ENTRY =
  /LoginModule\s+(?:required|requisite|sufficient|optional)\b(?:\\"(?:[^\\]|\\(?!"))*?(?:\\"|$)|"(?:[^"\\]|\\.)*(?:"|$)|[^;"\\]|\\(?!"))*;?/g;

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;

const AUTH_HEADER = /(authorization\\?["']?\s*[:=]\s*\\?["']?)(?:(?:basic|bearer|digest)\s+)?[A-Za-z0-9+/=._~-]+/gi;
const BARE_AUTH_TOKEN = /\b(Basic|Bearer)\s+[A-Za-z0-9+/._~-]{6,}={0,2}/g;
const URL_USERINFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;

/** JAAS_ENTRY matches, each extended backwards over its login module's class name. */
function redactJaasEntries(text: string): string {
  const out: string[] = [];
  let last = 0;
  JAAS_ENTRY.lastIndex = 0;
  for (let m = JAAS_ENTRY.exec(text); m !== null; m = JAAS_ENTRY.exec(text)) {
    const start = runStart(text, m.index, last, '.$');
    out.push(text.slice(last, start), `${REDACTED} (JAAS config)`);
    last = m.index + m[0].length;
    if (m[0].length === 0) JAAS_ENTRY.lastIndex++;
  }
  out.push(text.slice(last));
  return out.join('');
}

/**
 * Removes known secret values and anything that looks like a credential from `text`.
 * Safe to apply twice (the result of a redaction is a fixed point).
 */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out =
    text.length > MAX_REDACTED_CHARS
      ? `${text.slice(0, MAX_REDACTED_CHARS)}…(${text.length - MAX_REDACTED_CHARS} more characters dropped)`
      : text;
  const forms = new Set<string>();
  for (const secret of knownSecrets) {
    if (typeof secret !== 'string' || secret.length === 0) continue;
    for (const form of secretSpellings(secret)) forms.add(form);
  }
  if (forms.size > 0) {
    // Longest first, so a secret that contains another is replaced whole.
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    out = out.replace(new RegExp(alternatives.join('|'), 'g'), REDACTED);
  }
  out = out.replace(PEM_PRIVATE_KEY, `${REDACTED} (private key)`);
  out = redactJaasEntries(out);
  out = redactKeyValues(out);
  out = out.replace(AUTH_HEADER, (_m, key: string) => `${key}${REDACTED}`);
  out = out.replace(BARE_AUTH_TOKEN, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(URL_USERINFO, (_m, prefix: string) => `${prefix}${REDACTED}@`);
  return out;
}

/** Deep-redacts every string in a JSON-like value (for action results and structured logs). */
export function redactDeep<T>(value: T, knownSecrets: readonly string[] = []): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecrets(v, knownSecrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) out[k] = walk(inner);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
