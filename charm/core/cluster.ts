// Typed views of the three relations, built from raw relation fields (secrets already resolved by
// the interface library). Pure (no I/O).
//
// A relation is in one of four states, because each maps to a different Juju status:
//   missing    – not related at all                       → Blocked ("missing relations: …")
//   incomplete – related, but the provider has not sent everything yet → Waiting
//   invalid    – the provider sent something unusable     → Blocked, naming relation and field
//   ready      – a usable view

import { extractPemCertificates, parseHostPortList, parseRestEndpoints } from '../../lib/interfaces/values';

// The endpoint and PEM parsers are lib/interfaces' (one parser for both layers); re-exported for callers of charm/core.
export { extractPemCertificates, parseHostPortList, parseRestEndpoints };

export type KafkaRelationName = 'source' | 'target';
export type RelationName = KafkaRelationName | 'connect-client';

export interface KafkaClusterView {
  /** The remote application name; used as the MirrorMaker cluster alias. */
  alias: string;
  bootstrapServers: string[];
  username: string;
  password: string;
  tlsEnabled: boolean;
  /** CA certificate(s) in PEM, only when the provider sent a real PEM (Kafka 4 does, Kafka 3 sends "enabled"). */
  tlsCaPem?: string;
}

export interface ConnectView {
  /** REST endpoints with scheme, e.g. `https://10.0.0.5:8083` (no trailing slash). */
  endpoints: string[];
  username: string;
  password: string;
  tlsCaPem?: string;
  /** Where `tlsCaPem` came from: the relation itself, or the receive-ca-cert endpoint. */
  caOrigin?: 'connect-client' | 'receive-ca-cert';
}

export interface RelationFieldError {
  relation: RelationName;
  field: string;
  /** Full sentence: `source: endpoints: 'x' is not host:port; …`. Never contains secret values. */
  message: string;
}

export type RelationReadiness<V> =
  | { state: 'missing' }
  | { state: 'incomplete'; missingFields: string[] }
  | { state: 'invalid'; errors: RelationFieldError[] }
  | { state: 'ready'; view: V };

/** Remote app databag fields (plus resolved secret fields) of one relation, or undefined when not related. */
export interface RawRelation {
  /** Remote application name, when known. */
  appName?: string;
  fields: Readonly<Record<string, string | undefined>>;
}

/** Juju application names: what the alias ends up being. */
const ALIAS = /^[a-z][a-z0-9-]*$/;

function field(raw: RawRelation, name: string): string | undefined {
  const value = raw.fields[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The three fields both interfaces require (`endpoints`, `username`, `password`), or the names of
 * those not sent yet, in that order.
 */
function requiredFields(
  raw: RawRelation,
): { ok: true; endpoints: string; username: string; password: string } | { ok: false; missingFields: string[] } {
  const endpoints = field(raw, 'endpoints');
  const username = field(raw, 'username');
  // Passwords are used verbatim: surrounding spaces could be part of them.
  const password = raw.fields.password !== undefined && raw.fields.password !== '' ? raw.fields.password : undefined;
  if (endpoints !== undefined && username !== undefined && password !== undefined) return { ok: true, endpoints, username, password };
  const missingFields = [
    endpoints === undefined ? 'endpoints' : null,
    username === undefined ? 'username' : null,
    password === undefined ? 'password' : null,
  ].filter((f): f is string => f !== null);
  return { ok: false, missingFields };
}

function invalid<V>(relation: RelationName, fieldName: string, what: string): RelationReadiness<V> {
  return { state: 'invalid', errors: [{ relation, field: fieldName, message: `${relation}: ${fieldName}: ${what}` }] };
}

/** Builds the view of a `source` or `target` relation (kafka_client v0). */
export function parseKafkaRelation(relation: KafkaRelationName, raw: RawRelation | undefined): RelationReadiness<KafkaClusterView> {
  if (raw === undefined) return { state: 'missing' };
  const required = requiredFields(raw);
  if (!required.ok) return { state: 'incomplete', missingFields: required.missingFields };
  const { endpoints, username, password } = required;

  const alias = raw.appName ?? relation;
  if (!ALIAS.test(alias)) {
    return invalid(
      relation,
      'application name',
      `'${alias}' cannot be used as a MirrorMaker cluster alias (lower-case letters, digits, '-')`,
    );
  }
  const parsed = parseHostPortList(endpoints);
  if (!parsed.ok) {
    return invalid(
      relation,
      'endpoints',
      `${parsed.reason}; the Kafka charm should publish comma-separated host:port (check the Kafka application)`,
    );
  }
  const tlsEnabled = field(raw, 'tls') === 'enabled';
  if (tlsEnabled && field(raw, 'tls-ca') === undefined) {
    // Kafka 4 says `tls: enabled` in the databag and sends the CA in secret-tls; Kafka 3 says
    // "enabled" in tls-ca too. With neither, a connector written now would have TLS without the
    // truststore it needs: wait until the CA (or Kafka 3's word) is there.
    return { state: 'incomplete', missingFields: ['tls-ca (TLS is on, its CA has not arrived)'] };
  }
  const tlsCaPem = tlsEnabled ? extractPemCertificates(raw.fields['tls-ca']) : undefined;
  const view: KafkaClusterView = {
    alias,
    bootstrapServers: parsed.endpoints,
    username,
    password,
    tlsEnabled,
  };
  if (tlsCaPem !== undefined) view.tlsCaPem = tlsCaPem;
  return { state: 'ready', view };
}

/** Builds the view of the `connect-client` relation (connect_client v0). */
export function parseConnectRelation(raw: RawRelation | undefined): RelationReadiness<ConnectView> {
  const relation: RelationName = 'connect-client';
  if (raw === undefined) return { state: 'missing' };
  const required = requiredFields(raw);
  if (!required.ok) return { state: 'incomplete', missingFields: required.missingFields };
  const { endpoints, username, password } = required;
  const parsed = parseRestEndpoints(endpoints);
  if (!parsed.ok) {
    return invalid(relation, 'endpoints', `${parsed.reason}; the Kafka Connect charm should publish comma-separated http(s)://host:port`);
  }
  const view: ConnectView = { endpoints: parsed.endpoints, username, password };
  const tlsCaPem = extractPemCertificates(raw.fields['tls-ca']);
  const plain = parsed.endpoints.filter((e) => e.startsWith('http://'));
  if (tlsCaPem !== undefined && plain.length > 0) {
    // Charmed Kafka Connect publishes a CA only with https endpoints (its endpoints' scheme follows
    // its TLS state, and turning TLS off sends tls-ca "disabled"), so a CA next to http:// means
    // basic auth would go in clear while the operator believes TLS is on.
    return invalid(
      relation,
      'endpoints',
      `Kafka Connect sent a TLS CA but http:// endpoints (${plain.join(', ')}), so the REST password would travel unencrypted; ` +
        'the Kafka Connect application must publish https endpoints when its REST API has TLS (check its TLS integration)',
    );
  }
  if (tlsCaPem !== undefined) {
    view.tlsCaPem = tlsCaPem;
    view.caOrigin = 'connect-client';
  }
  return { state: 'ready', view };
}

/**
 * The Connect view with a CA to trust when the relation sent none for https endpoints (Charmed
 * Kafka Connect sends no secret-tls to a client integrated while it already serves https): the
 * certificates from the receive-ca-cert endpoint (certificate_transfer), if any.
 */
export function withTransferredCa(view: ConnectView, transferred: readonly string[]): ConnectView {
  if (view.tlsCaPem !== undefined || transferred.length === 0 || !view.endpoints.some((e) => e.startsWith('https://'))) return view;
  const pem = extractPemCertificates(transferred.join('\n'));
  return pem === undefined ? view : { ...view, tlsCaPem: pem, caOrigin: 'receive-ca-cert' };
}

/**
 * What the TLS failure message says to do when Kafka Connect's certificate is not trusted and no
 * CA was given: integrate receive-ca-cert with the application that publishes the CA.
 */
export function noConnectCaHint(appName: string, receiveCaCertIntegrated: boolean): string {
  return receiveCaCertIntegrated
    ? 'receive-ca-cert is integrated but its provider has published no CA certificate yet'
    : 'no CA came over connect-client (Kafka Connect sends none to a client integrated while it already serves https) ' +
        `or receive-ca-cert: run "juju integrate ${appName}:receive-ca-cert <application publishing the Connect CA over certificate_transfer>"`;
}

/** Cross-relation checks once both clusters are known; returns problems as full sentences. */
export function validateFlow(source: KafkaClusterView, target: KafkaClusterView): string[] {
  const problems: string[] = [];
  if (source.alias === target.alias) {
    problems.push(`source and target are both '${source.alias}'; relate 'source' and 'target' to two different Kafka applications`);
  } else if (source.bootstrapServers.some((s) => target.bootstrapServers.includes(s))) {
    problems.push(
      `source '${source.alias}' and target '${target.alias}' share bootstrap servers; mirroring a cluster onto itself would loop`,
    );
  }
  return problems;
}

/** Every secret value held by the views, for redaction. */
export function secretsOf(...views: ReadonlyArray<KafkaClusterView | ConnectView | undefined>): string[] {
  const out: string[] = [];
  for (const v of views) if (v) out.push(v.password);
  return out;
}
