/** Port and network tools: `open-port`, `close-port`, `opened-ports`, `network-get`, `goal-state`, `unit-get`. */
import { checkEmpty, parseArgs, RunError, UsageError } from '../flags';
import { goStruct } from '../format';
import { unitsOf, type OpenedPort, type SimRelation } from '../model';
import { type ToolImpl, formatFlag, fmt, out, bool, value } from './shared';

function parsePort(text: string): OpenedPort {
  const invalid = () => new UsageError(`invalid port range "${text}": expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp`);
  if (text === 'icmp') return { protocol: 'icmp', from: -1, to: -1, endpoints: [] };
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(text);
  if (!m) throw invalid();
  const from = Number(m[1]);
  const to = m[2] !== undefined ? Number(m[2]) : from;
  if (from < 1 || to > 65535 || from > to) throw invalid();
  return { protocol: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp', from, to, endpoints: [] };
}

function portText(port: OpenedPort): string {
  if (port.protocol === 'icmp') return 'icmp';
  return port.from === port.to ? `${port.from}/${port.protocol}` : `${port.from}-${port.to}/${port.protocol}`;
}

export function portTool(op: 'open' | 'close'): ToolImpl {
  return (s, args) => {
    const p = parseArgs(args, [value('endpoints'), value('format')]);
    const [spec, ...rest] = p.positional;
    if (spec === undefined) throw new UsageError('no port or range specified');
    checkEmpty(rest);
    const port = parsePort(spec);
    const endpointsFlag = p.flags.get('endpoints') as string | undefined;
    if (endpointsFlag !== undefined) {
      port.endpoints = endpointsFlag
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      for (const endpoint of port.endpoints) {
        if (!s.app.charm.endpoints[endpoint]) throw new RunError(`endpoint "${endpoint}" not found`);
      }
    }
    s.pendingPorts.push({ op, port });
    return { stdout: '' };
  };
}

const PROTOCOL_ORDER = { tcp: 0, udp: 1, icmp: 2 } as const;

export const openedPorts: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart'), bool('endpoints')]);
  checkEmpty(p.positional);
  const ports = [...s.unit.openedPorts].sort(
    (a, b) => PROTOCOL_ORDER[a.protocol] - PROTOCOL_ORDER[b.protocol] || a.from - b.from || a.to - b.to,
  );
  const lines = ports.map((port) =>
    p.flags.get('endpoints') ? `${portText(port)} (${port.endpoints.length > 0 ? port.endpoints.join(', ') : '*'})` : portText(port),
  );
  return out(lines, fmt(p, 'smart'));
};

function cidrOf(address: string): string {
  if (address.startsWith('127.')) return '127.0.0.0/8';
  const octets = address.split('.');
  return octets.length === 4 ? `${octets.slice(0, 3).join('.')}.0/24` : `${address}/128`;
}

export const networkGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [
    formatFlag('smart'),
    s.relationFlag(),
    bool('bind-address'),
    bool('ingress-address'),
    bool('egress-subnets'),
    bool('primary-address'),
  ]);
  const [given, ...rest] = p.positional;
  checkEmpty(rest);
  const relation = p.flags.get('r') as SimRelation | undefined;
  const binding = given ?? (relation ? s.localEnd(relation).endpoint : undefined);
  if (binding === undefined) throw new UsageError('no arguments specified');
  if (!s.app.charm.endpoints[binding] && !(s.app.charm.extraBindings ?? []).includes(binding)) {
    throw new RunError(`no network config found for binding "${binding}"`);
  }
  const address = s.unit.address;
  const info = goStruct({
    'bind-addresses': [
      goStruct({
        'mac-address': '',
        'interface-name': address.startsWith('127.') ? 'lo' : 'eth0',
        addresses: [goStruct({ hostname: '', value: address, cidr: cidrOf(address) })],
      }),
    ],
    'egress-subnets': [`${address}/32`],
    'ingress-addresses': [address],
  });
  const picks: [string, unknown][] = [];
  if (p.flags.get('bind-address') || p.flags.get('primary-address')) picks.push(['bind-address', address]);
  if (p.flags.get('ingress-address')) picks.push(['ingress-address', address]);
  if (p.flags.get('egress-subnets')) picks.push(['egress-subnets', [`${address}/32`]]);
  if (picks.length === 1) return out(picks[0]![1], fmt(p, 'smart'));
  if (picks.length > 1) return out(Object.fromEntries(picks), fmt(p, 'smart'));
  return out(info, fmt(p, 'smart'));
};

export const goalState: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  checkEmpty(p.positional);
  const since = s.nowIso();
  const units: Record<string, unknown> = {};
  for (const unit of unitsOf(s.model, s.app.name)) units[unit.name] = { status: 'active', since };
  const relations: Record<string, Record<string, unknown>> = {};
  for (const relation of s.visibleRelations()) {
    if (relation.life !== 'alive') continue;
    const endpoint = s.localEnd(relation).endpoint;
    const remoteApp = s.remoteEnd(relation).app;
    const entry = (relations[endpoint] ??= {});
    if (remoteApp !== s.app.name) entry[remoteApp] = { status: 'joined', since };
    for (const unit of unitsOf(s.model, remoteApp)) {
      if (unit.name !== s.unit.name) entry[unit.name] = { status: 'active', since };
    }
  }
  return out({ units, relations }, fmt(p, 'smart'));
};

export const unitGet: ToolImpl = (s, args) => {
  const p = parseArgs(args, [formatFlag('smart')]);
  const [key, ...rest] = p.positional;
  if (key === undefined) throw new UsageError('no setting specified');
  if (key !== 'private-address' && key !== 'public-address') throw new UsageError(`unknown setting "${key}"`);
  checkEmpty(rest);
  return out(s.unit.address, fmt(p, 'smart'));
};
