/**
 * Keeps the secret values this process has seen, and scrubs them from any text that leaves the
 * framework (log lines, error messages, tool-call traces, action failure messages).
 */
export const REDACTED = '<redacted>';

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
