/**
 * The unit agent's hook-tool server: what Juju's uniter runs for each hook (contract §1.2).
 *
 * It listens on 127.0.0.1 (random port) and answers requests from the shim (shim.ts) for the hook
 * contexts currently registered: each context is a lib/sim HookSession plus a random token, so
 * only the process given that token in its environment can drive that context. Requests are
 * answered one at a time (Node runs one handler at a time; Juju holds a mutex for the same reason).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TOOL_NAMES, type HookSession } from '../sim';
import { defaultCacheDir, ensureShim, PROTOCOL_MAGIC, writeToolsDir, type Shim, type ShimKind } from './shim';

/** Requests larger than this are refused (relation settings are capped at 16 MiB by Juju). */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

export interface AgentOptions {
  /** Where the compiled shim is cached; defaults to `.tscharm/localmodel` in the repository. */
  readonly cacheDir?: string;
  readonly shim?: 'auto' | ShimKind;
}

export interface AgentContext {
  readonly contextId: string;
  /** Environment the hook process needs to reach this context (added to the session's env). */
  readonly env: Readonly<Record<string, string>>;
}

interface Registered {
  readonly session: HookSession;
  readonly token: Buffer;
}

export interface ParsedRequest {
  readonly token: string;
  readonly contextId: string;
  readonly cwd: string;
  readonly tool: string;
  readonly args: string[];
  readonly stdin: string | undefined;
}

/** Incremental parser of one request; returns undefined until the whole request has arrived. */
export function parseRequest(data: Buffer): ParsedRequest | undefined {
  const nl = data.indexOf(0x0a);
  if (nl < 0) {
    if (data.length > 64) throw new Error('malformed request header');
    return undefined;
  }
  const header = data.subarray(0, nl).toString('latin1').split(' ');
  if (header.length !== 3 || header[0] !== PROTOCOL_MAGIC) throw new Error('malformed request header');
  const argc = Number(header[1]);
  const stdinLength = Number(header[2]);
  if (!Number.isInteger(argc) || argc < 0 || !Number.isInteger(stdinLength) || stdinLength < -1) {
    throw new Error('malformed request header');
  }
  let offset = nl + 1;
  const fields: string[] = [];
  for (let i = 0; i < argc + 4; i++) {
    const end = data.indexOf(0x0a, offset);
    if (end < 0) return undefined;
    const len = Number(data.subarray(offset, end).toString('latin1'));
    if (!Number.isInteger(len) || len < 0) throw new Error('malformed request field');
    if (end + 1 + len > data.length) return undefined;
    fields.push(data.subarray(end + 1, end + 1 + len).toString('utf8'));
    offset = end + 1 + len;
  }
  let stdin: string | undefined;
  if (stdinLength >= 0) {
    if (offset + stdinLength > data.length) return undefined;
    stdin = data.subarray(offset, offset + stdinLength).toString('utf8');
  }
  const [token, contextId, cwd, tool, ...args] = fields;
  return { token: token!, contextId: contextId!, cwd: cwd!, tool: tool!, args, stdin };
}

export function encodeResponse(code: number, stdout: string, stderr: string): Buffer {
  const out = Buffer.from(stdout, 'utf8');
  const err = Buffer.from(stderr, 'utf8');
  return Buffer.concat([Buffer.from(`${code} ${out.length} ${err.length}\n`, 'latin1'), out, err]);
}

export class ToolAgent {
  readonly shim: Shim;
  /** Directory with one executable per hook tool; put first on the hook's PATH. */
  readonly toolsDir: string;
  /** Number of tool calls served (for measurements). */
  callCount = 0;
  private readonly server: net.Server;
  private readonly contexts = new Map<string, Registered>();
  private readonly sockets = new Set<net.Socket>();
  private port = 0;

  private constructor(shim: Shim, toolsDir: string) {
    this.shim = shim;
    this.toolsDir = toolsDir;
    this.server = net.createServer((socket) => this.onConnection(socket));
  }

  static async start(options: AgentOptions = {}): Promise<ToolAgent> {
    const shim = ensureShim(options.cacheDir ?? defaultCacheDir(), options.shim ?? 'auto');
    const toolsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-tools-'));
    writeToolsDir(toolsDir, shim, TOOL_NAMES);
    const agent = new ToolAgent(shim, toolsDir);
    await new Promise<void>((resolve, reject) => {
      agent.server.once('error', reject);
      agent.server.listen(0, '127.0.0.1', () => resolve());
    });
    agent.port = (agent.server.address() as net.AddressInfo).port;
    return agent;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Serve hook tools for `session` until unregister(); returns the env the hook process needs. */
  register(session: HookSession): AgentContext {
    // lib/sim's id (`unit-hook-seq`) is unique within one model; the agent may serve several.
    const simId = session.env['JUJU_CONTEXT_ID']!;
    let contextId = simId;
    for (let n = 2; this.contexts.has(contextId); n++) contextId = `${simId}-${n}`;
    const token = randomBytes(24);
    this.contexts.set(contextId, { session, token });
    return {
      contextId,
      env: {
        JUJU_CONTEXT_ID: contextId,
        JUJU_AGENT_SOCKET_NETWORK: 'tcp',
        JUJU_AGENT_SOCKET_ADDRESS: this.address,
        JUJU_AGENT_TOKEN: token.toString('hex'),
      },
    };
  }

  unregister(contextId: string): void {
    this.contexts.delete(contextId);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.toolsDir, { recursive: true, force: true });
  }

  private onConnection(socket: net.Socket): void {
    // Loopback only: the server listens on 127.0.0.1, so anything else is a bug worth refusing.
    if (socket.remoteAddress !== '127.0.0.1' && socket.remoteAddress !== '::ffff:127.0.0.1') {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let chunks: Buffer[] = [];
    let size = 0;
    let answered = false;
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      chunks.push(chunk);
      size += chunk.length;
      let data = Buffer.concat(chunks, size);
      chunks = [data];
      let request: ParsedRequest | undefined;
      try {
        if (size > MAX_REQUEST_BYTES) throw new Error('request too large');
        request = parseRequest(data);
      } catch (err) {
        answered = true;
        socket.end(encodeResponse(1, '', `ERROR bad request: ${(err as Error).message}\n`));
        return;
      }
      if (!request) return;
      answered = true;
      data = Buffer.alloc(0);
      socket.end(this.answer(request));
    });
  }

  private answer(request: ParsedRequest): Buffer {
    const registered = this.contexts.get(request.contextId);
    const given = Buffer.from(request.token, 'hex');
    if (!registered || given.length !== registered.token.length || !timingSafeEqual(given, registered.token)) {
      // Same answer for an unknown context and a wrong token: nothing to learn by probing.
      return encodeResponse(1, '', `ERROR bad request: unknown context "${request.contextId}"\n`);
    }
    this.callCount++;
    const result = registered.session.run(request.tool, request.args, request.stdin);
    return encodeResponse(result.code, result.stdout, result.stderr);
  }
}
