/**
 * The one parser of the values data_interfaces providers publish, used by lib/interfaces' typed
 * views and by the charm's relation views (charm/core/cluster.ts): `endpoints` as host:port lists
 * (kafka_client) or http(s) URLs (connect_client), and CA certificates in PEM. Pure: results say
 * what is wrong; callers turn them into their own errors.
 */

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?\r?\n?-----END CERTIFICATE-----/g;

function validPort(port: string): boolean {
  if (!/^\d{1,5}$/.test(port)) return false;
  const n = Number(port);
  return n >= 1 && n <= 65535;
}

/** Parses `host:port[,host:port…]`; returns the list or the reason it is unusable. */
export function parseHostPortList(value: string): { ok: true; endpoints: string[] } | { ok: false; reason: string } {
  const items = value.split(',').map((s) => s.trim());
  const out: string[] = [];
  for (const item of items) {
    if (item === '') return { ok: false, reason: `has an empty entry in '${value}'` };
    if (item.includes('://')) return { ok: false, reason: `'${item}' has a URL scheme; expected host:port` };
    const colon = item.lastIndexOf(':');
    if (colon <= 0) return { ok: false, reason: `'${item}' is not host:port` };
    const host = item.slice(0, colon);
    const port = item.slice(colon + 1);
    if (!HOST.test(host)) return { ok: false, reason: `'${item}' has an invalid host '${host}'` };
    if (!validPort(port)) return { ok: false, reason: `'${item}' has an invalid port '${port}' (1-65535)` };
    if (!out.includes(item)) out.push(item);
  }
  return { ok: true, endpoints: out };
}

/** Parses Connect REST endpoints `http(s)://host:port[,…]`. */
export function parseRestEndpoints(value: string): { ok: true; endpoints: string[] } | { ok: false; reason: string } {
  const items = value.split(',').map((s) => s.trim());
  const out: string[] = [];
  for (const item of items) {
    if (item === '') return { ok: false, reason: `has an empty entry in '${value}'` };
    const m = /^(https?):\/\/([^/?#@\s]+?)(?::(\d+))?\/?$/.exec(item);
    if (!m) {
      return { ok: false, reason: `'${item}' is not an http(s)://host:port URL` };
    }
    const [, scheme, host, port] = m;
    if (!HOST.test(host)) return { ok: false, reason: `'${item}' has an invalid host '${host}'` };
    if (port !== undefined && !validPort(port)) return { ok: false, reason: `'${item}' has an invalid port '${port}' (1-65535)` };
    const normalised = `${scheme}://${host}${port !== undefined ? `:${port}` : ''}`;
    if (!out.includes(normalised)) out.push(normalised);
  }
  return { ok: true, endpoints: out };
}

/**
 * Extracts the CA certificate(s) from a `tls-ca` field. Kafka 3 sends "enabled"/"disabled" there
 * and Connect sends "disabled" without TLS: those, and anything without a
 * certificate block, yield undefined. Only CERTIFICATE blocks are kept, so a private key pasted by
 * mistake never travels on.
 */
/** The CERTIFICATE blocks in `value`, normalised to `\n`, in order ([] for none). */
export function pemCertificateBlocks(value: string | undefined): string[] {
  if (!value) return [];
  return (value.match(PEM_CERTIFICATE) ?? []).map((b) => b.replace(/\r\n/g, '\n').trim());
}

export function extractPemCertificates(value: string | undefined): string | undefined {
  const blocks = pemCertificateBlocks(value);
  return blocks.length === 0 ? undefined : blocks.join('\n') + '\n';
}
