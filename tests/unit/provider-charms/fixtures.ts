/** Shared fixtures for the provider test doubles' tests. */
import * as path from 'node:path';
import { relation, type RelationState, type SecretState, type State } from '../../../lib/testing';

export const PROVIDERS_DIR = path.resolve(__dirname, '../../../tools/provider-charms');
export const KAFKA_DIR = path.join(PROVIDERS_DIR, 'kafka-client-provider');
export const CONNECT_DIR = path.join(PROVIDERS_DIR, 'connect-client-provider');

export const DEFAULT_REQUESTED = '["username", "password", "tls", "tls-ca", "uris"]';
export const PASSWORD = 'Pr0vider-pass-0001-xyz';
export const ROTATED = 'R0tated-pass-0002-xyz';
export const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfakeCAcertificateForTests0123456789\n-----END CERTIFICATE-----';

/** What the MirrorMaker integrator writes on kafka_client (the reference charm's request; README.md, Compatibility). */
export const KAFKA_REQUEST = { 'requested-secrets': DEFAULT_REQUESTED, topic: '__mirrormaker-user', 'extra-user-roles': 'admin' };
/** What it writes on connect_client (the same; README.md, Compatibility). */
export const CONNECT_REQUEST = { 'requested-secrets': DEFAULT_REQUESTED, 'plugin-url': 'NOT-REQUIRED' };

export function requirerRelation(endpoint: string, id: number, remoteAppData: Readonly<Record<string, string>>): RelationState {
  return relation({
    endpoint,
    id,
    remoteApp: 'mm',
    remoteEndpoint: endpoint === 'kafka-client' ? 'source' : 'connect-client',
    remoteAppData,
  });
}

export function ownedByLabel(s: State, label: string): SecretState {
  const found = s.secrets.find((x) => x.owner === 'app' && x.label === label);
  if (!found) throw new Error(`no owned secret labelled ${label} (have: ${s.secrets.map((x) => x.label ?? x.id).join(', ') || 'none'})`);
  return found;
}

export function localApp(s: State, id: number): Readonly<Record<string, string>> {
  const rel = s.relations.find((r) => r.id === id);
  if (!rel) throw new Error(`no relation ${id}`);
  return rel.localAppData;
}
