// Test-time TLS material made with the `openssl` CLI (Node has no X.509 builder): a CA, a server
// certificate for 127.0.0.1/localhost signed by it, and an unrelated second CA to prove that the
// client refuses a server it was not told to trust. EC P-256 keys keep generation fast.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TlsFixtures {
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  /** PEM of an unrelated CA. */
  otherCaPem: string;
  /** Server certificate (SAN IP:127.0.0.1, DNS:localhost) and key, PEM. */
  serverCertPem: string;
  serverKeyPem: string;
  /** A self-signed server certificate + key (no CA), for "untrusted" cases. */
  selfSignedCertPem: string;
  selfSignedKeyPem: string;
}

export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

let cached: TlsFixtures | null = null;

/** Generates (once per test process) the fixtures into a temp dir, reads them and removes the dir. */
export function tlsFixtures(): TlsFixtures {
  if (cached) return cached;
  if (!opensslAvailable()) throw new Error('TLS tests need the openssl CLI on PATH');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-connect-tls-'));
  const file = (name: string): string => path.join(dir, name);
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  const newKey = (name: string): void => run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name));
  try {
    fs.writeFileSync(
      file('server.ext'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
        'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
    );
    for (const ca of ['ca', 'other-ca']) {
      newKey(`${ca}.key`);
      run(
        'req',
        '-x509',
        '-new',
        '-key',
        file(`${ca}.key`),
        '-sha256',
        '-days',
        '2',
        '-subj',
        `/CN=fake-connect ${ca}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        file(`${ca}.pem`),
      );
    }
    newKey('server.key');
    run('req', '-new', '-key', file('server.key'), '-subj', '/CN=127.0.0.1', '-out', file('server.csr'));
    run(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    );
    newKey('self.key');
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      file('self.key'),
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-out',
      file('self.pem'),
    );
    const read = (name: string): string => fs.readFileSync(file(name), 'utf8');
    cached = {
      caPem: read('ca.pem'),
      otherCaPem: read('other-ca.pem'),
      serverCertPem: read('server.pem'),
      serverKeyPem: read('server.key'),
      selfSignedCertPem: read('self.pem'),
      selfSignedKeyPem: read('self.key'),
    };
    return cached;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
