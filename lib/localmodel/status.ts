/**
 * `juju status` and `juju show-unit` for the local model: a plain-text table (apps, units with the
 * leader marked `*`, integrations) and a YAML dump of a unit's relation data.
 */
import { stringify } from 'yaml';
import { appOfUnit, compareUnitNames, relationEnds, unitsOf, type JujuModel, type StatusRecord, type WorkloadStatusName } from '../sim';

/** What the views read (LocalModel satisfies it). */
export interface StatusSource {
  readonly model: JujuModel;
  readonly apps: Readonly<Record<string, { readonly revision: number }>>;
  readonly unitStates: Readonly<Record<string, { readonly failed?: unknown }>>;
  /** Hooks that ran, with their tool-call transcripts (LocalModel.history). */
  readonly history?: readonly HookRecord[];
}

/** One hook run as the views show it (a subset of the driver's EventRecord). */
export interface HookRecord {
  readonly seq: number;
  readonly unit: string;
  /** Hook name, or `action:<name>`. */
  readonly event: string;
  readonly relationId?: number;
  readonly remoteUnit?: string;
  readonly ok: boolean;
  readonly exitCode: number;
  readonly durationMs: number;
  /** 1 for a first run, n for the (n-1)th automatic retry. */
  readonly attempt?: number;
  readonly tools?: readonly { readonly tool: string; readonly args: readonly string[]; readonly code: number; readonly error?: string }[];
}

function hookLine(h: HookRecord): string {
  const where = [h.relationId !== undefined ? `relation ${h.relationId}` : '', h.remoteUnit ? `remote ${h.remoteUnit}` : '']
    .filter(Boolean)
    .join(', ');
  const retry = h.attempt && h.attempt > 1 ? ` (retry ${h.attempt - 1})` : '';
  return `#${h.seq} ${h.unit} ${h.event}${where ? ` [${where}]` : ''}${retry}: exit ${h.exitCode}, ${h.durationMs} ms`;
}

function toolLine(t: NonNullable<HookRecord['tools']>[number]): string {
  return `${t.tool} ${t.args.join(' ')}`.trimEnd() + (t.code === 0 ? '' : ` → exit ${t.code}${t.error ? `: ${t.error}` : ''}`);
}

/**
 * Per-hook transcripts (a `juju debug-log`-like view of what each hook asked Juju): one line per
 * hook, then its tool calls with secret content already redacted by lib/sim.
 */
export function formatHookTranscripts(history: readonly HookRecord[], opts: { unit?: string; limit?: number } = {}): string {
  const chosen = history.filter((h) => opts.unit === undefined || h.unit === opts.unit);
  const shown = opts.limit !== undefined ? chosen.slice(-opts.limit) : chosen;
  return shown.map((h) => [hookLine(h), ...(h.tools ?? []).map((t) => `    ${toolLine(t)}`)].join('\n')).join('\n');
}

/** `juju status --format yaml|json`: Juju's document shape (model, machines, applications with units). */
export function statusDocument(source: StatusSource, filters: readonly string[] = []): Record<string, unknown> {
  const { model } = source;
  const wanted = (app: string, unit?: string) =>
    filters.length === 0 || filters.some((f) => f === app || (unit !== undefined && f === unit) || f === `${app}/*`);
  const view = statusView(source);
  const applications: Record<string, unknown> = {};
  for (const row of view.apps) {
    const unitNames = unitsOf(model, row.app)
      .map((u) => u.name)
      .filter((u) => wanted(row.app, u));
    if (!wanted(row.app) && unitNames.length === 0) continue;
    const app = model.applications[row.app]!;
    const units: Record<string, unknown> = {};
    for (const name of unitNames.sort(compareUnitNames)) {
      const u = model.units[name]!;
      const failed = source.unitStates[name]?.failed !== undefined;
      units[name] = {
        'workload-status': { current: u.status.status, ...(u.status.message ? { message: u.status.message } : {}), since: u.status.since },
        'juju-status': { current: failed ? 'error' : 'idle', since: u.status.since },
        ...(u.leader ? { leader: true } : {}),
        machine: u.machine,
        'open-ports': u.openedPorts.map((p) =>
          p.protocol === 'icmp' ? 'icmp' : p.from === p.to ? `${p.from}/${p.protocol}` : `${p.from}-${p.to}/${p.protocol}`,
        ),
        'public-address': u.address,
      };
    }
    const relations: Record<string, unknown[]> = {};
    for (const r of model.relations) {
      const ends = relationEnds(r, row.app);
      if (!ends) continue;
      (relations[ends.local.endpoint] ??= []).push({
        'related-application': ends.remote.app,
        interface: app.charm.endpoints[ends.local.endpoint]?.interface ?? '',
        scope: 'global',
      });
    }
    applications[row.app] = {
      charm: `local:${row.charm}-${row.rev}`,
      'charm-name': row.charm,
      'charm-rev': row.rev,
      exposed: false,
      'application-status': { current: row.status, ...(row.message ? { message: row.message } : {}) },
      ...(Object.keys(relations).length > 0 ? { relations } : {}),
      units,
      ...(row.version ? { version: row.version } : {}),
    };
  }
  return {
    model: {
      name: model.name,
      type: model.type ?? 'iaas',
      controller: 'localmodel',
      cloud: 'localhost',
      version: model.jujuVersion,
      'model-status': { current: 'available' },
    },
    machines: {},
    applications,
  };
}

export interface AppRow {
  readonly app: string;
  readonly version: string;
  readonly status: WorkloadStatusName;
  readonly scale: number;
  readonly charm: string;
  readonly rev: number;
  readonly message: string;
}

export interface UnitRow {
  readonly unit: string;
  readonly leader: boolean;
  readonly workload: WorkloadStatusName;
  readonly agent: 'idle' | 'error';
  readonly address: string;
  readonly ports: string;
  readonly message: string;
}

export interface RelationRow {
  readonly id: number;
  readonly provider: string;
  readonly requirer: string;
  readonly interface: string;
  readonly type: 'regular' | 'peer';
}

export interface StatusView {
  readonly model: string;
  readonly version: string;
  readonly apps: readonly AppRow[];
  readonly units: readonly UnitRow[];
  readonly relations: readonly RelationRow[];
}

/** Juju derives an application's status from its units' when the leader has set none. */
const SEVERITY: Readonly<Record<WorkloadStatusName, number>> = { error: 6, blocked: 5, waiting: 4, maintenance: 3, active: 2, unknown: 1 };

function derived(app: StatusRecord, units: readonly StatusRecord[]): StatusRecord {
  if (app.status !== 'unknown' && !units.some((u) => u.status === 'error')) return app;
  return units.reduce<StatusRecord>((worst, u) => (SEVERITY[u.status] > SEVERITY[worst.status] ? u : worst), app);
}

export function statusView(source: StatusSource): StatusView {
  const { model } = source;
  const apps: AppRow[] = Object.keys(model.applications)
    .sort()
    .map((name) => {
      const app = model.applications[name]!;
      const units = unitsOf(model, name);
      const shown = derived(
        app.status,
        units.map((u) => u.status),
      );
      return {
        app: name,
        version: app.workloadVersion,
        status: shown.status,
        scale: units.length,
        charm: app.charm.name,
        rev: source.apps[name]?.revision ?? 0,
        message: shown.message,
      };
    });
  const units: UnitRow[] = Object.values(model.units)
    .sort((a, b) => compareUnitNames(a.name, b.name))
    .map((u) => ({
      unit: u.name,
      leader: u.leader,
      workload: u.status.status,
      agent: 'idle' as const,
      address: u.address,
      ports: u.openedPorts
        .map((p) => (p.protocol === 'icmp' ? 'icmp' : p.from === p.to ? `${p.from}/${p.protocol}` : `${p.from}-${p.to}/${p.protocol}`))
        .join(','),
      message: u.status.message,
    }));
  const relations: RelationRow[] = [...model.relations]
    .sort((a, b) => a.id - b.id)
    .map((r) => {
      const ends = r.ends.map((e) => ({ ...e, spec: model.applications[e.app]!.charm.endpoints[e.endpoint]! }));
      if (ends.length === 1) {
        const e = ends[0]!;
        return {
          id: r.id,
          provider: `${e.app}:${e.endpoint}`,
          requirer: `${e.app}:${e.endpoint}`,
          interface: e.spec.interface,
          type: 'peer' as const,
        };
      }
      const provider = ends.find((e) => e.spec.role === 'provides') ?? ends[0]!;
      const requirer = ends.find((e) => e !== provider)!;
      return {
        id: r.id,
        provider: `${provider.app}:${provider.endpoint}`,
        requirer: `${requirer.app}:${requirer.endpoint}`,
        interface: provider.spec.interface,
        type: 'regular' as const,
      };
    });
  return { model: model.name, version: model.jujuVersion, apps, units, relations };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

/** The `juju status` table. */
export function formatStatus(source: StatusSource): string {
  const v = statusView(source);
  const parts = [
    table(['Model', 'Controller', 'Cloud/Region', 'Version'], [[v.model, 'localmodel', 'local/local', v.version]]),
    table(
      ['App', 'Version', 'Status', 'Scale', 'Charm', 'Rev', 'Message'],
      v.apps.map((a) => [a.app, a.version, a.status, String(a.scale), a.charm, String(a.rev), a.message]),
    ),
    table(
      ['Unit', 'Workload', 'Agent', 'Address', 'Ports', 'Message'],
      v.units.map((u) => [`${u.unit}${u.leader ? '*' : ''}`, u.workload, u.agent, u.address, u.ports, u.message]),
    ),
  ];
  if (v.relations.length > 0) {
    parts.push(
      table(
        ['Integration provider', 'Requirer', 'Interface', 'Type'],
        v.relations.map((r) => [r.provider, r.requirer, r.interface, r.type]),
      ),
    );
  }
  // Empty columns leave runs of spaces; collapse them only at line ends (trimEnd above).
  return `${parts.join('\n\n')}\n`;
}

/** `juju show-unit` (YAML), with the relation data the unit sees. */
export function showUnit(source: StatusSource, unitName: string): string {
  const { model } = source;
  const unit = model.units[unitName];
  if (!unit) throw new Error(`unit "${unitName}" not found`);
  const app = model.applications[unit.app]!;
  const relationInfo = model.relations
    .filter((r) => r.scope.includes(unitName) || r.ends.some((e) => e.app === unit.app))
    .sort((a, b) => a.id - b.id)
    .map((r) => {
      const ends = relationEnds(r, unit.app)!;
      const related: Record<string, unknown> = {};
      for (const other of Object.keys(r.unitData)
        .filter((u) => u !== unitName && appOfUnit(u) === ends.remote.app)
        .sort(compareUnitNames)) {
        related[other] = { 'in-scope': r.scope.includes(other), data: { ...r.unitData[other] } };
      }
      return {
        'relation-id': r.id,
        endpoint: ends.local.endpoint,
        'related-endpoint': ends.remote.endpoint,
        'application-data': { ...(r.appData[ends.remote.app] ?? {}) },
        ...(r.ends.length === 2 ? { 'local-application-data': { ...(r.appData[unit.app] ?? {}) } } : {}),
        'local-unit': { 'in-scope': r.scope.includes(unitName), data: { ...(r.unitData[unitName] ?? {}) } },
        ...(Object.keys(related).length > 0 ? { 'related-units': related } : {}),
      };
    });
  const doc = {
    [unitName]: {
      'workload-version': app.workloadVersion,
      machine: unit.machine,
      'opened-ports': unit.openedPorts.map((p) =>
        p.protocol === 'icmp' ? 'icmp' : p.from === p.to ? `${p.from}/${p.protocol}` : `${p.from}-${p.to}/${p.protocol}`,
      ),
      charm: `local:${app.charm.name}-${source.apps[unit.app]?.revision ?? 0}`,
      leader: unit.leader,
      life: 'alive',
      'workload-status': { current: unit.status.status, message: unit.status.message, since: unit.status.since },
      'juju-status': { current: 'idle' },
      'relation-info': relationInfo,
      'localmodel-charm-state': { ...unit.state },
      'localmodel-recent-hooks': (source.history ?? [])
        .filter((h) => h.unit === unitName)
        .slice(-5)
        .map((h) => ({ hook: hookLine(h), tools: (h.tools ?? []).map(toolLine) })),
    },
  };
  return stringify(doc);
}

/** The unit log (`juju debug-log --replay`), optionally for one unit. */
export function formatLogs(model: JujuModel, unit?: string): string {
  return model.logs
    .filter((l) => unit === undefined || l.unit === unit)
    .map((l) => `unit-${l.unit.replace('/', '-')}: ${l.time} ${l.level} unit.${l.unit}.${l.context} ${l.message}`)
    .join('\n');
}
