/** A small two-application model shared by the lib/sim tests. */
import { addApplication, addRelation, addUnit, charmMetaFromYaml, createModel, type JujuModel, type SimCharmMeta } from '../../../lib/sim';

export const MM_META: SimCharmMeta = charmMetaFromYaml(
  {
    name: 'mm',
    requires: { source: { interface: 'kafka_client', limit: 1 } },
    peers: { peer: { interface: 'peer' } },
    'extra-bindings': { admin: null },
  },
  {
    options: {
      topics: { type: 'string', default: 'a,b' },
      replicas: { type: 'int', default: 3 },
      ratio: { type: 'float' },
      enabled: { type: 'boolean', default: false },
      creds: { type: 'secret' },
    },
  },
  { pause: { description: 'pause', params: { reason: { type: 'string' } } }, status: {} },
);

export const KAFKA_META: SimCharmMeta = charmMetaFromYaml({
  name: 'kafka',
  provides: { 'kafka-client': { interface: 'kafka_client' } },
});

export interface Fixture {
  model: JujuModel;
  sourceId: number;
  peerId: number;
}

/** mm/0 (leader), mm/1; kafka/0, kafka/1; relation mm:source—kafka:kafka-client and the mm peer relation. */
export function fixture(): Fixture {
  const model = createModel({ name: 'dev', uuid: '11111111-2222-4333-8444-555555555555' });
  addApplication(model, 'mm', MM_META, { topics: 'x,y' });
  addApplication(model, 'kafka', KAFKA_META);
  addUnit(model, 'mm', { leader: true });
  addUnit(model, 'mm', { address: '10.0.0.2' });
  addUnit(model, 'kafka', { leader: true, address: '10.0.1.1' });
  addUnit(model, 'kafka', { address: '10.0.1.2' });
  const source = addRelation(model, 'mm:source', 'kafka:kafka-client', { id: 3 });
  const peer = addRelation(model, 'mm:peer', undefined, { id: 1 });
  return { model, sourceId: source.id, peerId: peer.id };
}

export const FIXED_NOW = (): Date => new Date('2025-01-02T03:04:05.000Z');
