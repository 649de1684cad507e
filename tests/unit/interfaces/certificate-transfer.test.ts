import { CharmBase } from '../../../lib/ops/charm';
import type { Framework } from '../../../lib/ops/framework';
import { CertificateTransferRequirer } from '../../../lib/interfaces/certificate-transfer';
import { addApplication, addRelation, addUnit, charmMetaFromYaml, createModel } from '../../../lib/sim';
import { tlsFixtures } from '../../support/tls-fixtures';
import { charm, runHook } from './harness';

const seen: { certificates: string[]; integrated: boolean } = { certificates: [], integrated: false };

class CaCharm extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    const ca = new CertificateTransferRequirer(this, 'receive-ca-cert');
    framework.observe(
      this.on.updateStatus,
      () => {
        seen.certificates = ca.certificates();
        seen.integrated = ca.integrated;
      },
      { id: 'probe' },
    );
  }
}

const META = { name: 'mm', requires: { 'receive-ca-cert': { interface: 'certificate_transfer', limit: 1 } } };
const mm = charm(CaCharm, META);

function model() {
  const m = createModel();
  addApplication(m, 'mm', charmMetaFromYaml(META));
  addApplication(m, 'ca', charmMetaFromYaml({ name: 'ca', provides: { 'send-ca-cert': { interface: 'certificate_transfer' } } }));
  addUnit(m, 'mm', { leader: true });
  addUnit(m, 'ca', { leader: true });
  return m;
}

describe('certificate_transfer requirer (receive-ca-cert)', () => {
  const { caPem, otherCaPem } = tlsFixtures();

  it('not integrated: no certificates', async () => {
    const m = model();
    const r = await runHook(m, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(seen).toEqual({ certificates: [], integrated: false });
  });

  it('v1: reads the JSON list in the provider app databag, keeps only CERTIFICATE blocks; the leader announces version 1', async () => {
    const m = model();
    const rel = addRelation(m, 'mm:receive-ca-cert', 'ca:send-ca-cert');
    expect((await runHook(m, mm, { unit: 'mm/0', hook: 'receive-ca-cert-relation-created', relationId: rel.id })).code).toBe(0);
    expect(rel.appData['mm']).toEqual({ version: '1' });
    rel.appData['ca'] = {
      certificates: JSON.stringify([caPem, `-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n${otherCaPem}`]),
      version: '1',
    };
    await runHook(m, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.integrated).toBe(true);
    expect(seen.certificates).toEqual([caPem.trim(), otherCaPem.trim()].sort());
    expect(seen.certificates.join('')).not.toContain('PRIVATE KEY');
  });

  it('v0: reads `ca` from the provider units; a malformed v1 list reads as none', async () => {
    const m = model();
    const rel = addRelation(m, 'mm:receive-ca-cert', 'ca:send-ca-cert');
    rel.appData['ca'] = { certificates: 'not json' };
    rel.unitData['ca/0'] = { ...(rel.unitData['ca/0'] ?? {}), ca: caPem };
    await runHook(m, mm, { unit: 'mm/0', hook: 'update-status' });
    expect(seen.certificates).toEqual([caPem.trim()]);
  });
});
