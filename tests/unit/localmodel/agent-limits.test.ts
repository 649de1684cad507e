/**
 * The agent on a shared machine: any local process can connect to its loopback port, so it checks
 * the token before buffering anything large, caps field sizes, parses each chunk once, and closes
 * idle connections.
 */
import * as net from 'node:net';

import { addApplication, addUnit, charmMetaFromYaml, createModel, openSession } from '../../../lib/sim';
import { RequestParser, ToolAgent, encodeResponse } from '../../../lib/localmodel/agent';
import { PROTOCOL_MAGIC } from '../../../lib/localmodel/shim';
import { CACHE_DIR } from './helpers';

jest.setTimeout(60_000);

function field(text: string | Buffer): Buffer {
  const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return Buffer.concat([Buffer.from(`${b.length}\n`, 'latin1'), b]);
}

function request(token: string, contextId: string, tool: string, args: string[], stdin?: string): Buffer {
  return Buffer.concat([
    Buffer.from(`${PROTOCOL_MAGIC} ${args.length} ${stdin === undefined ? -1 : Buffer.byteLength(stdin)}\n`, 'latin1'),
    ...[token, contextId, '/', tool, ...args].map((f) => field(f)),
    Buffer.from(stdin ?? '', 'utf8'),
  ]);
}

let agent: ToolAgent;
let ctx: { contextId: string; env: Readonly<Record<string, string>> };
beforeAll(async () => {
  agent = await ToolAgent.start({ cacheDir: CACHE_DIR, shim: 'bash', idleTimeoutMs: 300 });
  const model = createModel({ uuid: '11111111-2222-4333-8444-555555555555' });
  addApplication(model, 'a', charmMetaFromYaml({ name: 'a' }, { options: { greeting: { type: 'string', default: 'hi' } } }));
  addUnit(model, 'a', { leader: true });
  ctx = agent.register(openSession(model, { unit: 'a/0', hook: 'install' }));
});
afterAll(async () => agent.close());

/** Connect, send `head`, then stream `streamBytes` more (or stop when answered); resolve with the answer. */
function exchange(head: Buffer, streamBytes = 0): Promise<{ answer: string; sentAfterHead: number; ms: number; closed: boolean }> {
  const [host, port] = agent.address.split(':') as [string, string];
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const socket = net.connect(Number(port), host);
    let answer = '';
    let sent = 0;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ answer, sentAfterHead: sent, ms: Number(process.hrtime.bigint() - t0) / 1e6, closed });
    };
    socket.on('data', (c: Buffer) => (answer += c.toString('utf8')));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(head);
    const block = Buffer.alloc(1024 * 1024, 0x61);
    const pump = () => {
      while (!done && sent < streamBytes) {
        sent += block.length;
        if (!socket.write(block)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

test('a 70 MiB request with a wrong token is refused after its first fields, not after it has all arrived', async () => {
  const head = Buffer.concat([
    Buffer.from(`${PROTOCOL_MAGIC} 1 -1\n`),
    field('00'.repeat(24)),
    field(ctx.contextId),
    field('/'),
    field('relation-set'),
    Buffer.from(`${70 * 1024 * 1024}\n`),
  ]);
  const r = await exchange(head, 70 * 1024 * 1024);
  expect(r.answer).toBe(
    `1 0 ${`ERROR bad request: unknown context "${ctx.contextId}"\n`.length}\nERROR bad request: unknown context "${ctx.contextId}"\n`,
  );
  expect(r.sentAfterHead).toBeLessThan(70 * 1024 * 1024);
});

test('an authenticated request declaring a field over the cap is refused as soon as the length arrives', async () => {
  const token = ctx.env['JUJU_AGENT_TOKEN']!;
  const head = Buffer.concat([
    Buffer.from(`${PROTOCOL_MAGIC} 1 -1\n`),
    field(token),
    field(ctx.contextId),
    field('/'),
    field('relation-set'),
    Buffer.from(`${70 * 1024 * 1024}\n`),
  ]);
  const r = await exchange(head, 0);
  expect(r.answer).toContain('ERROR bad request: request too large');
});

test('oversize token or context fields are refused before being buffered', async () => {
  const r = await exchange(Buffer.concat([Buffer.from(`${PROTOCOL_MAGIC} 0 -1\n`), Buffer.from(`${10 * 1024 * 1024}\n`)]));
  expect(r.answer).toContain('ERROR bad request: malformed request field');
});

test('an idle connection is closed', async () => {
  const r = await exchange(Buffer.from(`${PROTOCOL_MAGIC} 0`));
  expect(r.closed).toBe(true);
  expect(r.answer).toBe('');
  expect(r.ms).toBeGreaterThanOrEqual(250);
});

test('a well-formed request still works, fed whole or one byte at a time', async () => {
  const req = request(ctx.env['JUJU_AGENT_TOKEN']!, ctx.contextId, 'config-get', ['greeting']);
  expect((await exchange(req)).answer).toBe(encodeResponse(0, 'hi\n', '').toString('utf8'));
  const parser = new RequestParser();
  let parsed;
  for (let i = 0; i < req.length; i++) parsed = parser.push(req.subarray(i, i + 1)) ?? parsed;
  expect(parsed).toMatchObject({ tool: 'config-get', args: ['greeting'], contextId: ctx.contextId, stdin: undefined });
});
