/**
 * The Kafka provider's configuration, parsed and checked (pure: config values in, settings or
 * a Blocked message out). Credentials are read separately (common/provider.ts).
 */
import type { ConfigData } from '../../../../lib/ops';
import { pemCertificate, type Credentials, type Parsed } from '../../common/provider';

export type KafkaVersion = '3' | '4';

export interface KafkaSettings {
  /** host:port of the client listener, as configured. */
  readonly bootstrapServers: readonly string[];
  readonly tls: boolean;
  /** The CA PEM to publish (Kafka 4 with TLS only); absent: `tls-ca` repeats "enabled"/"disabled". */
  readonly tlsCa?: string;
  readonly kafkaVersion: KafkaVersion;
  readonly credentials: Credentials;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

function str(config: ConfigData, key: string): string {
  const v = config[key];
  return typeof v === 'string' ? v.trim() : '';
}

export function parseBootstrapServers(raw: string): Parsed<string[]> {
  if (raw === '') return { ok: false, problem: 'set "bootstrap-servers" (host:port[,host:port...] of the client listener)' };
  const out: string[] = [];
  for (const entry of raw.split(',').map((s) => s.trim())) {
    const m = HOST_PORT.exec(entry);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) {
      return {
        ok: false,
        problem: `"bootstrap-servers": ${JSON.stringify(entry)} is not host:port (port 1-65535); use e.g. "127.0.0.1:19392"`,
      };
    }
    out.push(entry);
  }
  return { ok: true, value: out };
}

export function parseKafkaSettings(config: ConfigData, credentials: Parsed<Credentials>): Parsed<KafkaSettings> {
  const servers = parseBootstrapServers(str(config, 'bootstrap-servers'));
  if (!servers.ok) return servers;
  const version = str(config, 'kafka-version') || '4';
  if (version !== '3' && version !== '4')
    return { ok: false, problem: `"kafka-version" must be "3" or "4", not ${JSON.stringify(version)}` };
  const tlsRaw = str(config, 'tls') || 'disabled';
  if (tlsRaw !== 'enabled' && tlsRaw !== 'disabled')
    return { ok: false, problem: `"tls" must be "enabled" or "disabled", not ${JSON.stringify(tlsRaw)}` };
  const tls = tlsRaw === 'enabled';
  const caRaw = str(config, 'tls-ca');
  const ca = caRaw === '' ? undefined : pemCertificate(caRaw);
  if (caRaw !== '' && ca === undefined)
    return { ok: false, problem: '"tls-ca" is not a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)' };
  if (tls && version === '4' && ca === undefined)
    return { ok: false, problem: 'set "tls-ca" (the listener\'s CA PEM): Kafka 4 publishes it when tls is enabled' };
  if (!credentials.ok) return credentials;
  return {
    ok: true,
    value: {
      bootstrapServers: servers.value,
      tls,
      ...(tls && version === '4' ? { tlsCa: ca } : {}),
      kafkaVersion: version,
      credentials: credentials.value,
    },
  };
}
