/**
 * A small scripted fake of the hook tools for lib/ops unit tests (not lib/sim): just enough of
 * Juju's argv/JSON behaviour to drive the framework, plus a transcript of every call.
 */
import * as fs from 'fs';
import type { ToolResult, ToolRunner } from '../../../lib/ops/tool-runner';
import { CharmMeta, parseCharmMeta } from '../../../lib/ops/meta';

export interface Call {
  tool: string;
  args: string[];
  stdin?: string;
}

export interface FakeRelation {
  id: number;
  endpoint: string;
  remoteApp: string;
  units: string[];
  /** bag owner (unit or app name) → data */
  bags: Record<string, Record<string, string>>;
}

export interface FakeSecret {
  id: string;
  label?: string;
  owner: 'application' | 'unit';
  revisions: Record<string, string>[];
}

type Override = (args: string[], stdin?: string) => ToolResult | undefined;

export const ok = (stdout = ''): ToolResult => ({ code: 0, stdout, stderr: '' });
export const fail = (stderr: string, code = 1): ToolResult => ({ code, stdout: '', stderr });

export class FakeJuju implements ToolRunner {
  calls: Call[] = [];
  config: Record<string, unknown> = {};
  leader = true;
  relations: FakeRelation[] = [];
  state: Record<string, string> = {};
  secrets: FakeSecret[] = [];
  statusLog: { app: boolean; status: string; message: string }[] = [];
  logs: { level: string; message: string }[] = [];
  actionParams: Record<string, unknown> = {};
  actionResults: Record<string, string> = {};
  actionFailed: string | null = null;
  actionLogs: string[] = [];
  ports: string[] = [];
  workloadVersion: string | null = null;
  /** Secret files as they were when a secret tool ran (the backend deletes them afterwards). */
  secretFileContents: Record<string, string> = {};
  overrides = new Map<string, Override>();
  private nextSecret = 1;

  constructor(readonly unitName = 'app/0') {}

  get appName(): string {
    return this.unitName.split('/')[0];
  }

  on(tool: string, fn: Override): this {
    this.overrides.set(tool, fn);
    return this;
  }

  callsOf(tool: string): Call[] {
    return this.calls.filter((c) => c.tool === tool);
  }

  relation(id: number): FakeRelation {
    const r = this.relations.find((x) => x.id === id);
    if (!r) throw new Error(`no relation ${id}`);
    return r;
  }

  run(tool: string, argsIn: readonly string[], stdin?: string): ToolResult {
    const args = [...argsIn];
    this.calls.push(stdin === undefined ? { tool, args } : { tool, args, stdin });
    const o = this.overrides.get(tool)?.(args, stdin);
    if (o) return o;
    const json = (v: unknown) => ok(JSON.stringify(v));
    const positional = args.filter((a) => a !== '--format=json' && a !== '--');
    const relFlag = () => {
      const i = args.indexOf('-r');
      const i2 = args.indexOf('--relation');
      const v = i >= 0 ? args[i + 1] : i2 >= 0 ? args[i2 + 1] : undefined;
      if (v === undefined) return undefined;
      const id = Number(v.slice(v.lastIndexOf(':') + 1));
      return this.relations.find((r) => r.id === id);
    };
    switch (tool) {
      case 'config-get':
        return json(this.config);
      case 'is-leader':
        return json(this.leader);
      case 'relation-ids':
        return json(this.relations.filter((r) => r.endpoint === positional[0]).map((r) => `${r.endpoint}:${r.id}`));
      case 'relation-list': {
        const r = relFlag();
        if (!r) return fail('ERROR relation not found', 2);
        return args.includes('--app') ? json(r.remoteApp) : json(r.units);
      }
      case 'relation-get': {
        const r = relFlag();
        if (!r) return fail('ERROR invalid value "x" for flag -r: relation not found', 2);
        const owner = args[args.length - 2];
        return json(r.bags[owner] ?? {});
      }
      case 'relation-set': {
        const r = relFlag();
        if (!r) return fail('ERROR relation not found', 2);
        const owner = args.includes('--app') ? this.appName : this.unitName;
        if (args.includes('--app') && !this.leader) return fail('ERROR cannot write relation settings');
        const data = JSON.parse(stdin ?? '{}') as Record<string, string>;
        const bag = (r.bags[owner] ??= {});
        for (const [k, v] of Object.entries(data)) {
          if (v === '') delete bag[k];
          else bag[k] = v;
        }
        return ok();
      }
      case 'status-set': {
        const rest = args.filter((a) => a !== '--application' && a !== '--');
        this.statusLog.push({ app: args.includes('--application'), status: rest[0], message: rest[1] ?? '' });
        return ok();
      }
      case 'status-get':
        return json({ status: 'active', message: 'fine' });
      case 'juju-log': {
        const level = args[args.indexOf('--log-level') + 1];
        this.logs.push({ level, message: args.slice(args.indexOf('--') + 1).join(' ') });
        return ok();
      }
      case 'state-get':
        return json(Object.keys(this.state).length ? this.state : null);
      case 'state-set': {
        Object.assign(this.state, JSON.parse(stdin ?? '{}') as Record<string, string>);
        return ok();
      }
      case 'state-delete':
        delete this.state[positional[positional.length - 1]];
        return ok();
      case 'action-get':
        return json(this.actionParams);
      case 'action-set':
        for (const a of args) {
          const i = a.indexOf('=');
          this.actionResults[a.slice(0, i)] = a.slice(i + 1);
        }
        return ok();
      case 'action-fail':
        this.actionFailed = positional[0] ?? '';
        return ok();
      case 'action-log':
        this.actionLogs.push(positional.join(' '));
        return ok();
      case 'application-version-set':
        this.workloadVersion = positional[0];
        return ok();
      case 'open-port':
        if (!this.ports.includes(positional[0])) this.ports.push(positional[0]);
        return ok();
      case 'close-port':
        this.ports = this.ports.filter((p) => p !== positional[0]);
        return ok();
      case 'opened-ports':
        return json(this.ports);
      case 'secret-add': {
        const content = this.readSecretArgs(args);
        const id = `secret:s${this.nextSecret++}`;
        const li = args.indexOf('--label');
        const owner = args[args.indexOf('--owner') + 1] === 'unit' ? 'unit' : 'application';
        this.secrets.push({ id, label: li >= 0 ? args[li + 1] : undefined, owner, revisions: [content] });
        return ok(`${id}\n`);
      }
      case 'secret-get':
      case 'secret-info-get': {
        const li = args.indexOf('--label');
        const label = li >= 0 ? args[li + 1] : undefined;
        const id = args.find((a) => a.startsWith('secret:'));
        const s = this.secrets.find((x) => (id ? x.id === id : x.label === label));
        if (!s) return fail(`ERROR secret "${id ?? label}" not found`);
        if (tool === 'secret-info-get') {
          return json({ [s.id]: { revision: s.revisions.length, label: s.label, owner: s.owner } });
        }
        return json(s.revisions[s.revisions.length - 1]);
      }
      case 'secret-set': {
        const s = this.secrets.find((x) => x.id === args[0]);
        if (!s) return fail(`ERROR secret "${args[0]}" not found`);
        const content = this.readSecretArgs(args);
        if (Object.keys(content).length > 0) s.revisions.push(content);
        const li = args.indexOf('--label');
        if (li >= 0) s.label = args[li + 1];
        return ok();
      }
      case 'secret-grant':
      case 'secret-revoke':
      case 'secret-remove':
        return ok();
      default:
        return fail(`ERROR unknown tool ${tool}`);
    }
  }

  private readSecretArgs(args: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const a of args) {
      const m = /^([a-z][a-z0-9-]*)#file=(.+)$/.exec(a);
      if (m) {
        const stat = fs.statSync(m[2]);
        this.secretFileContents[m[2]] = `${(stat.mode & 0o777).toString(8)}`;
        out[m[1]] = fs.readFileSync(m[2], 'utf8');
      }
    }
    return out;
  }
}

export function testMeta(): CharmMeta {
  return parseCharmMeta({
    metadata: {
      name: 'app',
      peers: { peer: { interface: 'peer' } },
      requires: { source: { interface: 'kafka_client' }, target: { interface: 'kafka_client' } },
      provides: { metrics: { interface: 'prometheus' } },
      storage: { data: { type: 'filesystem' } },
      containers: { workload: { resource: 'img' } },
    },
    config: {
      options: {
        topics: { type: 'string', default: '' },
        replicas: { type: 'int', default: 1 },
        ratio: { type: 'float' },
        enabled: { type: 'boolean', default: true },
        creds: { type: 'secret' },
      },
    },
    actions: {
      pause: { description: 'pause' },
      resize: {
        params: { count: { type: 'integer', minimum: 1 }, mode: { type: 'string', enum: ['fast', 'slow'], default: 'slow' } },
        required: ['count'],
      },
      loose: { params: { a: { type: 'string' } }, additionalProperties: true },
    },
  });
}

export function hookEnv(hook: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    JUJU_DISPATCH_PATH: `hooks/${hook}`,
    JUJU_HOOK_NAME: hook,
    JUJU_UNIT_NAME: 'app/0',
    JUJU_MODEL_NAME: 'dev',
    JUJU_MODEL_UUID: '00000000-0000-4000-8000-000000000000',
    JUJU_VERSION: '3.6.4',
    JUJU_CHARM_DIR: '/charm',
    ...extra,
  };
}

export function relationEnv(
  endpoint: string,
  kind: string,
  id: number,
  remoteApp: string,
  remoteUnit?: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return hookEnv(`${endpoint}-relation-${kind}`, {
    JUJU_RELATION: endpoint,
    JUJU_RELATION_ID: `${endpoint}:${id}`,
    JUJU_REMOTE_APP: remoteApp,
    ...(remoteUnit ? { JUJU_REMOTE_UNIT: remoteUnit } : {}),
    ...extra,
  });
}

export function actionEnv(name: string): Record<string, string> {
  const env = hookEnv('x', { JUJU_DISPATCH_PATH: `actions/${name}`, JUJU_ACTION_NAME: name, JUJU_ACTION_UUID: '7' });
  env.JUJU_HOOK_NAME = '';
  return env;
}

/** Collects a run's stdout/stderr. */
export class Output {
  out = '';
  err = '';
  stdout = (s: string): void => {
    this.out += s;
  };
  stderr = (s: string): void => {
    this.err += s;
  };
}
