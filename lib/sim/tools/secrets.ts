/** Secret tools: `secret-add/-set/-get/-info-get/-ids/-grant/-revoke/-remove`. */
import { parse as parseYaml } from 'yaml';
import { checkEmpty, parseArgs, RunError, UsageError, type FlagSpec, type ParsedArgs } from '../flags';
import { goStruct } from '../format';
import {
  appOfUnit,
  latestRevision,
  newSecretId,
  parseSecretUri,
  secretUri,
  type Bag,
  type SecretRotatePolicy,
  type SimRelation,
  type SimSecret,
} from '../model';
import { obsoleteRevisionEvents } from '../events';
import type { HookSession } from '../session';
import { type ToolImpl, formatFlag, fmt, out, bool, value } from './shared';

const SECRET_KEY_RE = /^([a-z](?:-?[a-z0-9]){2,})$/;
const ROTATE_POLICIES: readonly SecretRotatePolicy[] = ['never', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'];
const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function parseExpire(text: string, now: Date): string {
  const invalid = () => new Error(`expire time or duration "${text}" not valid`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(text)) {
    const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`;
    const date = new Date(withZone);
    if (Number.isNaN(date.getTime())) throw invalid();
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const negative = text.startsWith('-');
  const body = negative || text.startsWith('+') ? text.slice(1) : text;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(body)) throw invalid();
  let ms = 0;
  for (const m of body.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  if (negative || ms <= 0) throw new Error(`negative expire duration "${text}" not valid`);
  return new Date(now.getTime() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function secretMetadataFlags(): FlagSpec[] {
  return [
    value('label'),
    value('description'),
    value('expire'),
    {
      names: ['rotate'],
      kind: 'value',
      set: (v: string) => {
        if (!(ROTATE_POLICIES as readonly string[]).includes(v)) throw new Error(`rotate policy "${v}" not valid`);
        return v;
      },
    },
    {
      names: ['owner'],
      kind: 'value',
      set: (v: string) => {
        if (v !== 'application' && v !== 'unit') throw new Error(`secret owner "${v}" not valid`);
        return v;
      },
    },
    value('file'),
  ];
}

/** Secret content from `key=value`, `key#base64=…`, `key#file=<path>` and `--file <yaml>`. */
function parseSecretContent(s: HookSession, args: readonly string[], file: string | undefined, stdin: string | undefined): Bag {
  const raw: [string, string][] = [];
  if (file !== undefined) {
    const text = file === '-' ? (stdin ?? '') : s.readFile(file);
    let data: unknown;
    try {
      data = parseYaml(text);
    } catch {
      throw new UsageError(`invalid YAML in secret file "${file}"`);
    }
    if (data !== null && data !== undefined) {
      if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`invalid YAML in secret file "${file}"`);
      for (const [k, v] of Object.entries(data as Record<string, unknown>)) raw.push([k, v === null ? '' : String(v)]);
    }
  }
  for (const arg of args) {
    // As Juju's secrets.CreateSecretData: base64 padding is stripped before looking for "=", so
    // "key=" (no value after the separator) is refused; "key#file=<empty file>" is an empty value.
    const eq = arg.replace(/=+$/, '').indexOf('=');
    if (eq <= 0) throw new UsageError(`key value "${arg}" not valid`);
    raw.push([arg.slice(0, eq), arg.slice(eq + 1)]);
  }
  const content: Bag = {};
  for (const [rawKey, rawValue] of raw) {
    let key = rawKey;
    let val = rawValue;
    if (key.endsWith('#base64')) {
      key = key.slice(0, -'#base64'.length);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(val)) throw new UsageError(`base64 value for key "${key}" not valid`);
      val = Buffer.from(val, 'base64').toString('utf8');
    } else if (key.endsWith('#file')) {
      key = key.slice(0, -'#file'.length);
      val = s.readFile(val);
    }
    if (!SECRET_KEY_RE.test(key)) throw new UsageError(`key "${key}" not valid`);
    content[key] = val;
  }
  return content;
}

interface SecretMetadataChange {
  label?: string;
  description?: string;
  expireTime?: string;
  rotatePolicy?: SecretRotatePolicy;
}

function metadataChange(s: HookSession, p: ParsedArgs): SecretMetadataChange {
  const change: SecretMetadataChange = {};
  const label = p.flags.get('label') as string | undefined;
  const description = p.flags.get('description') as string | undefined;
  const expire = p.flags.get('expire') as string | undefined;
  const rotate = p.flags.get('rotate') as SecretRotatePolicy | undefined;
  if (label !== undefined) change.label = label;
  if (description !== undefined) change.description = description;
  if (expire !== undefined) {
    try {
      change.expireTime = parseExpire(expire, s.now());
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (rotate !== undefined) change.rotatePolicy = rotate;
  return change;
}

function checkLabelFree(s: HookSession, label: string, self: string | undefined): void {
  const clash = s.secretByLabel(label);
  if (clash && clash.id !== self) throw new RunError(`secret with label "${label}" already exists`);
}

function parseSecretArg(text: string | undefined, missing: string): string {
  if (text === undefined) throw new UsageError(missing);
  const id = parseSecretUri(text);
  if (!id) throw new UsageError(`secret URI "${text}" not valid`);
  return id;
}

function lookupSecret(s: HookSession, id: string): SimSecret {
  const secret = s.secretView(id);
  if (!secret) throw new RunError(`secret "${secretUri(id)}" not found`);
  return secret;
}

export const secretAdd: ToolImpl = (s, args, stdin) => {
  const p = parseArgs(args, secretMetadataFlags());
  if (p.positional.length === 0 && p.flags.get('file') === undefined) throw new UsageError('missing secret value or filename');
  const content = parseSecretContent(s, p.positional, p.flags.get('file') as string | undefined, stdin);
  // Juju's secret-add Run refuses only a secret with no keys; empty values are content.
  if (Object.keys(content).length === 0) throw new RunError('empty secret value not valid');
  const change = metadataChange(s, p);
  const ownerKind = (p.flags.get('owner') as string | undefined) ?? 'application';
  if (ownerKind === 'application' && !s.isLeader) throw new RunError('this unit is not the leader');
  if (change.label !== undefined) checkLabelFree(s, change.label, undefined);
  const id = newSecretId(s.model);
  const secret: SimSecret = {
    id,
    owner: ownerKind === 'application' ? { kind: 'application', app: s.app.name } : { kind: 'unit', unit: s.unit.name },
    revisions: [{ revision: 1, content: {}, createTime: s.nowIso() }],
    grants: [],
    consumers: {},
    ...change,
  };
  s.pendingSecrets.set(id, { secret, created: true, newContent: content, removed: false, removedRevisions: [] });
  return { stdout: `${secretUri(id)}\n` };
};

export const secretSet: ToolImpl = (s, args, stdin) => {
  const p = parseArgs(args, secretMetadataFlags());
  const [uri, ...rest] = p.positional;
  const id = parseSecretArg(uri, 'missing secret URI');
  const content = parseSecretContent(s, rest, p.flags.get('file') as string | undefined, stdin);
  const change = metadataChange(s, p);
  if (Object.keys(content).length === 0 && Object.keys(change).length === 0 && !p.flags.has('owner')) {
    throw new UsageError('at least one attribute to update must be specified');
  }
  const secret = lookupSecret(s, id);
  s.checkCanManage(secret);
  if (change.label !== undefined) checkLabelFree(s, change.label, id);
  const pending = s.pendingSecret(id);
  Object.assign(pending.secret, change);
  if (Object.keys(content).length > 0) {
    const current = pending.newContent ?? latestRevision(pending.secret).content;
    if (pending.created || !sameContent(current, content) || pending.newContent) pending.newContent = content;
  }
  return { stdout: '' };
};

function sameContent(a: Bag, b: Bag): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export const secretGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('yaml', ['yaml', 'json']), value('label'), bool('peek'), bool('refresh')]);
  const positional = [...p.positional];
  const uriText = positional.shift();
  const id = uriText !== undefined ? parseSecretArg(uriText, '') : undefined;
  const label = p.flags.get('label') as string | undefined;
  if (id === undefined && label === undefined) throw new UsageError('require either a secret URI or label');
  let key = positional.shift();
  let asBase64 = false;
  if (key !== undefined && key.endsWith('#base64')) {
    key = key.slice(0, -'#base64'.length);
    asBase64 = true;
  }
  if (p.flags.get('peek') && p.flags.get('refresh')) throw new UsageError('specify one of --peek or --refresh but not both');
  checkEmpty(positional);

  let secret: SimSecret;
  if (id !== undefined) {
    secret = lookupSecret(s, id);
  } else {
    const found = s.secretByLabel(label!);
    if (!found) throw new RunError(`secret "${label}" not found`);
    secret = found;
  }

  let content: Bag;
  if (s.isSecretOwner(secret)) {
    if (id !== undefined && label !== undefined && secret.label !== label) {
      if (secret.owner.kind === 'application' && !s.isLeader) throw new RunError('this unit is not the leader');
      checkLabelFree(s, label, secret.id);
      s.pendingSecret(secret.id).secret.label = label;
    }
    content = s.pendingSecrets.get(secret.id)?.newContent ?? latestRevision(secret).content;
  } else {
    if (!s.canReadAsConsumer(secret)) throw new RunError('permission denied');
    // Consumer tracking and labels are recorded by the controller when the content is fetched.
    const committed = s.model.secrets[secret.id]!;
    const latest = latestRevision(committed);
    const tracking = committed.consumers[s.unit.name];
    if (id !== undefined && label !== undefined) {
      for (const other of Object.values(s.model.secrets)) {
        const c = other.consumers[s.unit.name];
        if (other.id !== committed.id && c?.label === label) throw new RunError(`secret with label "${label}" already exists`);
      }
    }
    let revision: number;
    if (p.flags.get('peek')) {
      revision = latest.revision;
      if (!tracking) committed.consumers[s.unit.name] = { revision: latest.revision };
    } else if (p.flags.get('refresh') || !tracking) {
      revision = latest.revision;
      committed.consumers[s.unit.name] = { ...tracking, revision: latest.revision };
      if (tracking && tracking.revision !== latest.revision) s.immediateEvents.push(...obsoleteRevisionEvents(s.model, committed));
    } else {
      revision = tracking.revision;
    }
    if (id !== undefined && label !== undefined) committed.consumers[s.unit.name]!.label = label;
    content = (committed.revisions.find((r) => r.revision === revision) ?? latest).content;
  }
  const encode = (v: string) => (asBase64 ? Buffer.from(v, 'utf8').toString('base64') : v);
  if (key !== undefined) {
    if (!(key in content)) throw new RunError(`secret key "${key}" not found`);
    return out(encode(content[key]!), fmt(p, 'yaml'));
  }
  return out(Object.fromEntries(Object.entries(content).map(([k, v]) => [k, v])), fmt(p, 'yaml'));
};

function accessList(s: HookSession, secret: SimSecret): unknown[] {
  return secret.grants.map((g) => {
    const relation = g.relationId !== undefined ? s.model.relations.find((r) => r.id === g.relationId) : undefined;
    const scope = relation
      ? `relation-${relation.ends.map((e) => `${e.app}.${e.endpoint}`).join('#')}`
      : g.kind === 'application'
        ? `application-${g.target}`
        : `unit-${g.target.replace('/', '-')}`;
    return goStruct({
      target: g.kind === 'application' ? `application-${g.target}` : `unit-${g.target.replace('/', '-')}`,
      scope,
      role: g.role,
    });
  });
}

export const secretInfoGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('yaml', ['yaml', 'json']), value('label')]);
  const [uriText, ...rest] = p.positional;
  const label = p.flags.get('label') as string | undefined;
  if (uriText === undefined && label === undefined) throw new UsageError('require either a secret URI or label');
  if (uriText !== undefined && label !== undefined) throw new UsageError('specify either a secret URI or label but not both');
  const id = uriText !== undefined ? parseSecretArg(uriText, '') : undefined;
  checkEmpty(rest);
  const secret = id !== undefined ? s.secretView(id) : s.secretByLabel(label!);
  if (!secret || !s.isSecretOwner(secret)) throw new RunError(`secret "${uriText ?? label}" not found`);
  const info: Record<string, unknown> = goStruct({
    revision: latestRevision(secret).revision,
    label: secret.label ?? '',
    owner: secret.owner.kind,
  });
  if (secret.description !== undefined) info['description'] = secret.description;
  if (secret.expireTime !== undefined) info['expiry'] = secret.expireTime;
  if (secret.rotatePolicy !== undefined) info['rotation'] = secret.rotatePolicy;
  if (secret.grants.length > 0) info['access'] = accessList(s, secret);
  return out({ [secretUri(secret.id)]: info }, fmt(p, 'yaml'));
};

export const secretIds: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  checkEmpty(p.positional);
  const ids = new Set([...Object.keys(s.model.secrets), ...s.pendingSecrets.keys()]);
  const owned = [...ids]
    .map((id) => s.secretView(id))
    .filter((secret): secret is SimSecret => secret !== undefined && s.isSecretOwner(secret))
    .map((secret) => secretUri(secret.id))
    .sort();
  return out(owned, fmt(p, 'smart'));
};

export const secretGrant: ToolImpl = (s, args) => {
  const p = parseArgs(args, [s.relationFlag(), value('unit')]);
  const [uri, ...rest] = p.positional;
  const id = parseSecretArg(uri, 'missing secret URI');
  checkEmpty(rest);
  const relation = s.relationFromFlag(p.flags.get('r'));
  const unit = p.flags.get('unit') as string | undefined;
  const remoteApp = s.remoteEnd(relation).app;
  if (unit !== undefined && appOfUnit(unit) !== remoteApp) {
    throw new RunError(`cannot specify unit "${unit}" in relation to application "${remoteApp}"`);
  }
  const secret = lookupSecret(s, id);
  s.checkCanManage(secret);
  const working = s.pendingSecret(id).secret;
  const grant =
    unit !== undefined
      ? { target: unit, kind: 'unit' as const, relationId: relation.id, role: 'view' as const }
      : { target: remoteApp, kind: 'application' as const, relationId: relation.id, role: 'view' as const };
  if (!working.grants.some((g) => g.target === grant.target && g.kind === grant.kind)) working.grants.push(grant);
  return { stdout: '' };
};

export const secretRevoke: ToolImpl = (s, args) => {
  const p = parseArgs(args, [s.relationFlag(), value('app', 'application'), value('unit')]);
  const [uri, ...rest] = p.positional;
  const id = parseSecretArg(uri, 'missing secret URI');
  checkEmpty(rest);
  const relation = p.flags.get('r') as SimRelation | undefined;
  const app = p.flags.get('app') as string | undefined;
  const unit = p.flags.get('unit') as string | undefined;
  if (app !== undefined && unit !== undefined) throw new UsageError('specify only one of application or unit');
  if (relation === undefined && app === undefined && unit === undefined) {
    throw new UsageError('missing relation or application or unit');
  }
  const secret = lookupSecret(s, id);
  s.checkCanManage(secret);
  const working = s.pendingSecret(id).secret;
  const targetApp = app ?? (unit === undefined && relation ? s.remoteEnd(relation).app : undefined);
  working.grants = working.grants.filter((g) => {
    if (unit !== undefined) return !(g.kind === 'unit' && g.target === unit);
    return !(g.target === targetApp || (g.kind === 'unit' && appOfUnit(g.target) === targetApp));
  });
  return { stdout: '' };
};

export const secretRemove: ToolImpl = (s, args) => {
  const p = parseArgs(args, [
    {
      names: ['revision'],
      kind: 'value',
      set: (v: string) => {
        if (!/^\d+$/.test(v)) throw new Error('parse error');
        return Number(v);
      },
    },
  ]);
  const [uri, ...rest] = p.positional;
  const id = parseSecretArg(uri, 'missing secret URI');
  checkEmpty(rest);
  const secret = lookupSecret(s, id);
  s.checkCanManage(secret);
  const revision = p.flags.get('revision') as number | undefined;
  const pending = s.pendingSecret(id);
  if (revision === undefined) {
    pending.removed = true;
  } else {
    if (!pending.secret.revisions.some((r) => r.revision === revision)) {
      throw new RunError(`secret revision "${secretUri(id)}/${revision}" not found`);
    }
    if (!pending.removedRevisions.includes(revision)) pending.removedRevisions.push(revision);
  }
  return { stdout: '' };
};
