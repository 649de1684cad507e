/**
 * connect-client-provider: plays Charmed Kafka Connect on `connect_client` (data_interfaces v0;
 * what the real charm publishes is in docs/real-providers.md).
 *
 * Every hook converges: for each relation whose requirer has set `plugin-url` (a tarball URL or
 * `NOT-REQUIRED`; plugins are not downloaded here), the leader publishes `endpoints` and the REST
 * user (`secret-user`, label `connect-client.<id>.user.secret`, granted to the relation). With
 * https endpoints it also publishes `tls: enabled` and the CA PEM as `tls-ca` (`secret-tls`);
 * when a relation that had TLS data goes back to http, `tls`/`tls-ca` become "disabled", as
 * Connect's update_clients_data writes them. relation-departed of a client unit DELETEs the
 * client's connectors over REST, as Connect does (cleanup.ts); relation-broken removes the
 * relation's secrets.
 */
import type { ConfigData, Framework, Relation, RelationDepartedEvent } from '../../../../lib/ops';
import { PLUGIN_URL_NOT_REQUIRED } from '../../../../lib/interfaces/connect-client';
import { publishConnectClient } from '../../../../lib/interfaces/providers';
import type { Credentials, Parsed } from '../../common/provider';
import { ProviderCharm } from '../../common/provider-charm';
import { parseConnectSettings, type ConnectSettings } from './settings';

export const CONNECT_CLIENT = 'connect-client';

/** Whether this provider already told the requirer about TLS (so "disabled" must follow). */
function hadTls(relation: Relation): boolean {
  const bag = relation.localAppData;
  return bag.has('secret-tls') || bag.has('tls');
}

export class ConnectClientProviderCharm extends ProviderCharm<ConnectSettings> {
  constructor(framework: Framework) {
    super(framework, CONNECT_CLIENT, 'plugin-url');
    framework.observe(this.on.relationDeparted(CONNECT_CLIENT), this.onRelationDeparted);
  }

  protected parseSettings(config: ConfigData, credentials: Parsed<Credentials>): Parsed<ConnectSettings> {
    return parseConnectSettings(config, credentials);
  }

  protected publish(relation: Relation, pluginUrl: string, s: ConnectSettings): void {
    if (pluginUrl !== PLUGIN_URL_NOT_REQUIRED && !relation.localAppData.has('endpoints')) {
      this.framework.logger.warning(`relation ${relation.id} asks for plugin ${pluginUrl}: this test double does not install plugins`);
    }
    const tls = s.tlsCa !== undefined ? { enabled: true, ca: s.tlsCa } : hadTls(relation) ? { enabled: false } : undefined;
    publishConnectClient(this.model, relation, {
      endpoints: s.endpoints,
      username: s.credentials.username,
      password: s.credentials.password,
      ...(tls ? { tls } : {}),
    });
  }

  /**
   * A unit of the client application departed: like Connect's leader, delete every connector the
   * client made on this relation. A Connect that cannot be reached defers the event.
   */
  private readonly onRelationDeparted = async (event: RelationDepartedEvent): Promise<void> => {
    if (!this.model.unit.isLeader()) return;
    const settings = this.settings();
    if (!settings.ok) return;
    // Loaded here: axios is only needed in this hook, not at every dispatch's start-up.
    const { deleteRelationConnectors } = await import('./cleanup');
    try {
      const deleted = await deleteRelationConnectors(settings.value, event.relation.id);
      if (deleted.length > 0)
        this.framework.logger.info(`relation ${event.relation.id}: a client unit departed; deleted connectors ${deleted.join(', ')}`);
    } catch (e) {
      this.framework.logger.warning(e instanceof Error ? e.message : String(e));
      event.defer();
    }
  };
}
