/**
 * `kafka_client` v0, requirer side (what Charmed Kafka serves): the leader asks for a `topic`
 * (and `extra-user-roles`, `consumer-group-prefix`); Kafka answers with `endpoints`
 * (comma-separated host:port), `username`/`password` in `secret-user`, `tls`/`tls-ca` in
 * `secret-tls` (or plain fields when not requested as secrets), `topic`, `consumer-group-prefix`.
 */
import type { CharmBase } from '../ops/charm';
import type { CustomEvent, EventSource } from '../ops/events';
import type { Relation } from '../ops/relations';
import { ClientCredentialsData, ClientRequirer, ClientRequirerEvents } from './client-requirer';
import { InterfaceChange, hostPortEndpoints, RelationDataError, RequirerView } from './data-interfaces';

export interface KafkaRequirerOptions {
  /** The topic to request (the MirrorMaker integrator asks for the dummy `__mirrormaker-user`). */
  readonly topic: string;
  /** e.g. `admin` (a super user on Kafka), `consumer`, `producer`. */
  readonly extraUserRoles?: string;
  readonly consumerGroupPrefix?: string;
  /** Default `DEFAULT_REQUESTED_SECRETS`. */
  readonly requestedSecrets?: readonly string[];
}

export interface KafkaClientData extends ClientCredentialsData {
  /** Bootstrap servers, `host:port`, in the provider's order. */
  readonly endpoints: readonly string[];
  /** The CA PEM, when the provider sent one (Kafka 4); Kafka 3 sends "enabled" here, not a CA. */
  readonly tlsCa?: string;
  readonly topic?: string;
  readonly consumerGroupPrefix?: string;
}

export interface KafkaRequirerEvents extends ClientRequirerEvents {
  /** username/password/tls/tls-ca appeared, changed (incl. secret rotation) or went away. */
  readonly credentialsChanged: EventSource<CustomEvent<InterfaceChange>>;
  /** `endpoints` appeared, changed or went away. */
  readonly endpointsChanged: EventSource<CustomEvent<InterfaceChange>>;
}

export class KafkaRequirer extends ClientRequirer<KafkaClientData, KafkaRequirerEvents> {
  readonly on: KafkaRequirerEvents;

  constructor(charm: CharmBase, endpoint: string, opts: KafkaRequirerOptions) {
    if (!opts.topic) throw new RelationDataError(endpoint, null, 'topic', 'missing', 'the kafka_client requirer must request a topic');
    const requestFields: Record<string, string> = { topic: opts.topic };
    if (opts.extraUserRoles) requestFields['extra-user-roles'] = opts.extraUserRoles;
    if (opts.consumerGroupPrefix) requestFields['consumer-group-prefix'] = opts.consumerGroupPrefix;
    super(charm, endpoint, {
      requestFields,
      ...(opts.requestedSecrets ? { requestedSecrets: opts.requestedSecrets } : {}),
      parseEndpoints: hostPortEndpoints,
      providerName: 'the Kafka provider',
    });
    const fw = charm.framework;
    this.on = {
      credentialsChanged: fw.defineEvent<InterfaceChange>(`${endpoint}.credentials-changed`),
      endpointsChanged: fw.defineEvent<InterfaceChange>(`${endpoint}.endpoints-changed`),
    };
  }

  /** The shared credential view plus `topic` and `consumer-group-prefix` when the provider sent them. */
  view(relation?: Relation | number): RequirerView<KafkaClientData> {
    const { fields: f, view } = this.viewCredentials(relation);
    if (!view.ready) return view;
    const topic = f.get('topic');
    const consumerGroupPrefix = f.get('consumer-group-prefix');
    return {
      ready: true,
      data: {
        ...view.data,
        ...(topic !== undefined ? { topic } : {}),
        ...(consumerGroupPrefix !== undefined ? { consumerGroupPrefix } : {}),
      },
    };
  }
}
