/**
 * `connect_client` v0, requirer side (what Charmed Kafka Connect serves): the leader writes
 * `plugin-url` (the sentinel `NOT-REQUIRED` when no plugin is needed, as for MirrorMaker); Connect
 * answers with `endpoints` (comma-separated `http(s)://host:port`), `username`/`password` in
 * `secret-user` and, only after its endpoints changed, `tls`/`tls-ca` in `secret-tls`.
 */
import type { CharmBase } from '../ops/charm';
import type { CustomEvent, EventSource } from '../ops/events';
import type { Relation } from '../ops/relations';
import { ClientCredentialsData, ClientRequirer, ClientRequirerEvents } from './client-requirer';
import { InterfaceChange, urlEndpoints, RelationDataError, RemoteDataChange, RequirerView } from './data-interfaces';

/** `PLUGIN_URL_NOT_REQUIRED` of data_interfaces LIBPATCH 40. */
export const PLUGIN_URL_NOT_REQUIRED = 'NOT-REQUIRED';

export interface ConnectRequirerOptions {
  /** URL of a plugin tarball, or `PLUGIN_URL_NOT_REQUIRED`. */
  readonly pluginUrl: string;
  readonly requestedSecrets?: readonly string[];
}

export interface ConnectClientData extends ClientCredentialsData {
  /** REST endpoints with scheme, e.g. `https://10.0.0.1:8083`, without a trailing slash. */
  readonly endpoints: readonly string[];
}

export interface ConnectRequirerEvents extends ClientRequirerEvents {
  /** Credentials appeared: `secret-user` was added, or plain username + password now both present. */
  readonly integrationCreated: EventSource<CustomEvent<InterfaceChange>>;
  /** Credentials or TLS material changed after that (rotation, a new secret, tls appearing). */
  readonly credentialsChanged: EventSource<CustomEvent<InterfaceChange>>;
  readonly endpointsChanged: EventSource<CustomEvent<InterfaceChange>>;
}

export class ConnectRequirer extends ClientRequirer<ConnectClientData, ConnectRequirerEvents> {
  readonly on: ConnectRequirerEvents;

  constructor(charm: CharmBase, endpoint: string, opts: ConnectRequirerOptions) {
    if (!opts.pluginUrl) {
      throw new RelationDataError(endpoint, null, 'plugin-url', 'missing', `pass a plugin URL or "${PLUGIN_URL_NOT_REQUIRED}"`);
    }
    super(charm, endpoint, {
      requestFields: { 'plugin-url': opts.pluginUrl },
      ...(opts.requestedSecrets ? { requestedSecrets: opts.requestedSecrets } : {}),
      parseEndpoints: urlEndpoints,
      providerName: 'Kafka Connect',
    });
    const fw = charm.framework;
    this.on = {
      integrationCreated: fw.defineEvent<InterfaceChange>(`${endpoint}.integration-created`),
      credentialsChanged: fw.defineEvent<InterfaceChange>(`${endpoint}.credentials-changed`),
      endpointsChanged: fw.defineEvent<InterfaceChange>(`${endpoint}.endpoints-changed`),
    };
  }

  protected override credentialsEventFor(change: RemoteDataChange): EventSource<CustomEvent<InterfaceChange>> {
    return this.isCreation(change) ? this.on.integrationCreated : this.on.credentialsChanged;
  }

  /** data_interfaces' rule: `secret-user` added, or plain username/password added and both now set. */
  private isCreation(change: RemoteDataChange): boolean {
    if (change.cause !== 'relation-changed') return false;
    if (change.added.includes('secret-user')) return true;
    if (!change.added.includes('username') && !change.added.includes('password')) return false;
    const f = this.dataInterfaces.remoteFields(change.relation);
    return f.get('username') !== undefined && f.get('password') !== undefined;
  }

  view(relation?: Relation | number): RequirerView<ConnectClientData> {
    return this.viewCredentials(relation).view;
  }
}
