// Shared sample data for the charm/core tests: clusters kafka-a → kafka-b, a Connect relation.
import type { KafkaClusterView } from '../../../charm/core/cluster';
import { defaultMirrorConfig, type MirrorConfig } from '../../../charm/core/config';
import { desiredConnectors, ownedConnectorPattern, type DesiredConnector } from '../../../charm/core/connectors';
import type { ObservedConnectors, ObservedConnectorStatus } from '../../../charm/core/plan';

export const MODEL_UUID = '3f2a9c4e-1b7d-4e8a-9c3f-0d5e6a7b8c9d';
export const UUID_HEX = '3f2a9c4e1b7d4e8a9c3f0d5e6a7b8c9d';
export const APP = 'mirrormaker';
export const CONNECT_REL_ID = 12;

export const SOURCE_PASSWORD = 'src-S3cr3t"with\\quote';
export const TARGET_PASSWORD = 'tgt-P@ss;word=1';
export const CONNECT_PASSWORD = 'rest-pa55w0rd-XYZ';

export const CA_PEM =
  '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZmFrZWNlcnRpZmljYXRlZm9ydGVzdHM=\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n';

export function sourceCluster(overrides: Partial<KafkaClusterView> = {}): KafkaClusterView {
  return {
    alias: 'kafka-a',
    bootstrapServers: ['10.0.0.1:9092', '10.0.0.2:9092'],
    username: 'relation-7',
    password: SOURCE_PASSWORD,
    tlsEnabled: false,
    ...overrides,
  };
}

export function targetCluster(overrides: Partial<KafkaClusterView> = {}): KafkaClusterView {
  return {
    alias: 'kafka-b',
    bootstrapServers: ['10.0.1.1:9093'],
    username: 'relation-9',
    password: TARGET_PASSWORD,
    tlsEnabled: true,
    tlsCaPem: CA_PEM,
    ...overrides,
  };
}

export function config(overrides: Partial<MirrorConfig> = {}): MirrorConfig {
  return { ...defaultMirrorConfig(), ...overrides };
}

export function desired(
  overrides: Partial<MirrorConfig> = {},
  cluster: { source?: KafkaClusterView; target?: KafkaClusterView } = {},
): DesiredConnector[] {
  return desiredConnectors({
    config: config(overrides),
    source: cluster.source ?? sourceCluster(),
    target: cluster.target ?? targetCluster(),
    appName: APP,
    connectRelationId: CONNECT_REL_ID,
    modelUuid: MODEL_UUID,
  });
}

export const OWNED = ownedConnectorPattern(APP, CONNECT_REL_ID, MODEL_UUID);
export const SECRETS = [SOURCE_PASSWORD, TARGET_PASSWORD, CONNECT_PASSWORD];

export function runningStatus(name: string, taskCount: number, state = 'RUNNING'): ObservedConnectorStatus {
  return {
    name,
    connector: { state, worker_id: '10.0.2.1:8083' },
    tasks: Array.from({ length: taskCount }, (_, id) => ({ id, state, worker_id: `10.0.2.${id + 1}:8083` })),
    type: 'source',
  };
}

/** What Connect would report after the desired set was applied (Connect adds `name`). */
export function observedFrom(
  set: readonly DesiredConnector[],
  tasks: Partial<Record<string, number>> = {},
  state = 'RUNNING',
): ObservedConnectors {
  const out: ObservedConnectors = {};
  for (const d of set) {
    const n = tasks[d.kind] ?? 1;
    out[d.name] = {
      info: {
        name: d.name,
        config: { ...d.config, name: d.name },
        tasks: Array.from({ length: n }, (_, task) => ({ connector: d.name, task })),
        type: 'source',
      },
      status: runningStatus(d.name, n, state),
    };
  }
  return out;
}
