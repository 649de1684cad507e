// collect-status: the leader shows (and publishes for the other units) the summary of what this
// dispatch observed; every other unit shows the leader's last published summary, so all units
// agree and only the leader queries Kafka Connect.
import {
  ActiveStatus,
  BlockedStatus,
  MaintenanceStatus,
  WaitingStatus,
  type CollectStatusEvent,
  type Model,
  type StatusBase,
} from '../../lib/ops';
import type { CharmStatus } from '../core';
import type { Reconciler } from './reconciler';

function toStatus(s: CharmStatus): StatusBase {
  switch (s.name) {
    case 'active':
      return new ActiveStatus(s.message);
    case 'blocked':
      return new BlockedStatus(s.message);
    case 'maintenance':
      return new MaintenanceStatus(s.message);
    default:
      return new WaitingStatus(s.message);
  }
}

export class MirrorStatus {
  constructor(
    private readonly model: Model,
    private readonly reconciler: Reconciler,
    /** Turns a connector-level Active into the replication-health verdict (health-check.ts). */
    private readonly health?: { combine(base: CharmStatus): CharmStatus },
  ) {}

  private leaderView(): CharmStatus | undefined {
    const base = this.reconciler.status();
    return base !== undefined && this.health ? this.health.combine(base) : base;
  }

  /** The leader's status for this dispatch (published once), or undefined when nothing was observed. */
  private leaderStatus(): CharmStatus | undefined {
    const status = this.leaderView();
    if (status !== undefined) {
      const redacted = { name: status.name, message: this.model.redact(status.message) };
      this.reconciler.peer.publishStatus(redacted);
      return redacted;
    }
    return undefined;
  }

  readonly onCollectAppStatus = (event: CollectStatusEvent): void => {
    // Runs on the leader only, before the unit's.
    const status = this.leaderStatus();
    if (status) event.addStatus(toStatus(status));
  };

  readonly onCollectUnitStatus = (event: CollectStatusEvent): void => {
    if (this.model.unit.isLeader()) {
      const status = this.leaderView();
      if (status) event.addStatus(toStatus({ name: status.name, message: this.model.redact(status.message) }));
      return;
    }
    const published = this.reconciler.peer.publishedStatus;
    event.addStatus(published ? toStatus(published) : new WaitingStatus('waiting for the leader to report the mirroring status'));
  };
}
