/**
 * The requirer mechanics `kafka_client` and `connect_client` share: both ask a provider for
 * credentials over data_interfaces v0 and get back `endpoints`, `username`/`password` and
 * `tls`/`tls-ca`. What differs (the request, how `endpoints` is written, the events) stays in
 * each interface's module.
 */
import type { CharmBase } from '../ops/charm';
import type { CustomEvent, EventSource } from '../ops/events';
import type { Relation } from '../ops/relations';
import {
  DataInterfacesRequirer,
  InterfaceChange,
  RelationDataError,
  RemoteDataChange,
  RemoteFields,
  RequirerView,
} from './data-interfaces';

/** The fields every client interface's typed view holds. */
export interface ClientCredentialsData {
  readonly relationId: number;
  readonly remoteApp: string | null;
  readonly endpoints: readonly string[];
  readonly username: string;
  readonly password: string;
  /** True only when the provider says `tls: enabled`. */
  readonly tls: boolean;
  /** The CA PEM, when the provider sent one (Kafka 3 sends "enabled" here, not a CA). */
  readonly tlsCa?: string;
}

/** Parses the provider's `endpoints` field; throws `RelationDataError` when it is malformed. */
export type EndpointsParser = (raw: string, fields: RemoteFields, field: string) => string[];

/** The events every client requirer emits. */
export interface ClientRequirerEvents {
  readonly credentialsChanged: EventSource<CustomEvent<InterfaceChange>>;
  readonly endpointsChanged: EventSource<CustomEvent<InterfaceChange>>;
}

export interface ClientRequirerOptions {
  /** Resource fields the leader writes into its app databag (data_interfaces' request). */
  readonly requestFields: Readonly<Record<string, string>>;
  readonly requestedSecrets?: readonly string[];
  readonly parseEndpoints: EndpointsParser;
  /** Who publishes the data, for "waiting for <provider> to publish …". */
  readonly providerName: string;
}

const CREDENTIAL_FIELDS = ['username', 'password', 'tls', 'tls-ca'];
const REQUIRED = ['endpoints', 'username', 'password'] as const;

export abstract class ClientRequirer<T extends ClientCredentialsData, E extends ClientRequirerEvents> {
  readonly endpoint: string;
  abstract readonly on: E;
  readonly dataInterfaces: DataInterfacesRequirer;
  private readonly parseEndpoints: EndpointsParser;
  private readonly providerName: string;

  protected constructor(
    protected readonly charm: CharmBase,
    endpoint: string,
    opts: ClientRequirerOptions,
  ) {
    this.endpoint = endpoint;
    this.parseEndpoints = opts.parseEndpoints;
    this.providerName = opts.providerName;
    this.dataInterfaces = new DataInterfacesRequirer(charm, {
      endpoint,
      requestFields: opts.requestFields,
      ...(opts.requestedSecrets ? { requestedSecrets: opts.requestedSecrets } : {}),
      onChange: (change) => this.emitFor(change),
    });
  }

  private async emitFor(change: RemoteDataChange): Promise<void> {
    const fw = this.charm.framework;
    const relationId = change.relation.id;
    const credentials = change.fields.filter((f) => CREDENTIAL_FIELDS.includes(f));
    if (credentials.length > 0) await fw.emit(this.credentialsEventFor(change), { relationId, fields: credentials });
    if (change.fields.includes('endpoints')) await fw.emit(this.on.endpointsChanged, { relationId, fields: ['endpoints'] });
  }

  /** The event that reports changed credential fields: `credentialsChanged` unless overridden. */
  protected credentialsEventFor(_change: RemoteDataChange): EventSource<CustomEvent<InterfaceChange>> {
    return this.on.credentialsChanged;
  }

  get relations(): Relation[] {
    return this.dataInterfaces.relations;
  }

  /**
   * The typed data of one relation (default: the only one), or which required fields are still
   * missing. Throws `RelationDataError` for a malformed field.
   */
  abstract view(relation?: Relation | number): RequirerView<T>;

  /** The fields every client interface reads, and the remote fields for an interface's extras. */
  protected viewCredentials(relation?: Relation | number): { fields: RemoteFields; view: RequirerView<ClientCredentialsData> } {
    const rel = this.pick(relation);
    const f = this.dataInterfaces.remoteFields(rel);
    const endpointsRaw = f.get('endpoints');
    const endpoints = endpointsRaw !== undefined ? this.parseEndpoints(endpointsRaw, f, 'endpoints') : undefined;
    const tls = f.tlsEnabled();
    const tlsCa = f.tlsCa();
    const username = f.get('username');
    const password = f.get('password');
    if (endpoints === undefined || username === undefined || password === undefined) {
      return { fields: f, view: { ready: false, relationId: rel.id, missing: REQUIRED.filter((k) => f.get(k) === undefined) } };
    }
    return {
      fields: f,
      view: {
        ready: true,
        data: { relationId: rel.id, remoteApp: rel.app, endpoints, username, password, tls, ...(tlsCa !== undefined ? { tlsCa } : {}) },
      },
    };
  }

  /** Like `view`, but a missing field is a `RelationDataError` too. */
  read(relation?: Relation | number): T {
    const v = this.view(relation);
    if (v.ready) return v.data;
    const rel = this.pick(relation);
    throw new RelationDataError(
      `${rel.name}:${rel.id}`,
      rel.app,
      v.missing[0],
      'missing',
      `waiting for ${this.providerName} to publish ${v.missing.join(', ')}`,
    );
  }

  /** endpoints, username and password are all present (malformed data counts as not ready). */
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
