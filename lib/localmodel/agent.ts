/**
 * The unit agent's hook-tool server: what Juju's uniter runs for each hook, so that the hook
 * tools a hook process calls reach the model.
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
/** Caps of the fields read before the token is checked, so an unauthenticated peer buffers little. */
const MAX_TOKEN_BYTES = 128;
const MAX_CONTEXT_ID_BYTES = 256;
const MAX_HEADER_LINE_BYTES = 64;
/** A connection that sends nothing for this long is closed (a shim sends its request at once). */
export const IDLE_TIMEOUT_MS = 10_000;

export interface AgentOptions {
  /** Where the compiled shim is cached; defaults to `.tscharm/localmodel` in the repository. */
  readonly cacheDir?: string;
  readonly shim?: 'auto' | ShimKind;
  /** Close a connection idle this long (default IDLE_TIMEOUT_MS). */
  readonly idleTimeoutMs?: number;
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

/**
 * Incremental parser of one request: `JUJUC1 <argc> <stdin-len>\n`, then argc+4 fields each
 * `<len>\n<bytes>` (token, context id, cwd, tool, args…), then stdin. Each chunk is consumed once
 * (nothing is re-copied or re-parsed as more arrives); a declared length over the caps is refused
 * as soon as its line arrives, and `authenticate` is called as soon as the token and context id
 * are in — before any large field is buffered.
 */
export class RequestParser {
  private readonly authenticate: (token: string, contextId: string) => boolean;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private total = 0;
  private argc = -1;
  private stdinLength = -2;
  private readonly fields: string[] = [];
  private fieldLength = -1;

  constructor(authenticate: (token: string, contextId: string) => boolean = () => true) {
    this.authenticate = authenticate;
  }

  /** Feed a chunk; returns the request once complete. Throws on a malformed, oversize or unauthenticated request. */
  push(chunk: Buffer): ParsedRequest | undefined {
    this.total += chunk.length;
    if (this.total > MAX_REQUEST_BYTES) throw new Error('request too large');
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.argc < 0) {
        const line = this.takeLine(MAX_HEADER_LINE_BYTES, 'malformed request header');
        if (line === undefined) return undefined;
        const header = line.split(' ');
        if (header.length !== 3 || header[0] !== PROTOCOL_MAGIC || !/^\d{1,7}$/.test(header[1]!) || !/^(-1|\d{1,10})$/.test(header[2]!)) {
          throw new Error('malformed request header');
        }
        this.argc = Number(header[1]);
        this.stdinLength = Number(header[2]);
        if (this.stdinLength > MAX_REQUEST_BYTES) throw new Error('request too large');
        continue;
      }
      if (this.fields.length < this.argc + 4) {
        if (this.fieldLength < 0) {
          const line = this.takeLine(12, 'malformed request field');
          if (line === undefined) return undefined;
          if (!/^\d{1,10}$/.test(line)) throw new Error('malformed request field');
          const len = Number(line);
          const cap = this.fields.length === 0 ? MAX_TOKEN_BYTES : this.fields.length === 1 ? MAX_CONTEXT_ID_BYTES : MAX_REQUEST_BYTES;
          if (len > cap) throw new Error(this.fields.length < 2 ? 'malformed request field' : 'request too large');
          this.fieldLength = len;
        }
        const data = this.take(this.fieldLength);
        if (data === undefined) return undefined;
        this.fields.push(data.toString('utf8'));
        this.fieldLength = -1;
        if (this.fields.length === 2 && !this.authenticate(this.fields[0]!, this.fields[1]!))
          throw new UnauthenticatedError(this.fields[1]!);
        continue;
      }
      let stdin: string | undefined;
      if (this.stdinLength >= 0) {
        const data = this.take(this.stdinLength);
        if (data === undefined) return undefined;
        stdin = data.toString('utf8');
      }
      const [token, contextId, cwd, tool, ...args] = this.fields;
      return { token: token!, contextId: contextId!, cwd: cwd!, tool: tool!, args, stdin };
    }
  }

  /** The next `n` buffered bytes, or undefined until they have arrived. */
  private take(n: number): Buffer | undefined {
    if (this.buffered < n) return undefined;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** The next line (without "\n") if it is complete; refuses a line longer than `max`. */
  private takeLine(max: number, error: string): string | undefined {
    let seen = 0;
    for (const c of this.chunks) {
      const nl = c.indexOf(0x0a);
      if (nl >= 0) {
        if (seen + nl > max) throw new Error(error);
        const line = this.take(seen + nl + 1)!;
        return line.subarray(0, line.length - 1).toString('latin1');
      }
      seen += c.length;
      if (seen > max) throw new Error(error);
    }
    return undefined;
  }
}

/** The token (or context) did not match: answered like an unknown context. */
export class UnauthenticatedError extends Error {
  constructor(readonly contextId: string) {
    super(`unknown context "${contextId}"`);
  }
}

/** Parse one whole request at once (tests and tools; the agent parses incrementally). */
export function parseRequest(data: Buffer): ParsedRequest | undefined {
  return new RequestParser().push(data);
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

  private readonly idleTimeoutMs: number;

  private constructor(shim: Shim, toolsDir: string, idleTimeoutMs: number) {
    this.shim = shim;
    this.toolsDir = toolsDir;
    this.idleTimeoutMs = idleTimeoutMs;
    this.server = net.createServer((socket) => this.onConnection(socket));
  }

  static async start(options: AgentOptions = {}): Promise<ToolAgent> {
    const shim = ensureShim(options.cacheDir ?? defaultCacheDir(), options.shim ?? 'auto');
    const toolsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-tools-'));
    writeToolsDir(toolsDir, shim, TOOL_NAMES);
    const agent = new ToolAgent(shim, toolsDir, options.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
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
    socket.setTimeout(this.idleTimeoutMs, () => socket.destroy());
    const parser = new RequestParser((token, contextId) => this.lookup(token, contextId) !== undefined);
    let answered = false;
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      let request: ParsedRequest | undefined;
      try {
        request = parser.push(chunk);
      } catch (err) {
        answered = true;
        const message = (err as Error).message;
        // Refuse and stop reading: whatever else the peer sends is dropped by the kernel, not buffered.
        socket.end(encodeResponse(1, '', `ERROR bad request: ${message}\n`));
        socket.pause();
        setTimeout(() => socket.destroy(), 1000).unref();
        return;
      }
      if (!request) return;
      answered = true;
      socket.end(this.answer(request));
    });
  }

  /** The registered context for `contextId` if `token` (hex) is its token. */
  private lookup(token: string, contextId: string): Registered | undefined {
    const registered = this.contexts.get(contextId);
    const given = Buffer.from(token, 'hex');
    if (!registered || given.length !== registered.token.length || !timingSafeEqual(given, registered.token)) return undefined;
    return registered;
  }

  private answer(request: ParsedRequest): Buffer {
    const registered = this.lookup(request.token, request.contextId);
    if (!registered) {
      // Same answer for an unknown context and a wrong token: nothing to learn by probing.
      return encodeResponse(1, '', `ERROR bad request: unknown context "${request.contextId}"\n`);
    }
    this.callCount++;
    const result = registered.session.run(request.tool, request.args, request.stdin);
    return encodeResponse(result.code, result.stdout, result.stderr);
  }
}
