/**
 * `certificate_transfer`, requirer side: how a Juju charm learns CA certificates to trust from
 * another application (Canonical's `certificate_transfer_interface` library).
 *
 * - v1 (current): the provider's APP databag holds `certificates`, a JSON list of PEM strings, and
 *   `version: "1"`; the requirer's leader writes `version: "1"` into its own app databag.
 * - v0 (older providers): each provider UNIT databag holds `ca` (and `certificate`, `chain`); the
 *   `ca` of every unit is read.
 * Only CERTIFICATE blocks are kept, so a private key published by mistake never travels on.
 */
import type { CharmBase } from '../ops/charm';
import type { Model } from '../ops/model';
import type { Relation } from '../ops/relations';
import { pemCertificateBlocks as pemCertificates } from './values';

export class CertificateTransferRequirer {
  private readonly model: Model;

  constructor(
    charm: CharmBase,
    readonly endpoint: string,
  ) {
    this.model = charm.model;
    const fw = charm.framework;
    const announce = (event: { relation: Relation }) => this.announce(event.relation);
    fw.observe(charm.on.relationCreated(endpoint), announce, { id: `certificate-transfer:${endpoint}:created` });
    fw.observe(charm.on.relationChanged(endpoint), announce, { id: `certificate-transfer:${endpoint}:changed` });
  }

  /** Leader: say which version of the interface this requirer reads (v1). */
  private announce(relation: Relation): void {
    if (!relation.active || !this.model.unit.isLeader()) return;
    if (relation.localAppData.get('version') !== '1') relation.localAppData.set('version', '1');
  }

  /** Whether the endpoint is integrated at all. */
  get integrated(): boolean {
    return this.model.relations(this.endpoint).length > 0;
  }

  /** Every CA certificate the related applications publish (deduplicated, sorted), or []. */
  certificates(): string[] {
    const out = new Set<string>();
    for (const relation of this.model.relations(this.endpoint)) {
      if (relation.app === null) continue;
      const raw = relation.remoteAppData.get('certificates');
      if (raw !== undefined) {
        let list: unknown;
        try {
          list = JSON.parse(raw);
        } catch {
          list = [];
        }
        if (Array.isArray(list)) for (const item of list) if (typeof item === 'string') for (const c of pemCertificates(item)) out.add(c);
      }
      for (const unit of relation.units) for (const c of pemCertificates(relation.remoteUnitData(unit).get('ca'))) out.add(c);
    }
    return [...out].sort();
  }
}
