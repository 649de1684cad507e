/**
 * Keeps the secret values this process has seen, and scrubs them from any text that leaves the
 * framework (log lines, error messages, tool-call traces, action failure messages).
 */
export const REDACTED = '<redacted>';

/**
 * Keys of secret content that name an identity, not a credential: data_interfaces puts the user
 * name next to the password in `secret-user`. A user name is shown by design (principals, ACLs,
 * logs), and a short one (e.g. "mm2") would otherwise poison every text that contains it
 * ("mm2-offset-syncs…") — found on the real stack, where an action result was refused.
 */
const IDENTITY_KEYS: ReadonlySet<string> = new Set(['username', 'user']);
/** Flag values data_interfaces stores in `secret-tls` (`tls`, and Kafka 3's `tls-ca`): not secret. */
const FLAG_VALUES: ReadonlySet<string> = new Set(['enabled', 'disabled']);

/** The values of a secret's content that must be redacted (all but identities and TLS flags). */
export function secretContentValues(content: Readonly<Record<string, string>>): string[] {
  return Object.entries(content)
    .filter(([k, v]) => !IDENTITY_KEYS.has(k) && !FLAG_VALUES.has(v))
    .map(([, v]) => v);
}

export class Redactor {
  private readonly values = new Set<string>();

  /** Remember secret values; very short values are ignored (redacting "a" would destroy text). */
  add(...values: readonly string[]): void {
    for (const v of values) if (v.length >= 3) this.values.add(v);
  }

  redact(text: string): string {
    if (this.values.size === 0) return text;
    let out = text;
    // Longest first, so a value that contains another is replaced whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(v)) out = out.split(v).join(REDACTED);
    }
    return out;
  }

  contains(text: string): boolean {
    for (const v of this.values) if (text.includes(v)) return true;
    return false;
  }
}
