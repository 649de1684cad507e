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

export const REDACTED = '<redacted>';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The JAAS quoting used by connectors.ts: backslash and double quote are backslash-escaped. */
export function jaasQuote(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** The inverse of jaasQuote. */
export function jaasUnquote(value: string): string {
  return value.replace(/\\(.)/g, '$1');
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
// `ssl.key.password`, `sasl.jaas.config`, `api_key`, …).
const SECRET_KEY = String.raw`[A-Za-z0-9_.\-]*(?:password|passwd|pwd|secret|token|jaas\.config|api[._-]?key|private[._-]?key|credentials?)`;

// `key="v"`, `key=\"v\"` (inside JSON), `key='v'`, `key=v`, `"key": "v"`, `"key":"v"`.
const SECRET_KEY_VALUE = new RegExp(
  String.raw`(${SECRET_KEY}\\?["']?\s*[:=]\s*)(\\"(?:[^\\]|\\(?!"))*?\\"|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}\]"'&]+)`,
  'gi',
);

// A JAAS entry: `<class>LoginModule <flag> <options>;`. Quoted option values may contain ';'.
const JAAS_ENTRY =
  /[\w.$]*LoginModule\s+(?:required|requisite|sufficient|optional)\b(?:\\"(?:[^\\]|\\(?!"))*?\\"|"(?:[^"\\]|\\.)*"|[^;"\\]|\\(?!"))*;?/g;

const PEM_PRIVATE_KEY =
  /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;

const AUTH_HEADER = /(authorization\\?["']?\s*[:=]\s*\\?["']?)(?:(?:basic|bearer|digest)\s+)?[A-Za-z0-9+/=._~-]+/gi;
const BARE_AUTH_TOKEN = /\b(Basic|Bearer)\s+[A-Za-z0-9+/._~-]{6,}={0,2}/g;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;

/**
 * Removes known secret values and anything that looks like a credential from `text`.
 * Safe to apply twice (the result of a redaction is a fixed point).
 */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
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
  out = out.replace(JAAS_ENTRY, `${REDACTED} (JAAS config)`);
  out = out.replace(SECRET_KEY_VALUE, (match: string, key: string, value: string, offset: number, whole: string) => {
    // Kafka's ConfigException reads "Invalid value <v> for configuration <key>: <reason>": the
    // text after the colon is Connect's reason, not the value (the value, if secret-shaped, is
    // handled by the other rules), and the reason is what tells the operator what to fix.
    if (!/["'=]/.test(key) && /\bconfiguration\s+$/.test(whole.slice(0, offset))) return match;
    // Keep the quoting, so redacted JSON stays JSON and properties stay readable.
    const quote = value.startsWith('\\"') ? '\\"' : value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
    return `${key}${quote}${REDACTED}${quote}`;
  });
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
