import {
  extractPemCertificates,
  noConnectCaHint,
  parseConnectRelation,
  withTransferredCa,
  parseHostPortList,
  parseKafkaRelation,
  parseRestEndpoints,
  secretsOf,
  validateFlow,
  type KafkaClusterView,
} from '../../../charm/core/cluster';
import { CA_PEM, sourceCluster, targetCluster } from './fixtures';

const KAFKA_FIELDS = { endpoints: '10.0.0.2:9092,10.0.0.1:9092', username: 'relation-7', password: 'pw' };

function ready(result: ReturnType<typeof parseKafkaRelation>): KafkaClusterView {
  if (result.state !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(result)}`);
  return result.view;
}

describe('parseKafkaRelation', () => {
  it('is missing when there is no relation', () => {
    expect(parseKafkaRelation('source', undefined)).toEqual({ state: 'missing' });
  });

  it('is incomplete while endpoints/username/password are absent or empty, listing them', () => {
    expect(parseKafkaRelation('source', { appName: 'kafka-a', fields: {} })).toEqual({
      state: 'incomplete',
      missingFields: ['endpoints', 'username', 'password'],
    });
    expect(parseKafkaRelation('target', { appName: 'kafka-b', fields: { endpoints: 'h:1', username: ' ', password: '' } })).toEqual({
      state: 'incomplete',
      missingFields: ['username', 'password'],
    });
  });

  it('builds a view; alias = remote app name; endpoint order kept, duplicates dropped', () => {
    const view = ready(parseKafkaRelation('source', { appName: 'kafka-a', fields: { ...KAFKA_FIELDS, endpoints: 'b:1,a:2,b:1' } }));
    expect(view).toEqual({ alias: 'kafka-a', bootstrapServers: ['b:1', 'a:2'], username: 'relation-7', password: 'pw', tlsEnabled: false });
  });

  it('falls back to the relation name as alias, like the reference', () => {
    expect(ready(parseKafkaRelation('target', { fields: KAFKA_FIELDS })).alias).toBe('target');
  });

  it('keeps the password verbatim (spaces may be part of it)', () => {
    expect(ready(parseKafkaRelation('source', { appName: 'a', fields: { ...KAFKA_FIELDS, password: ' p w ' } })).password).toBe(' p w ');
  });

  it.each([
    ['enabled', true],
    ['disabled', false],
    ['true', false],
    ['Enabled', false],
    [undefined, false],
  ])('tls=%s → tlsEnabled %s (only exactly "enabled" counts)', (tls, expected) => {
    expect(ready(parseKafkaRelation('source', { appName: 'a', fields: { ...KAFKA_FIELDS, tls, 'tls-ca': 'enabled' } })).tlsEnabled).toBe(
      expected,
    );
  });

  it('waits (incomplete, naming tls-ca) while tls is enabled but no tls-ca arrived: no TLS without its truststore', () => {
    const r = parseKafkaRelation('source', { appName: 'a', fields: { ...KAFKA_FIELDS, tls: 'enabled' } });
    expect(r).toEqual({ state: 'incomplete', missingFields: ['tls-ca (TLS is on, its CA has not arrived)'] });
  });

  it('uses tls-ca only when it is a PEM certificate (Kafka 3 sends "enabled")', () => {
    const kafka3 = ready(parseKafkaRelation('source', { appName: 'a', fields: { ...KAFKA_FIELDS, tls: 'enabled', 'tls-ca': 'enabled' } }));
    expect(kafka3.tlsEnabled).toBe(true);
    expect(kafka3.tlsCaPem).toBeUndefined();
    const kafka4 = ready(parseKafkaRelation('source', { appName: 'a', fields: { ...KAFKA_FIELDS, tls: 'enabled', 'tls-ca': CA_PEM } }));
    expect(kafka4.tlsCaPem).toBe(CA_PEM);
  });

  it('ignores a CA when TLS is disabled', () => {
    expect(
      ready(parseKafkaRelation('source', { appName: 'a', fields: { ...KAFKA_FIELDS, tls: 'disabled', 'tls-ca': CA_PEM } })).tlsCaPem,
    ).toBeUndefined();
  });

  it.each([
    ['10.0.0.1', "source: endpoints: '10.0.0.1' is not host:port"],
    ['10.0.0.1:0', "source: endpoints: '10.0.0.1:0' has an invalid port '0' (1-65535)"],
    ['10.0.0.1:70000', "has an invalid port '70000'"],
    ['host:abc', "has an invalid port 'abc'"],
    ['a:1,,b:2', 'has an empty entry'],
    ['SASL_SSL://h:9093', 'has a URL scheme; expected host:port'],
    ['bad host:9092', "has an invalid host 'bad host'"],
  ])('endpoints %s → invalid with a message naming relation and field', (endpoints, message) => {
    const result = parseKafkaRelation('source', { appName: 'kafka-a', fields: { ...KAFKA_FIELDS, endpoints } });
    expect(result.state).toBe('invalid');
    if (result.state !== 'invalid') return;
    expect(result.errors[0]).toMatchObject({ relation: 'source', field: 'endpoints' });
    expect(result.errors[0].message).toContain(message);
    expect(result.errors[0].message).toContain('check the Kafka application');
  });

  it('accepts hostnames, IPv6 in brackets and FQDNs', () => {
    expect(parseHostPortList('[fd00::1]:9092,kafka-0.kafka-endpoints:9093,broker_1.example.com:19092')).toEqual({
      ok: true,
      endpoints: ['[fd00::1]:9092', 'kafka-0.kafka-endpoints:9093', 'broker_1.example.com:19092'],
    });
  });

  it('rejects an app name that cannot be an alias', () => {
    const result = parseKafkaRelation('target', { appName: 'Kafka B', fields: KAFKA_FIELDS });
    expect(result.state).toBe('invalid');
    if (result.state === 'invalid') expect(result.errors[0].message).toMatch(/^target: application name: 'Kafka B' cannot be used/);
  });

  it('never puts the password into an error message', () => {
    const result = parseKafkaRelation('source', { appName: 'a', fields: { ...KAFKA_FIELDS, endpoints: 'x', password: 'TOPSECRET' } });
    expect(JSON.stringify(result.state === 'invalid' ? result.errors : [])).not.toContain('TOPSECRET');
  });
});

describe('parseConnectRelation', () => {
  const fields = { endpoints: 'http://10.0.2.1:8083,http://10.0.2.2:8083/', username: 'relation-12', password: 'rest' };

  it('missing / incomplete / ready', () => {
    expect(parseConnectRelation(undefined)).toEqual({ state: 'missing' });
    expect(parseConnectRelation({ fields: { endpoints: 'http://h:8083' } })).toEqual({
      state: 'incomplete',
      missingFields: ['username', 'password'],
    });
    expect(parseConnectRelation({ fields })).toEqual({
      state: 'ready',
      view: { endpoints: ['http://10.0.2.1:8083', 'http://10.0.2.2:8083'], username: 'relation-12', password: 'rest' },
    });
  });

  it('keeps the Connect CA when it is a PEM; ignores "disabled"', () => {
    const withCa = parseConnectRelation({ fields: { ...fields, endpoints: 'https://c:8083', 'tls-ca': CA_PEM } });
    expect(withCa.state === 'ready' && withCa.view.tlsCaPem).toBe(CA_PEM);
    const disabled = parseConnectRelation({ fields: { ...fields, 'tls-ca': 'disabled' } });
    expect(disabled.state === 'ready' && disabled.view.tlsCaPem).toBeUndefined();
  });

  it('a CA with http:// endpoints is invalid (basic auth would go in clear), naming the http endpoints', () => {
    const r = parseConnectRelation({ fields: { ...fields, endpoints: 'https://a:8083,http://b:8083', 'tls-ca': CA_PEM } });
    expect(r.state).toBe('invalid');
    if (r.state !== 'invalid') return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.field).toBe('endpoints');
    expect(r.errors[0]!.message).toMatch(
      /^connect-client: endpoints: Kafka Connect sent a TLS CA but http:\/\/ endpoints \(http:\/\/b:8083\)/,
    );
    expect(r.errors[0]!.message).not.toContain('BEGIN CERTIFICATE');
  });

  it.each([
    ['10.0.2.1:8083', 'is not an http(s)://host:port URL'],
    ['ftp://h:21', 'is not an http(s)://host:port URL'],
    ['http://user:pw@h:8083', 'is not an http(s)://host:port URL'],
    ['http://h:8083/path', 'is not an http(s)://host:port URL'],
    ['http://h:99999', "invalid port '99999'"],
    ['http://h:1,', 'has an empty entry'],
  ])('endpoints %s → invalid', (endpoints, reason) => {
    const result = parseConnectRelation({ fields: { ...fields, endpoints } });
    expect(result.state).toBe('invalid');
    if (result.state === 'invalid') {
      expect(result.errors[0].message).toMatch(/^connect-client: endpoints: /);
      expect(result.errors[0].message).toContain(reason);
    }
  });

  it('parseRestEndpoints accepts https without explicit port and IPv6', () => {
    expect(parseRestEndpoints('https://connect.example.com,http://[fd00::2]:8083')).toEqual({
      ok: true,
      endpoints: ['https://connect.example.com', 'http://[fd00::2]:8083'],
    });
  });
});

describe('extractPemCertificates', () => {
  it('returns undefined for sentinels and non-PEM text', () => {
    for (const v of [undefined, '', 'enabled', 'disabled', 'MIIB...']) expect(extractPemCertificates(v)).toBeUndefined();
  });
  it('keeps a chain and drops a private key pasted alongside', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n';
    const out = extractPemCertificates(`${key}${CA_PEM}\r\n${CA_PEM.replace(/\n/g, '\r\n')}`) as string;
    expect(out.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(out).not.toContain('SECRETKEY');
    expect(out).not.toContain('\r');
  });
});

describe('validateFlow / secretsOf', () => {
  it('rejects source == target and shared bootstrap servers', () => {
    expect(validateFlow(sourceCluster(), targetCluster())).toEqual([]);
    expect(validateFlow(sourceCluster(), sourceCluster())[0]).toContain("source and target are both 'kafka-a'");
    expect(validateFlow(sourceCluster(), targetCluster({ bootstrapServers: ['10.0.0.2:9092'] }))[0]).toContain('share bootstrap servers');
  });
  it('lists the passwords of the given views', () => {
    expect(secretsOf(sourceCluster(), undefined, targetCluster())).toEqual([sourceCluster().password, targetCluster().password]);
  });
});

describe('Connect CA from receive-ca-cert', () => {
  const view = { endpoints: ['https://c:8083'], username: 'u', password: 'p' };
  it('fills in the transferred CA only for https endpoints without a relation CA', () => {
    expect(withTransferredCa(view, [CA_PEM])).toEqual({ ...view, tlsCaPem: `${CA_PEM.trim()}\n`, caOrigin: 'receive-ca-cert' });
    expect(withTransferredCa(view, [])).toBe(view);
    expect(withTransferredCa({ ...view, endpoints: ['http://c:8083'] }, [CA_PEM]).tlsCaPem).toBeUndefined();
    const own = { ...view, tlsCaPem: 'relation CA', caOrigin: 'connect-client' as const };
    expect(withTransferredCa(own, [CA_PEM])).toBe(own);
  });
  it('the hint names the exact integrate command, or says the provider has not published yet', () => {
    expect(noConnectCaHint('mm', false)).toContain(
      'juju integrate mm:receive-ca-cert <application publishing the Connect CA over certificate_transfer>',
    );
    expect(noConnectCaHint('mm', true)).toBe('receive-ca-cert is integrated but its provider has published no CA certificate yet');
  });
});
