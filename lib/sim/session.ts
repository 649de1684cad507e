/**
 * One hook (or action) execution against a JujuModel: the hook context.
 *
 * A session holds what Juju's uniter holds for one dispatch: the hook context (unit, hook/action,
 * relation, remote unit/app, secret…), the environment variables the charm process gets, and the
 * buffered changes (relation-set, state-set/delete, ports, secret writes). `runner` serves hook
 * tools over this context; `commit()` flushes the buffer into the model (Juju's CommitHookChanges,
 * which runs only when the process exited 0) and reports the events other units should now get;
 * `discard()` drops the buffer. Status, logs, action results and leader-set apply at once, as in Juju.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ToolResult, ToolRunner } from '../ops/tool-runner';
import { RunError, UsageError, type FlagSpec } from './flags';
import {
  appOfUnit,
  compareUnitNames,
  findRelation,
  latestRevision,
  leaderOf,
  parseSecretUri,
  relationEnds,
  requireUnit,
  secretUri,
  type ActionRun,
  type Bag,
  type JujuModel,
  type OpenedPort,
  type SimApplication,
  type SimRelation,
  type SimSecret,
  type SimUnit,
} from './model';
import { obsoleteRevisionEvents, type TriggeredEvent } from './events';

export type { TriggeredEvent } from './events';

export interface ToolOutput {
  readonly stdout: string;
  readonly stderr?: string;
}

/** One hook tool over a session: returns its output or throws UsageError (exit 2) / RunError (exit 1). */
export type ToolImpl = (session: HookSession, args: readonly string[], stdin: string | undefined) => ToolOutput;

/** The tools a session serves, by name (lib/sim/tools supplies Juju's set). */
export type ToolTable = Readonly<Record<string, ToolImpl>>;

export interface HookContextSpec {
  /** The unit the hook runs on, e.g. "app/0". */
  readonly unit: string;
  /** Hook name for hooks ("install", "source-relation-changed", "secret-changed"…). Omit for actions. */
  readonly hook?: string;
  readonly action?: { readonly name: string; readonly params?: Readonly<Record<string, unknown>> };
  readonly relationId?: number;
  readonly remoteUnit?: string;
  readonly remoteApp?: string;
  readonly departingUnit?: string;
  readonly secret?: { readonly id: string; readonly label?: string; readonly revision?: number };
  readonly charmDir?: string;
  /** Directory relative `--file`/`#file=` paths are resolved against (the charm process cwd). */
  readonly cwd?: string;
  /** Clock for status timestamps and log records. */
  readonly now?: () => Date;
  /** Reads `--file <path>` / `key#file=<path>` inputs; defaults to fs.readFileSync(path, 'utf8'). */
  readonly readFile?: (filePath: string) => string;
}

export interface ToolCallRecord {
  readonly tool: string;
  /** argv with secret content redacted. */
  readonly args: readonly string[];
  readonly code: number;
  /** stderr of a failed call (never contains secret content). */
  readonly error?: string;
}

export interface CommitEffects {
  readonly events: readonly TriggeredEvent[];
}

export interface ProcessOutcome {
  readonly exitCode: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** Buffered secret work for one secret touched in this hook. */
export interface PendingSecret {
  /** Working copy: metadata and grants as they will be after commit. */
  readonly secret: SimSecret;
  readonly created: boolean;
  /** Content of the revision this hook creates (several secret-set calls merge into one). */
  newContent?: Bag;
  removed: boolean;
  removedRevisions: number[];
}

export type SessionStatus = 'open' | 'committed' | 'discarded';

const RELATION_HOOK_RE = /^(.+)-relation-(created|joined|changed|departed|broken)$/;
const SECRET_HOOKS = new Set(['secret-changed', 'secret-rotate', 'secret-expired', 'secret-remove']);

export class HookSession {
  readonly model: JujuModel;
  readonly spec: HookContextSpec;
  readonly unit: SimUnit;
  readonly app: SimApplication;
  /** Leadership as at hook start (Juju guarantees a lease for the hook's duration). */
  readonly isLeader: boolean;
  readonly hookRelation: SimRelation | undefined;
  readonly relationHookKind: string | undefined;
  readonly actionRun: ActionRun | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly runner: ToolRunner;
  readonly transcript: ToolCallRecord[] = [];

  status: SessionStatus = 'open';

  // Buffered changes.
  readonly pendingUnitData = new Map<number, Bag>();
  readonly pendingAppData = new Map<number, Bag>();
  readonly pendingState = new Map<string, string | null>();
  readonly pendingPorts: { op: 'open' | 'close'; port: OpenedPort }[] = [];
  readonly pendingSecrets = new Map<string, PendingSecret>();
  /** Immediate changes whose follow-up events are reported by commit()/discard(). */
  readonly immediateEvents: TriggeredEvent[] = [];

  private readonly tools: ToolTable;

  constructor(model: JujuModel, spec: HookContextSpec, tools: ToolTable) {
    this.model = model;
    this.tools = tools;
    this.spec = spec;
    this.unit = requireUnit(model, spec.unit);
    this.app = model.applications[this.unit.app]!;
    this.isLeader = this.unit.leader;

    if ((spec.hook === undefined) === (spec.action === undefined)) {
      throw new Error('a hook context needs exactly one of "hook" or "action"');
    }
    if (spec.action) {
      if (!this.app.charm.actions[spec.action.name]) {
        throw new Error(`action "${spec.action.name}" is not defined by charm "${this.app.charm.name}"`);
      }
      const id = String(model.nextActionId++);
      const run: ActionRun = {
        id,
        unit: this.unit.name,
        name: spec.action.name,
        params: structuredClone({ ...spec.action.params }) as Record<string, unknown>,
        results: {},
        logs: [],
        status: 'running',
      };
      model.actions.push(run);
      this.actionRun = run;
    }

    const match = spec.hook ? RELATION_HOOK_RE.exec(spec.hook) : null;
    if (match && this.app.charm.endpoints[match[1]!]) {
      const endpoint = match[1]!;
      this.relationHookKind = match[2]!;
      if (spec.relationId === undefined) throw new Error(`hook "${spec.hook}" needs a relation id`);
      const relation = findRelation(model, spec.relationId);
      const ends = relation ? relationEnds(relation, this.app.name) : undefined;
      if (!relation || !ends || ends.local.endpoint !== endpoint) {
        throw new Error(`relation ${spec.relationId} is not a "${endpoint}" relation of application "${this.app.name}"`);
      }
      this.hookRelation = relation;
      const needsRemoteUnit = this.relationHookKind === 'joined' || this.relationHookKind === 'departed';
      if (needsRemoteUnit && !spec.remoteUnit) throw new Error(`hook "${spec.hook}" needs a remote unit`);
      if (this.relationHookKind === 'departed' && !spec.departingUnit) {
        throw new Error(`hook "${spec.hook}" needs a departing unit`);
      }
    } else if (spec.hook && SECRET_HOOKS.has(spec.hook)) {
      if (!spec.secret) throw new Error(`hook "${spec.hook}" needs a secret`);
      const id = parseSecretUri(spec.secret.id);
      if (!id || !model.secrets[id]) throw new Error(`secret "${spec.secret.id}" not found in the model`);
      if ((spec.hook === 'secret-remove' || spec.hook === 'secret-expired') && !spec.secret.revision) {
        throw new Error(`hook "${spec.hook}" needs a secret revision`);
      }
    }
    this.env = this.buildEnv(model.nextContextSeq++);
    this.runner = { run: (tool, args, stdin) => this.run(tool, args, stdin) };
  }

  // ---------------------------------------------------------------- environment

  private buildEnv(seq: number): Record<string, string> {
    const spec = this.spec;
    const unitTag = `unit-${this.unit.name.replace('/', '-')}`;
    const charmDir = spec.charmDir ?? `/var/lib/juju/agents/${unitTag}/charm`;
    const hookOrAction = spec.action ? spec.action.name : spec.hook!;
    const env: Record<string, string> = {
      JUJU_DISPATCH_PATH: spec.action ? `actions/${spec.action.name}` : `hooks/${spec.hook}`,
      JUJU_HOOK_NAME: spec.action ? '' : spec.hook!,
      JUJU_UNIT_NAME: this.unit.name,
      JUJU_MODEL_NAME: this.model.name,
      JUJU_MODEL_UUID: this.model.uuid,
      JUJU_CHARM_DIR: charmDir,
      CHARM_DIR: charmDir,
      JUJU_VERSION: this.model.jujuVersion,
      JUJU_CONTEXT_ID: `${this.unit.name}-${hookOrAction}-${seq}`,
      JUJU_API_ADDRESSES: '127.0.0.1:17070',
      JUJU_MACHINE_ID: this.unit.machine,
      JUJU_AVAILABILITY_ZONE: '',
      JUJU_PRINCIPAL_UNIT: '',
      JUJU_CHARM_HTTP_PROXY: '',
      JUJU_CHARM_HTTPS_PROXY: '',
      JUJU_CHARM_FTP_PROXY: '',
      JUJU_CHARM_NO_PROXY: '',
    };
    if (this.model.type === 'caas') {
      // A Kubernetes unit runs in a pod: no machine, no availability zone; the pod's service env instead.
      delete env['JUJU_MACHINE_ID'];
      delete env['JUJU_AVAILABILITY_ZONE'];
      env['KUBERNETES_SERVICE_HOST'] = '127.0.0.1';
      env['KUBERNETES_SERVICE_PORT'] = '443';
    }
    if (this.hookRelation) {
      const ends = relationEnds(this.hookRelation, this.app.name)!;
      env['JUJU_RELATION'] = ends.local.endpoint;
      env['JUJU_RELATION_ID'] = `${ends.local.endpoint}:${this.hookRelation.id}`;
      env['JUJU_REMOTE_UNIT'] = this.remoteUnitName() ?? '';
      env['JUJU_REMOTE_APP'] = this.remoteAppName() ?? '';
      if (spec.departingUnit) env['JUJU_DEPARTING_UNIT'] = spec.departingUnit;
    }
    if (this.actionRun) {
      env['JUJU_ACTION_NAME'] = this.actionRun.name;
      env['JUJU_ACTION_UUID'] = this.actionRun.id;
      env['JUJU_ACTION_TAG'] = `action-${this.actionRun.id}`;
    }
    if (spec.secret && spec.hook && SECRET_HOOKS.has(spec.hook)) {
      const id = parseSecretUri(spec.secret.id)!;
      const secret = this.model.secrets[id]!;
      const label = spec.secret.label ?? (spec.hook === 'secret-changed' ? secret.consumers[this.unit.name]?.label : secret.label) ?? '';
      env['JUJU_SECRET_ID'] = secretUri(id);
      env['JUJU_SECRET_LABEL'] = label;
      if (spec.secret.revision && spec.secret.revision > 0) env['JUJU_SECRET_REVISION'] = String(spec.secret.revision);
    }
    return env;
  }

  // ---------------------------------------------------------------- context helpers for tools

  now(): Date {
    return this.spec.now ? this.spec.now() : new Date();
  }

  nowIso(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  /** Name used in log records: the hook or action name. */
  contextName(): string {
    return this.spec.action ? this.spec.action.name : this.spec.hook!;
  }

  remoteUnitName(): string | undefined {
    if (!this.hookRelation) return undefined;
    return this.spec.remoteUnit || undefined;
  }

  remoteAppName(): string | undefined {
    if (!this.hookRelation) return undefined;
    if (this.spec.remoteApp) return this.spec.remoteApp;
    if (this.spec.remoteUnit) return appOfUnit(this.spec.remoteUnit);
    return relationEnds(this.hookRelation, this.app.name)!.remote.app;
  }

  /** Relations this unit can see: its application is an end (dying ones included). */
  visibleRelation(id: number): SimRelation | undefined {
    const relation = findRelation(this.model, id);
    return relation && relationEnds(relation, this.app.name) && this.inContext(relation) ? relation : undefined;
  }

  /**
   * Once a unit's relation-broken hook has run, the uniter drops the relation from that unit's
   * context: later hooks there no longer see it (relation-ids, -r), even while other units still
   * have hooks to run for it.
   */
  private inContext(relation: SimRelation): boolean {
    return !relation.brokenUnits?.includes(this.unit.name);
  }

  visibleRelations(): SimRelation[] {
    return this.model.relations
      .filter((r) => relationEnds(r, this.app.name) !== undefined && this.inContext(r))
      .sort((a, b) => a.id - b.id);
  }

  /** The `-r/--relation` flag: parses `N` or `endpoint:N` and checks the relation exists. */
  relationFlag(): FlagSpec {
    return {
      names: ['r', 'relation'],
      kind: 'value',
      set: (value: string) => {
        const idText = value.slice(value.lastIndexOf(':') + 1);
        if (!/^-?\d+$/.test(idText)) throw new Error('invalid relation id');
        const relation = this.visibleRelation(Number(idText));
        if (!relation) throw new Error('relation not found');
        return relation;
      },
    };
  }

  /** The relation from `-r`, or the hook's relation; `no relation id specified` otherwise. */
  relationFromFlag(flag: unknown): SimRelation {
    const relation = (flag as SimRelation | undefined) ?? this.hookRelation;
    if (!relation) throw new UsageError('no relation id specified');
    return relation;
  }

  remoteEnd(relation: SimRelation): { app: string; endpoint: string } {
    return relationEnds(relation, this.app.name)!.remote;
  }

  localEnd(relation: SimRelation): { app: string; endpoint: string } {
    return relationEnds(relation, this.app.name)!.local;
  }

  /** Remote units in scope, as relation-list shows them (the departing unit is already gone). */
  relationUnits(relation: SimRelation): string[] {
    const remoteApp = this.remoteEnd(relation).app;
    const departing = this.hookRelation === relation && this.relationHookKind === 'departed' ? this.spec.departingUnit : undefined;
    return relation.scope.filter((u) => appOfUnit(u) === remoteApp && u !== this.unit.name && u !== departing).sort(compareUnitNames);
  }

  /** This unit's bag including writes made earlier in this hook. */
  ownUnitBag(relation: SimRelation): Bag {
    return overlay(relation.unitData[this.unit.name] ?? {}, this.pendingUnitData.get(relation.id));
  }

  /** This app's bag including this hook's writes (meaningful for the leader). */
  ownAppBag(relation: SimRelation): Bag {
    return overlay(relation.appData[this.app.name] ?? {}, this.pendingAppData.get(relation.id));
  }

  readFile(filePath: string): string {
    const resolved = path.resolve(this.spec.cwd ?? process.cwd(), filePath);
    try {
      return this.spec.readFile ? this.spec.readFile(resolved) : fs.readFileSync(resolved, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
      throw new RunError(`open ${filePath}: ${reason}`);
    }
  }

  requireAction(): ActionRun {
    if (!this.actionRun) throw new RunError('not running an action');
    return this.actionRun;
  }

  /** The unit that acts for the owner of `secret` (the leader for application-owned secrets). */
  secretOwnerUnit(secret: SimSecret): string | undefined {
    return secret.owner.kind === 'unit' ? secret.owner.unit : leaderOf(this.model, secret.owner.app)?.name;
  }

  isSecretOwner(secret: SimSecret): boolean {
    return secret.owner.kind === 'application' ? secret.owner.app === this.app.name : secret.owner.unit === this.unit.name;
  }

  /** The secret as this hook sees it: the working copy for secrets touched by this hook. */
  secretView(id: string): SimSecret | undefined {
    const pending = this.pendingSecrets.get(id);
    if (pending) return pending.removed ? undefined : pending.secret;
    return this.model.secrets[id];
  }

  /** The working copy of an owned secret, created on first change. */
  pendingSecret(id: string): PendingSecret {
    let pending = this.pendingSecrets.get(id);
    if (!pending) {
      const committed = this.model.secrets[id];
      if (!committed) throw new RunError(`secret "${secretUri(id)}" not found`);
      pending = { secret: structuredClone(committed), created: false, removed: false, removedRevisions: [] };
      this.pendingSecrets.set(id, pending);
    }
    return pending;
  }

  /** Find a secret by label as this unit sees labels (owner label for owned secrets, else consumer label). */
  secretByLabel(label: string): SimSecret | undefined {
    const ids = new Set([...Object.keys(this.model.secrets), ...this.pendingSecrets.keys()]);
    for (const id of ids) {
      const secret = this.secretView(id);
      if (!secret) continue;
      if (this.isSecretOwner(secret) ? secret.label === label : secret.consumers[this.unit.name]?.label === label) return secret;
    }
    return undefined;
  }

  /** May this unit read `secret` as a consumer (granted to its app or to the unit)? */
  canReadAsConsumer(secret: SimSecret): boolean {
    return secret.grants.some(
      (g) => (g.kind === 'application' && g.target === this.app.name) || (g.kind === 'unit' && g.target === this.unit.name),
    );
  }

  /** Leadership check for managing an application-owned secret. */
  checkCanManage(secret: SimSecret): void {
    if (!this.isSecretOwner(secret)) throw new RunError('permission denied');
    if (secret.owner.kind === 'application' && !this.isLeader) throw new RunError('this unit is not the leader');
  }

  // ---------------------------------------------------------------- running tools

  run(tool: string, args: readonly string[], stdin?: string): ToolResult {
    let result: ToolResult;
    if (this.status !== 'open') {
      result = { code: 1, stdout: '', stderr: `ERROR hook context is closed (${this.status})\n` };
    } else {
      const impl = Object.hasOwn(this.tools, tool) ? this.tools[tool] : undefined;
      if (!impl) {
        result = { code: 1, stdout: '', stderr: `ERROR bad request: unknown command "${tool}"\n` };
      } else {
        try {
          const out = impl(this, args, stdin);
          result = { code: 0, stdout: out.stdout, stderr: out.stderr ?? '' };
        } catch (err) {
          if (err instanceof UsageError) result = { code: 2, stdout: '', stderr: `ERROR ${err.message}\n` };
          else if (err instanceof RunError) result = { code: 1, stdout: '', stderr: `ERROR ${err.message}\n` };
          else throw err;
        }
      }
    }
    const record: ToolCallRecord = { tool, args: redactArgs(tool, args), code: result.code };
    this.transcript.push(result.code === 0 ? record : { ...record, error: result.stderr.trimEnd() });
    return result;
  }

  // ---------------------------------------------------------------- commit / discard

  /** Flush buffered changes into the model (the hook exited 0) and report follow-up events. */
  commit(outcome: ProcessOutcome = { exitCode: 0 }): CommitEffects {
    this.assertOpen();
    const events: TriggeredEvent[] = [...this.immediateEvents];
    if (this.relationHookKind === 'broken' && this.hookRelation) {
      const broken = (this.hookRelation.brokenUnits ??= []);
      if (!broken.includes(this.unit.name)) broken.push(this.unit.name);
    }
    for (const [relationId, changes] of this.pendingUnitData) {
      const relation = findRelation(this.model, relationId);
      if (!relation) continue;
      const before = relation.unitData[this.unit.name] ?? {};
      const after = overlay(before, changes);
      relation.unitData[this.unit.name] = after;
      if (!sameBag(before, after)) events.push(...this.relationChangedEvents(relation, this.unit.name));
    }
    for (const [relationId, changes] of this.pendingAppData) {
      const relation = findRelation(this.model, relationId);
      if (!relation) continue;
      const before = relation.appData[this.app.name] ?? {};
      const after = overlay(before, changes);
      relation.appData[this.app.name] = after;
      if (!sameBag(before, after)) events.push(...this.relationChangedEvents(relation, undefined));
    }
    for (const [key, value] of this.pendingState) {
      if (value === null) delete this.unit.state[key];
      else this.unit.state[key] = value;
    }
    for (const { op, port } of this.pendingPorts) applyPortChange(this.unit, op, port);
    events.push(...this.commitSecrets());
    this.finishAction(outcome);
    this.status = 'committed';
    return { events };
  }

  /** Drop buffered changes (the hook failed); immediate changes stay, as in Juju. */
  discard(outcome: ProcessOutcome = { exitCode: 1 }): CommitEffects {
    this.assertOpen();
    this.finishAction(outcome);
    this.status = 'discarded';
    return { events: [...this.immediateEvents] };
  }

  private assertOpen(): void {
    if (this.status !== 'open') throw new Error(`hook session already ${this.status}`);
  }

  private finishAction(outcome: ProcessOutcome): void {
    const run = this.actionRun;
    if (!run) return;
    run.returnCode = outcome.exitCode;
    if (outcome.stdout) run.stdout = outcome.stdout;
    if (outcome.stderr) run.stderr = outcome.stderr;
    if (outcome.exitCode !== 0 && run.failMessage === undefined) run.failMessage = `exit status ${outcome.exitCode}`;
    run.status = run.failMessage !== undefined ? 'failed' : 'completed';
  }

  /** relation-changed on every unit that sees this unit's (or app's, when writer is undefined) bag. */
  private relationChangedEvents(relation: SimRelation, writer: string | undefined): TriggeredEvent[] {
    const ends = relationEnds(relation, this.app.name)!;
    const recipients = relation.scope.filter((u) => appOfUnit(u) === ends.remote.app && u !== this.unit.name);
    return recipients.sort(compareUnitNames).map((unit) => ({
      unit,
      hook: `${ends.remote.endpoint}-relation-changed`,
      relationId: relation.id,
      remoteApp: this.app.name,
      ...(writer ? { remoteUnit: writer } : {}),
    }));
  }

  private commitSecrets(): TriggeredEvent[] {
    const events: TriggeredEvent[] = [];
    for (const [id, pending] of this.pendingSecrets) {
      if (pending.removed) {
        delete this.model.secrets[id];
        continue;
      }
      const secret = pending.secret;
      if (pending.newContent) {
        if (pending.created) {
          secret.revisions[0]!.content = pending.newContent;
        } else {
          const next = latestRevision(secret).revision + 1;
          secret.revisions.push({ revision: next, content: pending.newContent, createTime: this.nowIso() });
          for (const [consumer, tracking] of Object.entries(secret.consumers).sort(([a], [b]) => compareUnitNames(a, b))) {
            if (tracking.revision < next) {
              events.push({
                unit: consumer,
                hook: 'secret-changed',
                secretId: secretUri(id),
                ...(tracking.label !== undefined ? { secretLabel: tracking.label } : {}),
              });
            }
          }
        }
      }
      secret.revisions = secret.revisions.filter((r) => !pending.removedRevisions.includes(r.revision));
      if (secret.revisions.length === 0) {
        delete this.model.secrets[id];
        continue;
      }
      this.model.secrets[id] = secret;
      events.push(...obsoleteRevisionEvents(this.model, secret));
    }
    return events;
  }
}

function overlay(base: Bag, changes: Bag | undefined): Bag {
  const out: Bag = { ...base };
  if (changes) {
    for (const [k, v] of Object.entries(changes)) {
      if (v === '') delete out[k];
      else out[k] = v;
    }
  }
  return out;
}

function sameBag(a: Bag, b: Bag): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

function samePorts(a: OpenedPort, b: OpenedPort): boolean {
  return a.protocol === b.protocol && a.from === b.from && a.to === b.to;
}

function applyPortChange(unit: SimUnit, op: 'open' | 'close', port: OpenedPort): void {
  const existing = unit.openedPorts.find((p) => samePorts(p, port));
  if (op === 'open') {
    if (!existing) unit.openedPorts.push({ ...port, endpoints: [...port.endpoints] });
    else if (existing.endpoints.length > 0 && port.endpoints.length > 0)
      existing.endpoints = [...new Set([...existing.endpoints, ...port.endpoints])].sort();
    else existing.endpoints = [];
    return;
  }
  if (!existing) return;
  if (port.endpoints.length === 0 || existing.endpoints.length === 0) {
    unit.openedPorts = unit.openedPorts.filter((p) => p !== existing);
  } else {
    existing.endpoints = existing.endpoints.filter((e) => !port.endpoints.includes(e));
    if (existing.endpoints.length === 0) unit.openedPorts = unit.openedPorts.filter((p) => p !== existing);
  }
}

const SECRET_CONTENT_TOOLS = new Set(['secret-add', 'secret-set']);
/** Tools whose `key=value` arguments may carry credentials under a tell-tale key. */
const KEY_VALUE_TOOLS = new Set(['relation-set', 'state-set', 'leader-set', 'action-set']);
const SENSITIVE_KEY_RE = /pass|secret|token|cred|jaas|private/i;

/**
 * Secret content never reaches the transcript: every `key=value` / `key#base64=value` of
 * secret-add/-set, and values under credential-looking keys of relation-set, state-set,
 * leader-set and action-set, become `<redacted>`.
 */
export function redactArgs(tool: string, args: readonly string[]): string[] {
  const all = SECRET_CONTENT_TOOLS.has(tool);
  if (!all && !KEY_VALUE_TOOLS.has(tool)) return [...args];
  return args.map((arg) => {
    if (arg.startsWith('-')) return arg;
    const eq = arg.indexOf('=');
    if (eq < 0) return arg;
    const key = arg.slice(0, eq);
    if (key.endsWith('#file')) return arg;
    if (!all && !SENSITIVE_KEY_RE.test(key)) return arg;
    return `${key}=<redacted>`;
  });
}
