import {
  configsEqualMaskingCredentials,
  credentialKeysAgree,
  credentialSecretsIn,
  credentialShapeOk,
  CREDENTIAL_PLACEHOLDER,
  hasCredentialPlaceholder,
  isCredentialKey,
  planReconcile,
  emptyRestartBackoff,
  type DesiredConnector,
  type ObservedConnectors,
} from '../../../charm/core';
import { desired, observedFrom, OWNED, SOURCE_PASSWORD, sourceCluster, TARGET_PASSWORD, targetCluster } from './fixtures';

/** The desired set as built without reading the credentials (what the reconciler does). */
const placeholders = (): DesiredConnector[] =>
  desired({}, {
    source: sourceCluster({ username: CREDENTIAL_PLACEHOLDER, password: CREDENTIAL_PLACEHOLDER, tlsEnabled: false, tlsCaPem: undefined }),
    target: targetCluster({ username: CREDENTIAL_PLACEHOLDER, password: CREDENTIAL_PLACEHOLDER, tlsEnabled: false, tlsCaPem: undefined }),
  });
const maskedPlan = (want: DesiredConnector[], actual: ObservedConnectors) =>
  planReconcile({ desired: want, actual, ownedPattern: OWNED, intent: { paused: false }, restartBackoff: emptyRestartBackoff(), now: 0, credentials: 'masked' });

describe('credential-derived keys', () => {
  it('are exactly protocol, JAAS and truststore under the three client prefixes', () => {
    const keys = Object.keys(desired()[0].config).filter(isCredentialKey).sort();
    expect(keys).toEqual(
      [
        'producer.override.sasl.jaas.config', 'producer.override.security.protocol', 'producer.override.ssl.truststore.certificates', 'producer.override.ssl.truststore.type',
        'source.cluster.sasl.jaas.config', 'source.cluster.security.protocol',
        'target.cluster.sasl.jaas.config', 'target.cluster.security.protocol', 'target.cluster.ssl.truststore.certificates', 'target.cluster.ssl.truststore.type',
      ].sort(),
    );
    expect(isCredentialKey('source.cluster.bootstrap.servers')).toBe(false);
    expect(isCredentialKey('source.cluster.sasl.mechanism')).toBe(false);
  });

  it('placeholders are detectable, so they can never be written', () => {
    expect(placeholders().every((d) => hasCredentialPlaceholder(d.config))).toBe(true);
    expect(desired().some((d) => hasCredentialPlaceholder(d.config))).toBe(false);
  });

  it('the SCRAM passwords are found in JAAS values (JAAS quoting undone) for redaction', () => {
    expect(credentialSecretsIn(desired().map((d) => d.config)).sort()).toEqual([SOURCE_PASSWORD, TARGET_PASSWORD].sort());
  });
});

describe('masked comparison', () => {
  it('steady state: the real configs on Connect equal the placeholder set with credentials masked', () => {
    const actual = observedFrom(desired());
    expect(maskedPlan(placeholders(), actual).actions).toEqual([]);
  });

  it('can never hide a change in any other key: each non-credential key changed, added or removed on Connect gives a put', () => {
    const real = desired();
    for (const d of real) {
      for (const key of Object.keys(d.config).filter((k) => !isCredentialKey(k))) {
        for (const edit of ['changed', 'removed'] as const) {
          const actual = observedFrom(real);
          const config = actual[d.name].info!.config;
          if (edit === 'changed') config[key] = `${config[key]}-x`;
          else delete config[key];
          const puts = maskedPlan(placeholders(), actual).actions.filter((a) => a.kind === 'put').map((a) => a.name);
          expect({ key, edit, puts }).toEqual({ key, edit, puts: [d.name] });
        }
      }
      const actual = observedFrom(real);
      actual[d.name].info!.config['some.extra.key'] = 'x';
      expect(maskedPlan(placeholders(), actual).actions.map((a) => a.name)).toEqual([d.name]);
    }
  });

  it('a desired-side change of a non-credential key (config) is seen too', () => {
    const actual = observedFrom(desired());
    const want = desired({ tasksMax: 3 }, {
      source: sourceCluster({ username: CREDENTIAL_PLACEHOLDER, password: CREDENTIAL_PLACEHOLDER }),
      target: targetCluster({ username: CREDENTIAL_PLACEHOLDER, password: CREDENTIAL_PLACEHOLDER }),
    });
    expect(maskedPlan(want, actual).actions.filter((a) => a.kind === 'put').length).toBeGreaterThan(0);
  });

  it('credential keys must be present, well formed and consistent', () => {
    const real = desired();
    const base = () => observedFrom(real);
    const name = real[0].name;
    const cases: [string, (c: Record<string, string>) => void][] = [
      ['JAAS missing', (c) => delete c['source.cluster.sasl.jaas.config']],
      ['JAAS not SCRAM', (c) => (c['source.cluster.sasl.jaas.config'] = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";')],
      ['protocol missing', (c) => delete c['target.cluster.security.protocol']],
      ['protocol PLAINTEXT', (c) => (c['source.cluster.security.protocol'] = 'PLAINTEXT')],
      ['truststore type without certificates', (c) => delete c['target.cluster.ssl.truststore.certificates']],
      ['truststore over SASL_PLAINTEXT', (c) => (c['target.cluster.security.protocol'] = c['producer.override.security.protocol'] = 'SASL_PLAINTEXT')],
      ['producer.override differs from target.cluster', (c) => (c['producer.override.sasl.jaas.config'] = c['source.cluster.sasl.jaas.config'])],
    ];
    for (const [what, edit] of cases) {
      const actual = base();
      edit(actual[name].info!.config);
      expect({ what, ok: credentialShapeOk(actual[name].info!.config) && configsEqualMaskingCredentials(placeholders()[0].config, actual[name].info!.config) }).toEqual({ what, ok: false });
      expect(maskedPlan(placeholders(), actual).actions.some((a) => a.kind === 'put')).toBe(true);
    }
  });

  it('connectors that disagree on a credential key all count as different', () => {
    const real = desired();
    const actual = observedFrom(real);
    actual[real[1].name].info!.config['source.cluster.sasl.jaas.config'] = actual[real[0].name].info!.config['source.cluster.sasl.jaas.config'].replace('username="', 'username="x');
    expect(credentialKeysAgree(Object.values(actual).map((c) => c.info!.config))).toBe(false);
    expect(maskedPlan(placeholders(), actual).actions.filter((a) => a.kind === 'put').length).toBe(real.length);
  });

  it('a FAILED task still yields a restart, so the caller reads the credentials', () => {
    const actual = observedFrom(desired(), {}, 'FAILED');
    expect(maskedPlan(placeholders(), actual).actions.some((a) => a.kind === 'restart')).toBe(true);
  });
});
