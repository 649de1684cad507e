/**
 * `kafka_client` v0, requirer side (what Charmed Kafka serves): the leader asks for a `topic`
 * (and `extra-user-roles`, `consumer-group-prefix`); Kafka answers with `endpoints`
 * (comma-separated host:port), `username`/`password` in `secret-user`, `tls`/`tls-ca` in
 * `secret-tls` (or plain fields when not requested as secrets), `topic`, `consumer-group-prefix`.
 */
import type { CharmBase } from '../ops/charm';
import type { CustomEvent, EventSource } from '../ops/events';
import type { Relation } from '../ops/model';
import {
  DataInterfacesRequirer,
  InterfaceChange,
  parseHostPortList,
  RelationDataError,
  RemoteDataChange,
  RequirerView,
} from './data-interfaces';

export interface KafkaRequirerOptions {
  /** The topic to request (the MirrorMaker integrator asks for the dummy `__mirrormaker-user`). */
  readonly topic: string;
  /** e.g. `admin` (a super user on Kafka), `consumer`, `producer`. */
  readonly extraUserRoles?: string;
  readonly consumerGroupPrefix?: string;
  /** Default `DEFAULT_REQUESTED_SECRETS`. */
  readonly requestedSecrets?: readonly string[];
}

export interface KafkaClientData {
  readonly relationId: number;
  readonly remoteApp: string | null;
  /** Bootstrap servers, `host:port`, in the provider's order. */
  readonly endpoints: readonly string[];
  readonly username: string;
  readonly password: string;
  /** True only when the provider says `tls: enabled`. */
  readonly tls: boolean;
  /** The CA PEM, when the provider sent one (Kafka 4); Kafka 3 sends "enabled" here, not a CA. */
  readonly tlsCa?: string;
  readonly topic?: string;
  readonly consumerGroupPrefix?: string;
}

const CREDENTIAL_FIELDS = ['username', 'password', 'tls', 'tls-ca'];
const REQUIRED = ['endpoints', 'username', 'password'] as const;

export interface KafkaRequirerEvents {
  /** username/password/tls/tls-ca appeared, changed (incl. secret rotation) or went away. */
  readonly credentialsChanged: EventSource<CustomEvent<InterfaceChange>>;
  /** `endpoints` appeared, changed or went away. */
  readonly endpointsChanged: EventSource<CustomEvent<InterfaceChange>>;
}

export class KafkaRequirer {
  readonly endpoint: string;
  readonly on: KafkaRequirerEvents;
  readonly dataInterfaces: DataInterfacesRequirer;

  constructor(
    private readonly charm: CharmBase,
    endpoint: string,
    opts: KafkaRequirerOptions,
  ) {
    this.endpoint = endpoint;
    if (!opts.topic) throw new RelationDataError(endpoint, null, 'topic', 'missing', 'the kafka_client requirer must request a topic');
    const fw = charm.framework;
    this.on = {
      credentialsChanged: fw.defineEvent<InterfaceChange>(`${endpoint}.credentials-changed`),
      endpointsChanged: fw.defineEvent<InterfaceChange>(`${endpoint}.endpoints-changed`),
    };
    const requestFields: Record<string, string> = { topic: opts.topic };
    if (opts.extraUserRoles) requestFields['extra-user-roles'] = opts.extraUserRoles;
    if (opts.consumerGroupPrefix) requestFields['consumer-group-prefix'] = opts.consumerGroupPrefix;
    this.dataInterfaces = new DataInterfacesRequirer(charm, {
      endpoint,
      requestFields,
      ...(opts.requestedSecrets ? { requestedSecrets: opts.requestedSecrets } : {}),
      onChange: (change) => this.emitFor(change),
    });
  }

  private async emitFor(change: RemoteDataChange): Promise<void> {
    const fw = this.charm.framework;
    const credentials = change.fields.filter((f) => CREDENTIAL_FIELDS.includes(f));
    if (credentials.length > 0) await fw.emit(this.on.credentialsChanged, { relationId: change.relation.id, fields: credentials });
    if (change.fields.includes('endpoints')) await fw.emit(this.on.endpointsChanged, { relationId: change.relation.id, fields: ['endpoints'] });
  }

  get relations(): Relation[] {
    return this.dataInterfaces.relations;
  }

  /**
   * The typed data of one relation (default: the only one), or which required fields are still
   * missing. Throws `RelationDataError` for a malformed field.
   */
  view(relation?: Relation | number): RequirerView<KafkaClientData> {
    const rel = this.pick(relation);
    const f = this.dataInterfaces.remoteFields(rel);
    const endpointsRaw = f.get('endpoints');
    const endpoints = endpointsRaw !== undefined ? parseHostPortList(endpointsRaw, f, 'endpoints') : undefined;
    const tls = f.tlsEnabled();
    const tlsCa = f.tlsCa();
    const username = f.get('username');
    const password = f.get('password');
    if (endpoints === undefined || username === undefined || password === undefined) {
      return { ready: false, relationId: rel.id, missing: REQUIRED.filter((k) => f.get(k) === undefined) };
    }
    const topic = f.get('topic');
    const consumerGroupPrefix = f.get('consumer-group-prefix');
    return {
      ready: true,
      data: {
        relationId: rel.id,
        remoteApp: rel.app,
        endpoints,
        username,
        password,
        tls,
        ...(tlsCa !== undefined ? { tlsCa } : {}),
        ...(topic !== undefined ? { topic } : {}),
        ...(consumerGroupPrefix !== undefined ? { consumerGroupPrefix } : {}),
      },
    };
  }

  /** Like `view`, but a missing field is a `RelationDataError` too. */
  read(relation?: Relation | number): KafkaClientData {
    const v = this.view(relation);
    if (v.ready) return v.data;
    const rel = this.pick(relation);
    throw new RelationDataError(`${rel.name}:${rel.id}`, rel.app, v.missing[0], 'missing', `waiting for the Kafka provider to publish ${v.missing.join(', ')}`);
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
