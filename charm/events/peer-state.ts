// State that must outlive one hook and one leader, kept in the peer relation's application
// databag: written by the leader only, readable by every unit, and Juju keeps it across leader
// changes. Every write is skipped when the value is unchanged (no relation-set in a steady state).
//
// Keys (all optional; absent = default):
//   paused           "true" while the operator's pause is in force (pause/resume actions)
//   restart-backoff  JSON RestartBackoffState of the automatic restarts (charm/core plan.ts)
//   status           JSON {name, message}: the leader's status summary, shown by other units.
//                    It is built from redacted text only and never holds a secret.
//   health           JSON HealthMemory of the replication health check (charm/core health.ts):
//                    progress bookkeeping and the last verdict (redacted text only).
//   source-offsets   JSON {connector-independent source offsets}: the source connector's last
//                    committed offsets (Connect's offsets API), carried over on re-creation.
import type { Model, Relation } from '../../lib/ops';
import {
  emptyRestartBackoff,
  parseHealthMemory,
  parseRestartBackoff,
  type CharmStatus,
  type HealthMemory,
  type RestartBackoffState,
} from '../core';

const PEER_KEYS = {
  paused: 'paused',
  restartBackoff: 'restart-backoff',
  status: 'status',
  health: 'health',
  sourceOffsets: 'source-offsets',
} as const;

const STATUS_NAMES = new Set(['active', 'blocked', 'waiting', 'maintenance']);

export class PeerState {
  private relationCache: Relation | null | undefined;

  constructor(private readonly model: Model) {}

  private get relation(): Relation | null {
    if (this.relationCache === undefined) this.relationCache = this.model.peers('peer');
    return this.relationCache;
  }

  /** False before the peer relation exists (nothing can be persisted yet). */
  get available(): boolean {
    return this.relation !== null;
  }

  private get(key: string): string | undefined {
    return this.relation?.localAppData.get(key);
  }

  /** Leader only. `undefined` deletes the key. Stages a write only when the value changes. */
  private put(key: string, value: string | undefined): void {
    const rel = this.relation;
    if (rel === null || !rel.active) return;
    const current = rel.localAppData.get(key);
    if (current === value) return;
    rel.localAppData.set(key, value ?? '');
  }

  get paused(): boolean {
    return this.get(PEER_KEYS.paused) === 'true';
  }

  set paused(value: boolean) {
    this.put(PEER_KEYS.paused, value ? 'true' : undefined);
  }

  get restartBackoff(): RestartBackoffState {
    const raw = this.get(PEER_KEYS.restartBackoff);
    if (raw === undefined) return emptyRestartBackoff();
    try {
      return parseRestartBackoff(JSON.parse(raw));
    } catch {
      return emptyRestartBackoff();
    }
  }

  set restartBackoff(value: RestartBackoffState) {
    const empty = Object.keys(value.connectors).length === 0;
    // Compare parsed values: the same state must not be rewritten because of key order.
    if (JSON.stringify(this.restartBackoff) === JSON.stringify(parseRestartBackoff(value))) {
      if (empty && this.get(PEER_KEYS.restartBackoff) !== undefined) this.put(PEER_KEYS.restartBackoff, undefined);
      return;
    }
    this.put(PEER_KEYS.restartBackoff, empty ? undefined : JSON.stringify(value));
  }

  /** The leader's last published status, for the other units. */
  get publishedStatus(): CharmStatus | undefined {
    const raw = this.get(PEER_KEYS.status);
    if (raw === undefined) return undefined;
    try {
      const v = JSON.parse(raw) as { name?: unknown; message?: unknown };
      if (typeof v.name === 'string' && STATUS_NAMES.has(v.name) && typeof v.message === 'string') {
        return { name: v.name as CharmStatus['name'], message: v.message };
      }
    } catch {
      /* fall through */
    }
    return undefined;
  }

  publishStatus(status: CharmStatus): void {
    this.put(PEER_KEYS.status, JSON.stringify({ name: status.name, message: status.message }));
  }

  get healthMemory(): HealthMemory | undefined {
    return parseHealthMemory(this.get(PEER_KEYS.health));
  }

  set healthMemory(value: HealthMemory | undefined) {
    this.put(PEER_KEYS.health, value === undefined ? undefined : JSON.stringify(value));
  }

  /** Raw JSON of the carried-over source offsets (charm/events/offsets-carry.ts parses it). */
  get sourceOffsetsRaw(): string | undefined {
    return this.get(PEER_KEYS.sourceOffsets);
  }

  set sourceOffsetsRaw(value: string | undefined) {
    this.put(PEER_KEYS.sourceOffsets, value);
  }
}
