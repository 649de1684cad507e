/**
 * The Connect provider's configuration, parsed and checked (pure: config values in, settings or
 * a Blocked message out). Credentials are read separately (common/provider.ts).
 */
import type { ConfigData } from '../../../../lib/ops';
import { pemCertificate, type Credentials, type Parsed } from '../../common/provider';

export interface ConnectSettings {
  /** `http(s)://host:port`, no trailing slash, in the configured order. */
  readonly endpoints: readonly string[];
  /** The CA PEM when the endpoints are https. */
  readonly tlsCa?: string;
  readonly credentials: Credentials;
}

function str(config: ConfigData, key: string): string {
  const v = config[key];
  return typeof v === 'string' ? v.trim() : '';
}

/** One REST URL: scheme http/https, a host, no credentials, path, query or fragment. */
function parseRestUrl(entry: string): string | undefined {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.hostname === '' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  if (url.pathname !== '/' && url.pathname !== '') return undefined;
  return `${url.protocol}//${url.host}`;
}

export function parseEndpoints(raw: string): Parsed<string[]> {
  if (raw === '') return { ok: false, problem: 'set "endpoints" (the Connect REST URLs, e.g. "http://127.0.0.1:18383")' };
  const out: string[] = [];
  for (const entry of raw.split(',').map((s) => s.trim())) {
    const url = parseRestUrl(entry);
    if (url === undefined) {
      return {
        ok: false,
        problem: `"endpoints": ${JSON.stringify(entry)} is not an http(s)://host[:port] URL; use e.g. "http://127.0.0.1:18383"`,
      };
    }
    out.push(url);
  }
  const schemes = new Set(out.map((u) => u.slice(0, u.indexOf(':'))));
  if (schemes.size > 1) return { ok: false, problem: '"endpoints" mixes http and https; Connect serves one scheme on every worker' };
  return { ok: true, value: out };
}

export function parseConnectSettings(config: ConfigData, credentials: Parsed<Credentials>): Parsed<ConnectSettings> {
  const endpoints = parseEndpoints(str(config, 'endpoints'));
  if (!endpoints.ok) return endpoints;
  const https = endpoints.value[0].startsWith('https:');
  const caRaw = str(config, 'tls-ca');
  const ca = caRaw === '' ? undefined : pemCertificate(caRaw);
  if (caRaw !== '' && ca === undefined)
    return { ok: false, problem: '"tls-ca" is not a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)' };
  if (https && ca === undefined) return { ok: false, problem: 'set "tls-ca" (the REST listener\'s CA PEM): the endpoints are https' };
  if (!credentials.ok) return credentials;
  return { ok: true, value: { endpoints: endpoints.value, ...(https ? { tlsCa: ca } : {}), credentials: credentials.value } };
}
