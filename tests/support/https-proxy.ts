// An https front for the real (http) Kafka Connect worker of the stack, for e2e scenarios that need
// Connect's REST API on https with a CA the test controls. It forwards every request unchanged and
// records the connector configs PUT through it, so a test can check what the charm wrote.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedPut {
  readonly name: string;
  readonly config: Record<string, string>;
  readonly at: number;
}

export interface HttpsProxy {
  readonly url: string;
  readonly puts: RecordedPut[];
  close(): Promise<void>;
}

export async function startHttpsProxy(target: string, tls: { certPem: string; keyPem: string }): Promise<HttpsProxy> {
  const upstream = new URL(target);
  const puts: RecordedPut[] = [];
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const m = /^\/connectors\/([^/?]+)\/config$/.exec(req.url ?? '');
      if (req.method === 'PUT' && m) {
        try {
          puts.push({
            name: decodeURIComponent(m[1]),
            config: JSON.parse(body.toString('utf8')) as Record<string, string>,
            at: Date.now(),
          });
        } catch {
          /* not JSON: Connect answers 400 itself */
        }
      }
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    puts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
