// Redaction for text that came back from (or is about) Kafka Connect before it reaches an error
// message, a log line or Juju status. Connect error bodies can echo whole connector configs
// (e.g. AbstractHerder's "Connector config {…} contains no connector type"), and MirrorMaker
// configs carry SCRAM passwords inside JAAS strings, so two layers are applied:
//   1. every known secret value (the REST password, SCRAM passwords handed in by the charm) is
//      replaced wherever it appears, including its JSON-escaped and URL-encoded spellings;
//   2. anything shaped like a secret is replaced even when its value is not known: JAAS
//      `…LoginModule required …;` entries, `password=…`/`"…password": "…"` pairs, `sasl.jaas.config`
//      values and `Authorization` headers / `Basic …` tokens.
// This is deliberately a small local helper: charm/core (pure logic) is owned elsewhere, and the
// client must not depend on code that is still being written.

export const REDACTED = '<redacted>';

/** Keys whose values are secret; matched as the end of a property name (`source.cluster.sasl.password`). */
const SECRET_KEY = String.raw`[A-Za-z0-9_.\-]*(?:password|passwd|secret|token|jaas\.config|api[._-]?key|private[._-]?key|credentials?)`;

// `key="value"`, `key=\"value\"` (inside JSON), `key='value'`, `key=value`, `"key": "value"`. An
// unquoted `key: text` is left alone: Connect writes "…for configuration <key>: <reason>".
const KEY_VALUE = new RegExp(
  String.raw`(${SECRET_KEY}(?:\\?["']\s*[:=]|\s*=)\s*)(\\"(?:[^\\]|\\(?!"))*?\\"|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}\]"'&]+)`,
  'gi',
);
// A JAAS entry: `<class>LoginModule <flag> <options>;` — the options hold the username/password.
const JAAS_ENTRY = /[\w.$]*LoginModule\s+(?:required|requisite|sufficient|optional)\b[^;]*;?/g;
// `Authorization: Basic abc=` / `"authorization":"Bearer …"` / a bare `Basic <base64>` token.
const AUTH_HEADER = /(authorization\\?["']?\s*[:=]\s*\\?["']?)(?:basic|bearer|digest)?\s*[A-Za-z0-9+/=._~-]+/gi;
const BARE_AUTH_TOKEN = /\b(Basic|Bearer)\s+[A-Za-z0-9+/._~-]{6,}={0,2}/g;

function spellings(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(encodeURIComponent(secret));
  // Java's Map.toString and properties files leave the value raw; JSON escapes it (above); a
  // JAAS string embedded in JSON gets its quotes escaped once more.
  forms.add(JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1));
  return [...forms].filter((form) => form.length > 0);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Holds the secret values one client knows about and redacts text with them plus the patterns. */
export class Redactor {
  private readonly forms = new Set<string>();
  private pattern: RegExp | null = null;

  constructor(secrets: readonly string[] = []) {
    this.add(secrets);
  }

  /** Adds secret values (empty strings are ignored: they cannot be redacted meaningfully). */
  add(secrets: readonly string[]): void {
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length === 0) continue;
      for (const form of spellings(secret)) this.forms.add(form);
    }
    // Longest first, so a secret that contains another is replaced whole.
    const sorted = [...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = sorted.length > 0 ? new RegExp(sorted.join('|'), 'g') : null;
  }

  redact(text: string): string {
    let out = text;
    if (this.pattern) out = out.replace(this.pattern, REDACTED);
    out = out.replace(JAAS_ENTRY, `${REDACTED} (JAAS config)`);
    out = out.replace(KEY_VALUE, (_m, key: string) => `${key}${REDACTED}`);
    out = out.replace(AUTH_HEADER, (_m, key: string) => `${key}${REDACTED}`);
    out = out.replace(BARE_AUTH_TOKEN, (_m, scheme: string) => `${scheme} ${REDACTED}`);
    return out;
  }
}

/** Pattern-only redaction, for callers without known secret values. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  return new Redactor(secrets).redact(text);
}
