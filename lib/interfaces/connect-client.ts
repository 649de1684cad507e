/**
 * `connect_client` v0, requirer side (what Charmed Kafka Connect serves): the leader writes
 * `plugin-url` (the sentinel `NOT-REQUIRED` when no plugin is needed, as for MirrorMaker); Connect
 * answers with `endpoints` (comma-separated `http(s)://host:port`), `username`/`password` in
 * `secret-user` and, only after its endpoints changed, `tls`/`tls-ca` in `secret-tls`.
 */
import type { CharmBase } from '../ops/charm';
import type { CustomEvent, EventSource } from '../ops/events';
import type { Relation } from '../ops/model';
import {
  DataInterfacesRequirer,
  InterfaceChange,
  parseUrlList,
  RelationDataError,
  RemoteDataChange,
  RequirerView,
} from './data-interfaces';

/** `PLUGIN_URL_NOT_REQUIRED` of data_interfaces LIBPATCH 40. */
export const PLUGIN_URL_NOT_REQUIRED = 'NOT-REQUIRED';

export interface ConnectRequirerOptions {
  /** URL of a plugin tarball, or `PLUGIN_URL_NOT_REQUIRED`. */
  readonly pluginUrl: string;
  readonly requestedSecrets?: readonly string[];
}

export interface ConnectClientData {
  readonly relationId: number;
  readonly remoteApp: string | null;
  /** REST endpoints with scheme, e.g. `https://10.0.0.1:8083`, without a trailing slash. */
  readonly endpoints: readonly string[];
  readonly username: string;
  readonly password: string;
  readonly tls: boolean;
  readonly tlsCa?: string;
}

const REQUIRED = ['endpoints', 'username', 'password'] as const;
const CREDENTIAL_FIELDS = ['username', 'password', 'tls', 'tls-ca'];

export interface ConnectRequirerEvents {
  /** Credentials appeared: `secret-user` was added, or plain username + password now both present. */
  readonly integrationCreated: EventSource<CustomEvent<InterfaceChange>>;
  /** Credentials or TLS material changed after that (rotation, a new secret, tls appearing). */
  readonly credentialsChanged: EventSource<CustomEvent<InterfaceChange>>;
  readonly endpointsChanged: EventSource<CustomEvent<InterfaceChange>>;
}

export class ConnectRequirer {
  readonly endpoint: string;
  readonly on: ConnectRequirerEvents;
  readonly dataInterfaces: DataInterfacesRequirer;

  constructor(
    private readonly charm: CharmBase,
    endpoint: string,
    opts: ConnectRequirerOptions,
  ) {
    this.endpoint = endpoint;
    if (!opts.pluginUrl) {
      throw new RelationDataError(endpoint, null, 'plugin-url', 'missing', `pass a plugin URL or "${PLUGIN_URL_NOT_REQUIRED}"`);
    }
    const fw = charm.framework;
    this.on = {
      integrationCreated: fw.defineEvent<InterfaceChange>(`${endpoint}.integration-created`),
      credentialsChanged: fw.defineEvent<InterfaceChange>(`${endpoint}.credentials-changed`),
      endpointsChanged: fw.defineEvent<InterfaceChange>(`${endpoint}.endpoints-changed`),
    };
    this.dataInterfaces = new DataInterfacesRequirer(charm, {
      endpoint,
      requestFields: { 'plugin-url': opts.pluginUrl },
      ...(opts.requestedSecrets ? { requestedSecrets: opts.requestedSecrets } : {}),
      onChange: (change) => this.emitFor(change),
    });
  }

  private async emitFor(change: RemoteDataChange): Promise<void> {
    const fw = this.charm.framework;
    const relationId = change.relation.id;
    const credentials = change.fields.filter((f) => CREDENTIAL_FIELDS.includes(f));
    if (credentials.length > 0) {
      if (this.isCreation(change)) await fw.emit(this.on.integrationCreated, { relationId, fields: credentials });
      else await fw.emit(this.on.credentialsChanged, { relationId, fields: credentials });
    }
    if (change.fields.includes('endpoints')) await fw.emit(this.on.endpointsChanged, { relationId, fields: ['endpoints'] });
  }

  /** data_interfaces' rule: `secret-user` added, or plain username/password added and both now set. */
  private isCreation(change: RemoteDataChange): boolean {
    if (change.cause !== 'relation-changed') return false;
    if (change.added.includes('secret-user')) return true;
    if (!change.added.includes('username') && !change.added.includes('password')) return false;
    const f = this.dataInterfaces.remoteFields(change.relation);
    return f.get('username') !== undefined && f.get('password') !== undefined;
  }

  get relations(): Relation[] {
    return this.dataInterfaces.relations;
  }

  view(relation?: Relation | number): RequirerView<ConnectClientData> {
    const rel = this.pick(relation);
    const f = this.dataInterfaces.remoteFields(rel);
    const endpointsRaw = f.get('endpoints');
    const endpoints = endpointsRaw !== undefined ? parseUrlList(endpointsRaw, f, 'endpoints') : undefined;
    const tls = f.tlsEnabled();
    const tlsCa = f.tlsCa();
    const username = f.get('username');
    const password = f.get('password');
    if (endpoints === undefined || username === undefined || password === undefined) {
      return { ready: false, relationId: rel.id, missing: REQUIRED.filter((k) => f.get(k) === undefined) };
    }
    return {
      ready: true,
      data: { relationId: rel.id, remoteApp: rel.app, endpoints, username, password, tls, ...(tlsCa !== undefined ? { tlsCa } : {}) },
    };
  }

  read(relation?: Relation | number): ConnectClientData {
    const v = this.view(relation);
    if (v.ready) return v.data;
    const rel = this.pick(relation);
    throw new RelationDataError(`${rel.name}:${rel.id}`, rel.app, v.missing[0], 'missing', `waiting for Kafka Connect to publish ${v.missing.join(', ')}`);
  }

  isReady(relation?: Relation | number): boolean {
    try {
      return this.view(relation).ready;
    } catch (e) {
      if (e instanceof RelationDataError) return false;
      throw e;
    }
  }

  private pick(relation: Relation | number | undefined): Relation {
    if (relation !== undefined) return this.dataInterfaces.resolve(relation);
    const rel = this.dataInterfaces.relation();
    if (!rel) throw new RelationDataError(this.endpoint, null, 'relation', 'missing', `no "${this.endpoint}" relation exists yet`);
    return rel;
  }
}
