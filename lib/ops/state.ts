/**
 * The unit's server-side state (`state-get`/`state-set`), read once per dispatch and written
 * once at its end with only the changed keys. Juju commits `state-set` only when the hook exits
 * 0, so a failed dispatch leaves the stored state exactly as it was.
 */
import type { HookToolBackend } from './backend';

export class ControllerState {
  private loaded: Record<string, string> | null = null;
  private readonly changes = new Map<string, string | null>();

  constructor(private readonly backend: HookToolBackend) {}

  private data(): Record<string, string> {
    if (this.loaded === null) this.loaded = { ...this.backend.stateGet() };
    return this.loaded;
  }

  get(key: string): string | undefined {
    if (this.changes.has(key)) return this.changes.get(key) ?? undefined;
    const v = this.data()[key];
    return v === undefined || v === '' ? undefined : v;
  }

  /** Stage a value; `null` deletes. Nothing reaches Juju before `commit()`. */
  set(key: string, value: string | null): void {
    const current = this.get(key);
    if ((value ?? undefined) === current && !this.changes.has(key)) return;
    this.changes.set(key, value);
  }

  /** True when `commit()` would write something. */
  get dirty(): boolean {
    const { sets, deletes } = this.pending();
    return sets.length + deletes.length > 0;
  }

  private pending(): { sets: [string, string][]; deletes: string[] } {
    const base = this.loaded ?? {};
    const sets: [string, string][] = [];
    const deletes: string[] = [];
    for (const [k, v] of this.changes) {
      if (v === null) {
        if (this.loaded === null || base[k] !== undefined) deletes.push(k);
      } else if (base[k] !== v) sets.push([k, v]);
    }
    return { sets, deletes };
  }

  /** One `state-set` with every changed key (plus `state-delete` for removed ones, rare). */
  commit(): void {
    const { sets, deletes } = this.pending();
    if (sets.length > 0) this.backend.stateSet(Object.fromEntries(sets));
    for (const k of deletes) this.backend.stateDelete(k);
    if (this.loaded !== null) {
      for (const [k, v] of sets) this.loaded[k] = v;
      for (const k of deletes) delete this.loaded[k];
    }
    this.changes.clear();
  }
}
