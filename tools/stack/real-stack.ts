// Drives tools/kafka/stack.sh (two SCRAM KRaft clusters + one Kafka Connect worker on 127.0.0.1,
// from Maven Central jars) and reads the stack.json it writes. No test-framework imports, so demo
// scripts can reuse it. Secrets come back in StackInfo; never log it whole.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';

export interface ScramUser {
  username: string;
  password: string;
  superUser: boolean;
}

export interface KafkaClusterInfo {
  name: 'kafka-a' | 'kafka-b';
  role: 'source' | 'target';
  /** host:port, always 127.0.0.1 */
  bootstrapServers: string;
  /** host:port of the SASL_SSL listener (certificate from the stack's CA, SAN IP:127.0.0.1) */
  tlsBootstrapServers: string;
  controllerPort: number;
  clusterId: string;
  securityProtocol: 'SASL_PLAINTEXT';
  saslMechanism: 'SCRAM-SHA-512';
  /** super user; also the brokers' own inter-broker identity */
  admin: ScramUser;
  /** the user the charm is given (a super user too, see tools/kafka/README.md) */
  mm2: ScramUser;
  /** Java client .properties files (for the console tools) */
  adminClientConfig: string;
  mm2ClientConfig: string;
  pid: number | null;
  log: string;
  dataDir: string;
}

export interface ConnectInfo {
  /** http://127.0.0.1:<port>, basic auth required on every endpoint */
  url: string;
  /** https://127.0.0.1:<port>: the same REST API over TLS (certificate from the stack's CA) */
  httpsUrl: string;
  username: string;
  password: string;
  groupId: string;
  kafkaCluster: 'kafka-b';
  workerPrincipal: string;
  /** worker 1's */
  pid: number | null;
  log: string;
  /** every worker of the group (one unless the stack runs with CONNECT_WORKERS=3) */
  workers: ConnectWorkerInfo[];
}

export interface ConnectWorkerInfo {
  /** connect, connect-2, connect-3 */
  name: string;
  url: string;
  httpsUrl: string;
  pid: number | null;
  log: string;
}

export interface StackInfo {
  schema: 1;
  kafkaVersion: string;
  host: '127.0.0.1';
  runDir: string;
  libsDir: string;
  stackScript: string;
  writtenAt: string;
  upMs: number | null;
  /** the CA every TLS listener's certificate comes from; `stack.sh rotate-ca` replaces it */
  tls: { caFile: string; generation: number; securityProtocol: 'SASL_SSL' };
  kafkaA: KafkaClusterInfo;
  kafkaB: KafkaClusterInfo;
  connect: ConnectInfo;
  /** path of the stack.json this was read from */
  stackJson: string;
}

export interface StackOptions {
  /** default: $KAFKA_VERSION, else stack.sh's default (4.1.1) */
  kafkaVersion?: string;
  /** extra environment for stack.sh (ports, run dir, heaps; see tools/kafka/README.md) */
  env?: Record<string, string>;
  /** per stack.sh command; default 10 minutes (first fetch included) */
  timeoutMs?: number;
  /** receives stack.sh's progress lines (stderr); default: discarded */
  log?: (line: string) => void;
}

export class StackError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(message);
    this.name = 'StackError';
  }
}

/** tools/kafka/stack.sh; override with KAFKA_STACK_SCRIPT when this file is bundled elsewhere. */
export function stackScriptPath(): string {
  return process.env.KAFKA_STACK_SCRIPT ?? path.resolve(__dirname, '..', '..', 'tools', 'kafka', 'stack.sh');
}

function stackEnv(opts: StackOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (opts.kafkaVersion) env.KAFKA_VERSION = opts.kafkaVersion;
  return env;
}

const running = new Set<ChildProcess>();

/**
 * SIGTERMs every stack.sh this process is running (e.g. an `up` when the demo is stopped): stack.sh
 * stops the JVMs it started and exits, so a following `stopStack` needs no wait for its lock.
 */
export function terminateStackScripts(): void {
  for (const child of running) child.kill('SIGTERM');
}

/** Runs `stack.sh <args>`; resolves with stdout, rejects with a StackError carrying the output tail. */
export function runStackScript(args: string[], opts: StackOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const command = `stack.sh ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    // detached: its own process group, so a Ctrl-C at the terminal does not interrupt it half-way
    // (the caller stops it with terminateStackScripts(), which it traps and cleans up after)
    const child = spawn('bash', [stackScriptPath(), ...args], {
      env: stackEnv(opts),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!opts.log) return;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) opts.log(l);
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new StackError(`${command} timed out after ${timeoutMs} ms\n${tail(stderr)}`, command, null, stderr));
    }, timeoutMs);
    child.on('error', (err) => {
      running.delete(child);
      clearTimeout(timer);
      reject(new StackError(`${command} could not be started: ${err.message}`, command, null, ''));
    });
    child.on('close', (code) => {
      running.delete(child);
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new StackError(`${command} failed (exit ${code}):\n${tail(stderr)}`, command, code, stderr));
    });
  });
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

const userSchema = {
  type: 'object',
  required: ['username', 'password'],
  properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1 } },
};
const clusterSchema = {
  type: 'object',
  required: ['name', 'bootstrapServers', 'tlsBootstrapServers', 'clusterId', 'admin', 'mm2', 'pid', 'log'],
  properties: {
    bootstrapServers: { type: 'string', pattern: '^127\\.0\\.0\\.1:[0-9]+$' },
    tlsBootstrapServers: { type: 'string', pattern: '^127\\.0\\.0\\.1:[0-9]+$' },
    admin: userSchema,
    mm2: userSchema,
    pid: { type: ['integer', 'null'] },
  },
};
const stackSchema = {
  type: 'object',
  required: ['schema', 'kafkaVersion', 'runDir', 'tls', 'kafkaA', 'kafkaB', 'connect'],
  properties: {
    schema: { const: 1 },
    kafkaVersion: { type: 'string' },
    tls: {
      type: 'object',
      required: ['caFile', 'generation'],
      properties: { caFile: { type: 'string', minLength: 1 }, generation: { type: 'integer', minimum: 1 } },
    },
    kafkaA: clusterSchema,
    kafkaB: clusterSchema,
    connect: {
      type: 'object',
      required: ['url', 'httpsUrl', 'username', 'password', 'pid', 'log'],
      properties: {
        url: { type: 'string', pattern: '^http://127\\.0\\.0\\.1:[0-9]+$' },
        httpsUrl: { type: 'string', pattern: '^https://127\\.0\\.0\\.1:[0-9]+$' },
        username: { type: 'string', minLength: 1 },
        password: { type: 'string', minLength: 1 },
        pid: { type: ['integer', 'null'] },
        workers: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['name', 'url', 'httpsUrl', 'pid', 'log'],
            properties: { url: { type: 'string', pattern: '^http://127\\.0\\.0\\.1:[0-9]+$' }, pid: { type: ['integer', 'null'] } },
          },
        },
      },
    },
  },
};
const validateStack = new Ajv({ allErrors: true }).compile(stackSchema);

/** Path of stack.json for these options (it exists only while the stack is up). */
export async function stackJsonPath(opts: StackOptions = {}): Promise<string> {
  return (await runStackScript(['info'], opts)).trim();
}

export async function readStackInfo(opts: StackOptions = {}): Promise<StackInfo> {
  const file = await stackJsonPath(opts);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StackError(`cannot read ${file} (is the stack up?): ${(err as Error).message}`, 'read stack.json', null, '');
  }
  if (!validateStack(parsed)) {
    const why = (validateStack.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new StackError(`${file} is not a valid stack.json: ${why}`, 'read stack.json', null, '');
  }
  return { ...(parsed as Omit<StackInfo, 'stackJson'>), stackJson: file };
}

/** `stack.sh fetch` then `stack.sh up` (a no-op when already up); returns the parsed stack.json. */
export async function startStack(opts: StackOptions = {}): Promise<StackInfo> {
  await runStackScript(['fetch'], opts);
  await runStackScript(['up'], opts);
  return readStackInfo(opts);
}

/** `stack.sh down`: stops all three processes by pid and wipes the clusters' data. */
export async function stopStack(opts: StackOptions = {}): Promise<void> {
  await runStackScript(['down'], opts);
}

/** SIGKILLs the Connect worker (crash simulation); the brokers keep running. */
export async function killConnect(opts: StackOptions = {}): Promise<StackInfo> {
  await runStackScript(['kill-connect'], opts);
  return readStackInfo(opts);
}

/** `stack.sh reset-connect`: Connect restarted with empty internal topics (no connectors at all). */
export async function resetConnect(opts: StackOptions = {}): Promise<StackInfo> {
  await runStackScript(['reset-connect'], opts);
  return readStackInfo(opts);
}

/** SIGKILLs worker `n` (1-based) of a Connect cluster; the other workers take over its tasks. */
export async function killConnectWorker(n: number, opts: StackOptions = {}): Promise<StackInfo> {
  await runStackScript(['kill-worker', String(n)], opts);
  return readStackInfo(opts);
}

/** Stops worker `n` (TERM: it leaves the group cleanly). */
export async function stopConnectWorker(n: number, opts: StackOptions = {}): Promise<StackInfo> {
  await runStackScript(['stop-worker', String(n)], opts);
  return readStackInfo(opts);
}

/** Starts worker `n` again (it rejoins the group), waiting for its readiness. */
export async function startConnectWorker(n: number, opts: StackOptions = {}): Promise<StackInfo> {
  await runStackScript(['start-worker', String(n)], opts);
  return readStackInfo(opts);
}

/** Stops (TERM) and starts the Connect worker, waiting for /health and the Mirror plugins. */
export async function restartConnect(opts: StackOptions = {}): Promise<StackInfo> {
  await runStackScript(['restart-connect'], opts);
  return readStackInfo(opts);
}

/**
 * `stack.sh rotate-ca`: a new CA and server certificate; the brokers switch their SASL_SSL keystore
 * live, Connect restarts for https. Clients trusting only the old CA fail from then on.
 */
export async function rotateCa(opts: StackOptions = {}): Promise<StackInfo> {
  await runStackScript(['rotate-ca'], opts);
  return readStackInfo(opts);
}

/**
 * Sets `user`'s SCRAM-SHA-512 password on `cluster` (a credential rotation, through the cluster's
 * admin user; tools/kafka/ScramPassword.java). The password goes over stdin, never argv. The
 * stack's stack.json keeps the password it started with: callers restore it when done.
 */
export function setScramPassword(info: StackInfo, cluster: KafkaClusterInfo, user: string, password: string): void {
  execFileSync(
    'java',
    [
      '-cp',
      path.join(info.libsDir, '*'),
      path.join(path.dirname(info.stackScript), 'ScramPassword.java'),
      cluster.adminClientConfig,
      cluster.bootstrapServers,
      user,
    ],
    { input: `${password}\n`, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 },
  );
}

/** The current CA certificate (PEM) of the stack's TLS listeners. */
export function stackCaPem(info: StackInfo): string {
  return readFileSync(info.tls.caFile, 'utf8');
}

/** Basic-auth header value for the Connect REST API. */
export function connectAuthHeader(info: StackInfo): string {
  return 'Basic ' + Buffer.from(`${info.connect.username}:${info.connect.password}`).toString('base64');
}
