// Secret content is redacted, except the identity next to the credential (data_interfaces'
// `username`) and TLS on/off flags: a short user name such as "mm2" must not turn
// "mm2-offset-syncs.b.internal" into secret content (an action result was refused on the real stack).
import { Redactor, secretContentValues } from '../../../lib/ops/redact';

test('secretContentValues keeps credentials, drops user names and TLS flags', () => {
  expect(secretContentValues({ username: 'mm2', password: 'pw-123456', uris: 'x://mm2:pw-123456@h' })).toEqual([
    'pw-123456',
    'x://mm2:pw-123456@h',
  ]);
  expect(secretContentValues({ tls: 'disabled', 'tls-ca': 'disabled' })).toEqual([]);
  expect(secretContentValues({ tls: 'enabled', 'tls-ca': '-----BEGIN CERTIFICATE-----x' })).toEqual(['-----BEGIN CERTIFICATE-----x']);
});

test('a text that contains the user name is not secret content; the password still is', () => {
  const r = new Redactor();
  r.add(...secretContentValues({ username: 'mm2', password: 'Secr3t-pw' }));
  expect(r.contains('mm2-(offset-syncs|configs)\\..*')).toBe(false);
  expect(r.contains('jaas password="Secr3t-pw"')).toBe(true);
  expect(r.redact('user mm2, password Secr3t-pw')).toBe('user mm2, password <redacted>');
});
