// Credential-derived connector keys, and comparing connector configs without knowing the
// credentials. Pure (no I/O).
//
// Why: the SCRAM passwords and CA PEMs of the source and target clusters live in Juju secrets
// (secret-user: username + password; secret-tls: tls + tls-ca). They are needed to WRITE a
// connector config, but reading them costs one secret-get each in every hook. They only change
// through events the charm sees (secret-changed, relation-changed with a new secret URI,
// leader-elected/upgrade-charm), and the tracked revision of a secret never changes content.
// So a hook that cannot change them may compare desired vs actual with the credential-derived
// keys masked, and read the secrets only when something must be written (reconciler.ts).
//
// Masking is by KEY, never by value: a key is masked only if its value is computed from secret
// content and nothing else, so every other key is compared exactly as before. The masked keys,
// under each of the three client prefixes:
//   security.protocol               (from `tls`)
//   sasl.jaas.config                (username + password)
//   ssl.truststore.type             (present only with tls + a CA)
//   ssl.truststore.certificates     (the CA PEM)
// What the masked comparison cannot see is checked structurally instead (credentialShapeOk):
// every owned connector must carry the same credential values, producer.override.* must equal
// target.cluster.*, and the JAAS/protocol/truststore keys must look like what this charm writes.
// Anything else (a hand-edited password on Connect) is caught by the periodic full comparison.

import { normaliseConfig } from './plan';
import { jaasUnquote } from './redact';

/** Stands in for unread credential fields when desired configs are built without secrets. */
export const CREDENTIAL_PLACEHOLDER = '<credential not read>';

export const CREDENTIAL_PREFIXES: readonly string[] = ['source.cluster.', 'target.cluster.', 'producer.override.'];
export const CREDENTIAL_SUFFIXES: readonly string[] = ['security.protocol', 'sasl.jaas.config', 'ssl.truststore.type', 'ssl.truststore.certificates'];

const CREDENTIAL_KEYS: ReadonlySet<string> = new Set(CREDENTIAL_PREFIXES.flatMap((p) => CREDENTIAL_SUFFIXES.map((s) => `${p}${s}`)));

/** True for a key whose value is derived from secret content alone. */
export function isCredentialKey(key: string): boolean {
  return CREDENTIAL_KEYS.has(key);
}

/** True when a desired config was built from placeholders (must never be written). */
export function hasCredentialPlaceholder(config: Readonly<Record<string, string>>): boolean {
  return Object.values(config).some((v) => v.includes(CREDENTIAL_PLACEHOLDER));
}

/** The config with the credential-derived keys removed. */
export function withoutCredentialKeys(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(normaliseConfig(config))) if (!isCredentialKey(k)) out[k] = v;
  return out;
}

const JAAS_SHAPE = /^org\.apache\.kafka\.common\.security\.scram\.ScramLoginModule required username="(?:[^"\\]|\\.)*" password="(?:[^"\\]|\\.)*";$/;

/**
 * The credential keys of one actual config look like what this charm writes: for every prefix,
 * a SASL protocol, a SCRAM JAAS entry, and a truststore that is either absent or PEM with
 * certificates (and only with SASL_SSL); producer.override.* equal to target.cluster.*.
 */
export function credentialShapeOk(actual: Readonly<Record<string, unknown>>): boolean {
  const c = normaliseConfig(actual);
  for (const p of CREDENTIAL_PREFIXES) {
    const protocol = c[`${p}security.protocol`];
    if (protocol !== 'SASL_SSL' && protocol !== 'SASL_PLAINTEXT') return false;
    if (!JAAS_SHAPE.test(c[`${p}sasl.jaas.config`] ?? '')) return false;
    const type = c[`${p}ssl.truststore.type`];
    const certs = c[`${p}ssl.truststore.certificates`];
    if ((type === undefined) !== (certs === undefined)) return false;
    if (type !== undefined && (type !== 'PEM' || protocol !== 'SASL_SSL' || !certs!.includes('-----BEGIN CERTIFICATE-----'))) return false;
  }
  for (const s of CREDENTIAL_SUFFIXES) {
    if (c[`producer.override.${s}`] !== c[`target.cluster.${s}`]) return false;
  }
  return true;
}

/**
 * Every config carries the same credential values (or the same absence) for each Kafka cluster.
 * Compared per cluster alias, not per key prefix: the heartbeat connector runs as the reverse
 * pair (its source.cluster.* is the flow's target, see connectors.ts). producer.override.* is
 * tied to each config's own target.cluster.* by credentialShapeOk.
 */
export function credentialKeysAgree(configs: ReadonlyArray<Readonly<Record<string, unknown>>>): boolean {
  if (configs.length < 2) return true;
  const byCluster = new Map<string, string>();
  for (const c of configs.map(normaliseConfig)) {
    for (const prefix of ['source.cluster.', 'target.cluster.']) {
      const cluster = c[`${prefix}alias`] ?? `(no alias under ${prefix})`;
      const values = JSON.stringify(CREDENTIAL_SUFFIXES.map((s) => c[`${prefix}${s}`] ?? null));
      const seen = byCluster.get(cluster);
      if (seen === undefined) byCluster.set(cluster, values);
      else if (seen !== values) return false;
    }
    for (const s of CREDENTIAL_SUFFIXES) if (c[`producer.override.${s}`] !== c[`target.cluster.${s}`]) return false;
  }
  return true;
}

/**
 * Masked equality: every key that is not credential-derived is equal (same keys, same values),
 * and the actual credential keys are present and well formed. Desired credential values are not
 * looked at (they may be placeholders).
 */
export function configsEqualMaskingCredentials(desired: Readonly<Record<string, unknown>>, actual: Readonly<Record<string, unknown>>): boolean {
  const d = withoutCredentialKeys(desired);
  const a = withoutCredentialKeys(actual);
  const keys = Object.keys(d);
  if (keys.length !== Object.keys(a).length) return false;
  if (!keys.every((k) => Object.prototype.hasOwnProperty.call(a, k) && a[k] === d[k])) return false;
  return credentialShapeOk(actual);
}

/** The SCRAM passwords inside JAAS values of these configs (to redact what Connect may echo). */
export function credentialSecretsIn(configs: ReadonlyArray<Readonly<Record<string, unknown>>>): string[] {
  const out = new Set<string>();
  for (const config of configs) {
    for (const [k, v] of Object.entries(normaliseConfig(config))) {
      if (!k.endsWith('sasl.jaas.config')) continue;
      const m = /password="((?:[^"\\]|\\.)*)"/.exec(v);
      if (m && m[1] !== '') out.add(jaasUnquote(m[1]));
    }
  }
  return [...out];
}
