// Kafka Connect's REST resources are @Consumes(application/json): a write labelled anything else
// gets 415 Unsupported Media Type, even without a body (found on the real worker: pause/resume).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeClient } from './helpers';

let server: http.Server;
let url: string;
const seen: { method: string; path: string; contentType: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] });
    req.resume();
    req.on('end', () => {
      const json = req.headers['content-type'] === 'application/json' || req.method === 'GET' || req.method === 'DELETE';
      res.writeHead(json ? (req.method === 'PUT' ? 202 : 204) : 415, { 'Content-Type': 'application/json' });
      res.end(json ? '' : JSON.stringify({ error_code: 415, message: 'HTTP 415 Unsupported Media Type' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('bodiless writes (pause, resume, restart) are sent as application/json', async () => {
  const { client } = makeClient([url]);
  await client.pauseConnector('c1');
  await client.resumeConnector('c1');
  await client.restartConnector('c1', { includeTasks: true, onlyFailed: true });
  client.close();
  expect(seen.map((s) => `${s.method} ${s.path} ${s.contentType}`)).toEqual([
    'PUT /connectors/c1/pause application/json',
    'PUT /connectors/c1/resume application/json',
    'POST /connectors/c1/restart?includeTasks=true&onlyFailed=true application/json',
  ]);
});
