/**
 * Workload statuses and the collect-status priority rule, as Python ops has them.
 *
 * Handlers of `collectUnitStatus`/`collectAppStatus` add candidate statuses; the framework
 * sets the one with the highest priority (error > blocked > maintenance > waiting > active;
 * the first added wins a tie).
 */
export type StatusName = 'active' | 'blocked' | 'maintenance' | 'waiting' | 'error' | 'unknown';

export abstract class StatusBase {
  abstract readonly name: StatusName;
  constructor(readonly message: string = '') {}
  equals(other: StatusBase): boolean {
    return this.name === other.name && this.message === other.message;
  }
  toString(): string {
    return this.message ? `${this.name}: ${this.message}` : this.name;
  }
}

export class ActiveStatus extends StatusBase {
  readonly name = 'active' as const;
}
export class BlockedStatus extends StatusBase {
  readonly name = 'blocked' as const;
}
export class MaintenanceStatus extends StatusBase {
  readonly name = 'maintenance' as const;
}
export class WaitingStatus extends StatusBase {
  readonly name = 'waiting' as const;
}
/** Read-only: Juju sets it when a hook fails; a charm cannot set it. */
export class ErrorStatus extends StatusBase {
  readonly name = 'error' as const;
}
/** Read-only: nothing has been set yet. */
export class UnknownStatus extends StatusBase {
  readonly name = 'unknown' as const;
}

const PRIORITY: Readonly<Record<StatusName, number>> = {
  error: 0,
  blocked: 1,
  maintenance: 2,
  waiting: 3,
  active: 4,
  unknown: 5,
};

export function statusFromName(name: string, message: string): StatusBase {
  switch (name) {
    case 'active':
      return new ActiveStatus(message);
    case 'blocked':
      return new BlockedStatus(message);
    case 'maintenance':
      return new MaintenanceStatus(message);
    case 'waiting':
      return new WaitingStatus(message);
    case 'error':
      return new ErrorStatus(message);
    default:
      return new UnknownStatus(message);
  }
}

/** The highest-priority status; the earliest wins a tie; null when none was added. */
export function highestPriorityStatus(statuses: readonly StatusBase[]): StatusBase | null {
  let best: StatusBase | null = null;
  for (const s of statuses) if (best === null || PRIORITY[s.name] < PRIORITY[best.name]) best = s;
  return best;
}

/**
 * Longest status message the framework passes to `status-set`. Juju stores and shows the whole
 * text, but one argv entry cannot exceed Linux's 128 KiB (E2BIG: the hook fails on every run), and
 * a status line is read on one screen: longer messages are cut with a marker (the log has detail).
 */
export const MAX_STATUS_MESSAGE_CHARS = 1024;

/** `message`, cut to MAX_STATUS_MESSAGE_CHARS characters with a trailing marker when longer. */
export function capStatusMessage(message: string): string {
  if (message.length <= MAX_STATUS_MESSAGE_CHARS) return message;
  const marker = ` …(${message.length - MAX_STATUS_MESSAGE_CHARS} more characters; see the log)`;
  return message.slice(0, MAX_STATUS_MESSAGE_CHARS - marker.length) + marker;
}
