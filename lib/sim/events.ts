/** Follow-up events a hook's changes cause on other units (what a lifecycle driver queues). */
import { latestRevision, leaderOf, secretUri, type JujuModel, type SimSecret } from './model';

/** An event Juju would now queue on another unit because of this hook's changes. */
export interface TriggeredEvent {
  readonly unit: string;
  readonly hook: string;
  readonly relationId?: number;
  readonly remoteUnit?: string;
  readonly remoteApp?: string;
  readonly secretId?: string;
  readonly secretLabel?: string;
  readonly secretRevision?: number;
}

/** secret-remove for the owner, once per revision that is neither latest nor tracked by a consumer. */
export function obsoleteRevisionEvents(model: JujuModel, secret: SimSecret): TriggeredEvent[] {
  const latest = latestRevision(secret).revision;
  const tracked = new Set(Object.values(secret.consumers).map((c) => c.revision));
  const owner = secret.owner.kind === 'unit' ? secret.owner.unit : leaderOf(model, secret.owner.app)?.name;
  const events: TriggeredEvent[] = [];
  for (const rev of secret.revisions) {
    if (rev.revision === latest || rev.obsolete || tracked.has(rev.revision)) continue;
    rev.obsolete = true;
    if (owner) {
      events.push({
        unit: owner,
        hook: 'secret-remove',
        secretId: secretUri(secret.id),
        secretRevision: rev.revision,
        ...(secret.label !== undefined ? { secretLabel: secret.label } : {}),
      });
    }
  }
  return events;
}
