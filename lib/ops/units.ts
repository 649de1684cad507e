/**
 * The local application and unit: status, leadership, secrets they own, ports and workload
 * version.
 */
import type { HookToolBackend, SettableStatus } from './backend';
import { OpsError } from './errors';
import { AddSecretOptions, checkSecretContent, Secret } from './secrets';
import { StatusBase, statusFromName } from './status';

/** What the application and unit need from the model (the `Model` implements it). */
export interface UnitHost {
  /** @internal */ readonly _backend: HookToolBackend;
  /** @internal set a status now unless it equals the last one the framework set. */
  _setStatus(scope: 'unit' | 'app', status: StatusBase): void;
}

export function settable(status: StatusBase): SettableStatus {
  if (status.name === 'error' || status.name === 'unknown') {
    throw new OpsError(`a charm cannot set the "${status.name}" status; use active, blocked, maintenance or waiting`);
  }
  return status.name;
}

export class Application {
  /** @internal */
  constructor(
    readonly name: string,
    private readonly model: UnitHost,
  ) {}

  /** Set the application status now (leader only). Skipped when equal to the last one set. */
  setStatus(status: StatusBase): void {
    this.model._setStatus('app', status);
  }

  getStatus(): StatusBase {
    const s = this.model._backend.statusGet(true);
    return statusFromName(s.status, s.message);
  }

  /** Create an application-owned secret (leader only). */
  addSecret(content: Readonly<Record<string, string>>, opts: AddSecretOptions = {}): Secret {
    const id = this.model._backend.secretAdd(checkSecretContent(content), { ...opts, owner: 'application' });
    return new Secret(this.model._backend, id, opts.label ?? null);
  }
}

export type PortProtocol = 'tcp' | 'udp' | 'icmp';

export interface Port {
  readonly protocol: PortProtocol;
  /** Absent for icmp. */
  readonly port?: number;
  /** End of a range (`from-to`). */
  readonly toPort?: number;
}

function portSpec(p: Port): string {
  if (p.protocol === 'icmp') return 'icmp';
  if (p.port === undefined || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
    throw new OpsError(`invalid ${p.protocol} port ${String(p.port)}: use an integer 1-65535`);
  }
  return `${p.port}${p.toPort !== undefined ? `-${p.toPort}` : ''}/${p.protocol}`;
}

function parsePort(s: string): Port {
  if (s === 'icmp') return { protocol: 'icmp' };
  const m = /^(\d+)(?:-(\d+))?\/(tcp|udp)$/.exec(s);
  if (!m) throw new OpsError(`opened-ports printed an unexpected entry "${s}"`);
  return { protocol: m[3] as PortProtocol, port: Number(m[1]), ...(m[2] ? { toPort: Number(m[2]) } : {}) };
}

export class Unit {
  /** @internal */
  constructor(
    readonly name: string,
    readonly app: Application,
    private readonly model: UnitHost,
  ) {}

  /** Leadership, asked once per dispatch (a `true` holds for 30 s, longer than any hook should run). */
  isLeader(): boolean {
    return this.model._backend.isLeader();
  }

  /** Set the unit status now. Skipped when equal to the last one the framework set. */
  setStatus(status: StatusBase): void {
    this.model._setStatus('unit', status);
  }

  getStatus(): StatusBase {
    const s = this.model._backend.statusGet(false);
    return statusFromName(s.status, s.message);
  }

  addSecret(content: Readonly<Record<string, string>>, opts: AddSecretOptions = {}): Secret {
    const id = this.model._backend.secretAdd(checkSecretContent(content), { ...opts, owner: 'unit' });
    return new Secret(this.model._backend, id, opts.label ?? null);
  }

  setWorkloadVersion(version: string): void {
    this.model._backend.applicationVersionSet(version);
  }

  openPort(protocol: PortProtocol, port?: number): void {
    this.model._backend.openPort(portSpec({ protocol, port }));
  }

  closePort(protocol: PortProtocol, port?: number): void {
    this.model._backend.closePort(portSpec({ protocol, port }));
  }

  openedPorts(): Port[] {
    return this.model._backend.openedPorts().map(parsePort);
  }

  /** Make the opened ports exactly `ports` (opens and closes only the difference). */
  setPorts(...ports: readonly Port[]): void {
    const wanted = new Set(ports.map(portSpec));
    const current = new Set(this.openedPorts().map(portSpec));
    for (const p of current) if (!wanted.has(p)) this.model._backend.closePort(p);
    for (const p of wanted) if (!current.has(p)) this.model._backend.openPort(p);
  }
}
