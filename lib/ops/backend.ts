/**
 * The hook-tool backend: the ONLY module that calls hook tools (through a `ToolRunner`).
 *
 * Responsibilities:
 * - argv building as Juju's hook tools expect it: `--format=json`, `-r endpoint:id`, `--` before
 *   free text, `--file -` (stdin) for `relation-set`/`state-set`, secret content only via 0600
 *   temp files (`key#file=<path>`), never on argv;
 * - classifying failures into typed errors (errors.ts), with secret values redacted;
 * - a per-dispatch memo of read tools (config, leadership, relation ids/units/remote app,
 *   relation bags, secret content), because each call is a process and Juju serves them
 *   one at a time;
 * - counting calls, so the dispatch can log how many it made.
 *
 * Write coalescing (one relation-set per bag, one state-set) is decided by the model and the
 * framework; they call `relationSet`/`stateSet` once at the end of the dispatch.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  InvalidArgumentsError,
  ModelError,
  NotFoundError,
  NotLeaderError,
  PermissionError,
  RelationNotFoundError,
  SecretNotFoundError,
  ToolFailure,
  ToolOutputError,
} from './errors';
import { Redactor, secretContentValues } from './redact';
import type { ToolRunner } from './tool-runner';

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type SettableStatus = 'active' | 'blocked' | 'maintenance' | 'waiting';
export type RotatePolicy = 'never' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly';
export type SecretOwner = 'application' | 'unit';

export interface RelationRef {
  readonly endpoint: string;
  readonly id: number;
}

export interface SecretMetaOptions {
  readonly label?: string;
  readonly description?: string;
  /** A Date, an RFC3339 string or a Go duration such as "24h". */
  readonly expire?: Date | string;
  readonly rotate?: RotatePolicy;
}

export interface SecretAddOptions extends SecretMetaOptions {
  readonly owner?: SecretOwner;
}

export interface SecretInfo {
  readonly id: string;
  readonly label: string | null;
  readonly revision: number;
  readonly owner: string | null;
  readonly description: string | null;
  readonly expiry: string | null;
  readonly rotation: string | null;
  readonly rotates: string | null;
}

export interface StatusInfo {
  readonly status: string;
  readonly message: string;
}

export interface SecretLookup {
  readonly id?: string;
  readonly label?: string;
}

/**
 * Turn a failed tool run into the most specific typed error. A hook tool reports a failure only as
 * its exit code and an `ERROR …` line on stderr, so the text decides, as ops does.
 */
export function classifyToolFailure(failure: ToolFailure): ModelError {
  const { tool, stderr, exitCode } = failure;
  const s = stderr.toLowerCase();
  if (s.includes('relation not found') && (tool.startsWith('relation-') || tool.startsWith('network-'))) {
    return new RelationNotFoundError(failure);
  }
  if (tool.startsWith('secret-') && s.includes('not found')) return new SecretNotFoundError(failure);
  if (/not the leader|not leader|cannot write relation settings|cannot write leadership settings/.test(s)) {
    return new NotLeaderError(failure);
  }
  if (/permission denied|access denied|unauthori[sz]ed/.test(s)) return new PermissionError(failure);
  if (s.includes('not found')) return new NotFoundError(failure);
  if (exitCode === 2) return new InvalidArgumentsError(failure);
  return new ModelError(failure);
}

const relArg = (rel: RelationRef): string => `${rel.endpoint}:${rel.id}`;

function toExpire(e: Date | string): string {
  return e instanceof Date ? e.toISOString() : e;
}

const SECRET_DIR_PREFIX = 'tscharm-secret-';
/** A secret temp dir without a live owner pid is swept once it is this old (pids get reused). */
const SECRET_DIR_MAX_AGE_MS = 10 * 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes secret temp dirs (`tscharm-secret-<pid>-…`, see withSecretFiles) that a killed hook left
 * behind: this user's, real directories (never symlinks), whose creating process is gone — or, for
 * a dir whose pid cannot be read or may have been reused, older than 10 minutes. Best effort (a
 * dispatch never fails for it); returns the names removed.
 */
export function sweepStaleSecretDirs(tmpDir: string = os.tmpdir(), now: number = Date.now()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(tmpDir).filter((n) => n.startsWith(SECRET_DIR_PREFIX));
  } catch {
    return [];
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const removed: string[] = [];
  for (const name of names) {
    const dir = path.join(tmpDir, name);
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const pid = Number(/^tscharm-secret-(\d+)-/.exec(name)?.[1]);
      const ownerGone = Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid);
      if (!ownerGone && now - st.mtimeMs < SECRET_DIR_MAX_AGE_MS) continue;
      if (pid === process.pid) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // raced with its owner or not ours to touch: leave it
    }
  }
  return removed;
}

export class HookToolBackend {
  private calls = 0;
  private readonly memo = new Map<string, unknown>();

  constructor(
    private readonly runner: ToolRunner,
    readonly redactor: Redactor = new Redactor(),
  ) {}

  /** Number of hook-tool processes run so far in this dispatch. */
  get callCount(): number {
    return this.calls;
  }

  // ---- plumbing -------------------------------------------------------------------------

  private run(tool: string, args: readonly string[], stdin?: string): string {
    this.calls++;
    const res = stdin === undefined ? this.runner.run(tool, args) : this.runner.run(tool, args, stdin);
    if (res.code !== 0) {
      throw classifyToolFailure({
        tool,
        args: args.map((a) => this.redactor.redact(a)),
        exitCode: res.code,
        stderr: this.redactor.redact(res.stderr),
      });
    }
    return res.stdout;
  }

  private runJson(tool: string, args: readonly string[]): unknown {
    const out = this.run(tool, [...args, '--format=json']);
    if (out.trim() === '') return null;
    try {
      return JSON.parse(out) as unknown;
    } catch {
      throw new ToolOutputError(`${tool} ${args.join(' ')} printed output that is not JSON`);
    }
  }

  private memoised<T>(key: string, compute: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const v = compute();
    this.memo.set(key, v);
    return v;
  }

  private forget(prefix: string): void {
    for (const k of [...this.memo.keys()]) if (k.startsWith(prefix)) this.memo.delete(k);
  }

  /** Write secret content to 0600 files in a private temp dir; argv gets `key#file=<path>` only. */
  private withSecretFiles<T>(content: Readonly<Record<string, string>>, use: (args: string[]) => T): T {
    // The pid in the name lets the next dispatch sweep the dir if this process is killed here.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${SECRET_DIR_PREFIX}${process.pid}-`));
    try {
      fs.chmodSync(dir, 0o700);
      const args = Object.entries(content).map(([key, value], i) => {
        const file = path.join(dir, `v${i}`);
        fs.writeFileSync(file, value, { mode: 0o600 });
        return `${key}#file=${file}`;
      });
      return use(args);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  // ---- config, leadership ---------------------------------------------------------------

  configGet(): Readonly<Record<string, unknown>> {
    return this.memoised('config-get', () => {
      const v = this.runJson('config-get', []);
      if (v === null) return {};
      if (typeof v !== 'object' || Array.isArray(v)) throw new ToolOutputError('config-get did not print a JSON map');
      return v as Record<string, unknown>;
    });
  }

  isLeader(): boolean {
    return this.memoised('is-leader', () => {
      const v = this.runJson('is-leader', []);
      if (typeof v !== 'boolean') throw new ToolOutputError('is-leader did not print true or false');
      return v;
    });
  }

  // ---- relations ------------------------------------------------------------------------

  relationIds(endpoint: string): readonly number[] {
    return this.memoised(`relation-ids\0${endpoint}`, () => {
      const v = this.runJson('relation-ids', [endpoint]);
      if (v === null) return [];
      if (!Array.isArray(v)) throw new ToolOutputError('relation-ids did not print a JSON list');
      return v.map((s) => Number(String(s).slice(String(s).lastIndexOf(':') + 1)));
    });
  }

  relationList(rel: RelationRef): readonly string[] {
    return this.memoised(`relation-list\0${relArg(rel)}`, () => {
      const v = this.runJson('relation-list', ['-r', relArg(rel)]);
      if (v === null) return [];
      if (!Array.isArray(v)) throw new ToolOutputError('relation-list did not print a JSON list');
      return v.map(String);
    });
  }

  relationRemoteApp(rel: RelationRef): string | null {
    return this.memoised(`relation-list-app\0${relArg(rel)}`, () => {
      const v = this.runJson('relation-list', ['-r', relArg(rel), '--app']);
      return typeof v === 'string' && v !== '' ? v : null;
    });
  }

  /** All keys of one bag: a unit's (`isApp` false) or an application's (`isApp` true). */
  relationGet(rel: RelationRef, owner: string, isApp: boolean): Readonly<Record<string, string>> {
    const args = ['-r', relArg(rel), ...(isApp ? ['--app'] : []), '-', owner];
    return this.memoised(`relation-get\0${relArg(rel)}\0${isApp}\0${owner}`, () => {
      const v = this.runJson('relation-get', args);
      if (v === null) return {};
      if (typeof v !== 'object' || Array.isArray(v)) throw new ToolOutputError('relation-get did not print a JSON map');
      const out: Record<string, string> = {};
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = String(val);
      return out;
    });
  }

  /** One write for a whole bag; `''` deletes a key. Sent as JSON on stdin (`--file -`). */
  relationSet(rel: RelationRef, isApp: boolean, data: Readonly<Record<string, string>>): void {
    this.run('relation-set', ['-r', relArg(rel), ...(isApp ? ['--app'] : []), '--file', '-'], JSON.stringify(data));
    this.forget(`relation-get\0${relArg(rel)}\0${isApp}\0`);
  }

  // ---- status, version, ports -----------------------------------------------------------

  statusSet(status: SettableStatus, message: string, isApp: boolean): void {
    this.run('status-set', [...(isApp ? ['--application'] : []), status, '--', message]);
  }

  statusGet(isApp: boolean): StatusInfo {
    const v = this.runJson('status-get', ['--include-data', ...(isApp ? ['--application'] : [])]);
    const rec = (v ?? {}) as Record<string, unknown>;
    const inner = (isApp ? rec['application-status'] : rec) as Record<string, unknown> | undefined;
    return { status: String(inner?.status ?? 'unknown'), message: String(inner?.message ?? '') };
  }

  applicationVersionSet(version: string): void {
    this.run('application-version-set', ['--', version]);
  }

  openPort(spec: string): void {
    this.run('open-port', [spec]);
  }

  closePort(spec: string): void {
    this.run('close-port', [spec]);
  }

  openedPorts(): readonly string[] {
    const v = this.runJson('opened-ports', []);
    if (v === null) return [];
    if (!Array.isArray(v)) throw new ToolOutputError('opened-ports did not print a JSON list');
    return v.map(String);
  }

  // ---- logging --------------------------------------------------------------------------

  jujuLog(level: LogLevel, message: string): void {
    this.run('juju-log', ['--log-level', level, '--', this.redactor.redact(message)]);
  }

  // ---- actions --------------------------------------------------------------------------

  actionGet(): Readonly<Record<string, unknown>> {
    const v = this.runJson('action-get', []);
    if (v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new ToolOutputError('action-get did not print a JSON map');
    return v as Record<string, unknown>;
  }

  actionSet(flat: Readonly<Record<string, string>>): void {
    this.run(
      'action-set',
      Object.entries(flat).map(([k, v]) => `${k}=${v}`),
    );
  }

  actionFail(message: string): void {
    this.run('action-fail', ['--', this.redactor.redact(message)]);
  }

  actionLog(message: string): void {
    this.run('action-log', ['--', this.redactor.redact(message)]);
  }

  // ---- controller state -----------------------------------------------------------------

  stateGet(): Readonly<Record<string, string>> {
    const v = this.runJson('state-get', []);
    // state-get prints null when empty (juju/juju#22523).
    if (v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new ToolOutputError('state-get did not print a JSON map');
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = String(val);
    return out;
  }

  stateSet(data: Readonly<Record<string, string>>): void {
    this.run('state-set', ['--file', '-'], JSON.stringify(data));
  }

  stateDelete(key: string): void {
    this.run('state-delete', ['--', key]);
  }

  // ---- secrets --------------------------------------------------------------------------

  private secretSelector(lookup: SecretLookup): string[] {
    if (lookup.id) return lookup.label ? [lookup.id, '--label', lookup.label] : [lookup.id];
    if (lookup.label) return ['--label', lookup.label];
    throw new TypeError('a secret needs an id or a label');
  }

  secretGet(lookup: SecretLookup, mode: 'pinned' | 'peek' | 'refresh' = 'pinned'): Readonly<Record<string, string>> {
    const args = [...this.secretSelector(lookup), ...(mode === 'peek' ? ['--peek'] : mode === 'refresh' ? ['--refresh'] : [])];
    const fetch = (): Record<string, string> => {
      const v = this.runJson('secret-get', args);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        throw new ToolOutputError('secret-get did not print a JSON map');
      }
      const out: Record<string, string> = {};
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = String(val);
      this.redactor.add(...secretContentValues(out));
      return out;
    };
    if (mode === 'refresh') {
      // Refreshing moves the tracked revision: earlier pinned reads are stale now.
      this.forget('secret-get\0');
      const content = fetch();
      this.memo.set(`secret-get\0${this.secretSelector(lookup).join('\0')}\0pinned`, content);
      return content;
    }
    return this.memoised(`secret-get\0${this.secretSelector(lookup).join('\0')}\0${mode}`, fetch);
  }

  secretInfoGet(lookup: SecretLookup): SecretInfo {
    const args = lookup.id ? [lookup.id] : lookup.label ? ['--label', lookup.label] : [];
    if (args.length === 0) throw new TypeError('a secret needs an id or a label');
    return this.memoised(`secret-info-get\0${args.join('\0')}`, () => {
      const v = this.runJson('secret-info-get', args);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ToolOutputError('secret-info-get did not print a JSON map');
      const entries = Object.entries(v as Record<string, Record<string, unknown>>);
      if (entries.length !== 1) throw new ToolOutputError('secret-info-get did not print exactly one secret');
      const [id, info] = entries[0];
      const str = (x: unknown) => (x === undefined || x === null || x === '' ? null : String(x));
      return {
        id,
        label: str(info.label),
        revision: Number(info.revision ?? 0),
        owner: str(info.owner),
        description: str(info.description),
        expiry: str(info.expiry),
        rotation: str(info.rotation),
        rotates: str(info.rotates),
      };
    });
  }

  private metaArgs(opts: SecretMetaOptions): string[] {
    const args: string[] = [];
    if (opts.label !== undefined) args.push('--label', opts.label);
    if (opts.description !== undefined) args.push('--description', opts.description);
    if (opts.expire !== undefined) args.push('--expire', toExpire(opts.expire));
    if (opts.rotate !== undefined) args.push('--rotate', opts.rotate);
    return args;
  }

  /** Create a secret; returns its URI. Content goes through temp files, never argv. */
  secretAdd(content: Readonly<Record<string, string>>, opts: SecretAddOptions = {}): string {
    this.redactor.add(...secretContentValues(content));
    const flags = [...(opts.owner ? ['--owner', opts.owner] : []), ...this.metaArgs(opts)];
    const out = this.withSecretFiles(content, (kv) => this.run('secret-add', [...flags, ...kv]));
    const id = out.trim();
    if (!id.startsWith('secret:')) throw new ToolOutputError('secret-add did not print a secret URI');
    return id;
  }

  secretSet(id: string, content: Readonly<Record<string, string>> | null, opts: SecretMetaOptions = {}): void {
    if (content) this.redactor.add(...secretContentValues(content));
    const flags = this.metaArgs(opts);
    if (content) this.withSecretFiles(content, (kv) => this.run('secret-set', [id, ...flags, ...kv]));
    else this.run('secret-set', [id, ...flags]);
    this.forget('secret-get\0');
    this.forget('secret-info-get\0');
  }

  secretGrant(id: string, rel: RelationRef, unit?: string): void {
    this.run('secret-grant', [id, '--relation', relArg(rel), ...(unit ? ['--unit', unit] : [])]);
  }

  secretRevoke(id: string, rel: RelationRef, unit?: string): void {
    this.run('secret-revoke', [id, '--relation', relArg(rel), ...(unit ? ['--unit', unit] : [])]);
  }

  secretRemove(id: string, revision?: number): void {
    this.run('secret-remove', [id, ...(revision !== undefined ? ['--revision', String(revision)] : [])]);
    this.forget('secret-get\0');
    this.forget('secret-info-get\0');
  }

  secretIds(): readonly string[] {
    const v = this.runJson('secret-ids', []);
    if (v === null) return [];
    if (!Array.isArray(v)) throw new ToolOutputError('secret-ids did not print a JSON list');
    return v.map(String);
  }
}
