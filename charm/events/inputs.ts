// Everything one reconcile needs from Juju, read once per dispatch: the validated config, the
// views of the three relations (through lib/interfaces, secrets resolved) and, when all of that is
// usable, the desired connector set (charm/core, pure).
import type { Model, Relation } from '../../lib/ops';
import { ConfigError as OpsConfigError } from '../../lib/ops';
import { RelationDataError, type CertificateTransferRequirer, type ConnectRequirer, type KafkaRequirer } from '../../lib/interfaces';
import {
  buildMirrorFlow,
  desiredConnectors,
  ownedConnectorPattern,
  parseConnectRelation,
  parseKafkaRelation,
  noConnectCaHint,
  parseMirrorConfig,
  secretsOf,
  withTransferredCa,
  validateFlow,
  type ConfigError,
  type ConnectView,
  type DesiredConnector,
  type KafkaClusterView,
  type MirrorConfig,
  type MirrorFlow,
  type RawRelation,
  type RelationReadiness,
} from '../core';

export interface Requirers {
  readonly source: KafkaRequirer;
  readonly target: KafkaRequirer;
  readonly connect: ConnectRequirer;
  /** receive-ca-cert (certificate_transfer): CAs to trust for Connect when the relation sends none. */
  readonly caTransfer?: CertificateTransferRequirer;
}

export interface MirrorInputs {
  readonly config: MirrorConfig | undefined;
  readonly configErrors: readonly ConfigError[];
  /** Accepted config worth a warning (log and Active status), e.g. a backtracking-prone regex. */
  readonly configWarnings: readonly ConfigError[];
  readonly relations: {
    readonly source: RelationReadiness<KafkaClusterView>;
    readonly target: RelationReadiness<KafkaClusterView>;
    readonly 'connect-client': RelationReadiness<ConnectView>;
  };
  /** Id of the live connect-client relation (names and the ownership pattern hang on it). */
  readonly connectRelationId: number | undefined;
  readonly flowProblems: readonly string[];
  readonly flow: MirrorFlow | undefined;
  /**
   * The connectors to converge to, or undefined when the charm must not write: the config is
   * invalid, or a relation is incomplete or unusable (Connect keeps what it has). An empty list
   * means "none of ours should exist" (source or target not related).
   */
  readonly desired: DesiredConnector[] | undefined;
  /** This charm's connectors for the live connect-client relation. */
  readonly ownedPattern: RegExp | undefined;
  /** Every secret value seen: SCRAM and REST passwords (JAAS strings contain them). */
  readonly knownSecrets: readonly string[];
  /** For a TLS failure with no CA: what to integrate (names this application's receive-ca-cert). */
  readonly noConnectCaHint: string;
}

/** Remote fields of the only relation on an endpoint; an unreadable secret counts as not there yet. */
function rawRelation(requirer: KafkaRequirer | ConnectRequirer, relation: Relation | null): RawRelation | undefined | 'unreadable' {
  if (relation === null) return undefined;
  try {
    const fields = requirer.dataInterfaces.remoteFields(relation);
    return { ...(relation.app ? { appName: relation.app } : {}), fields: fields.values };
  } catch (e) {
    if (e instanceof RelationDataError && e.problem === 'unreadable') return 'unreadable';
    throw e;
  }
}

function unreadable<V>(): RelationReadiness<V> {
  return { state: 'incomplete', missingFields: ['username', 'password (secret not readable yet)'] };
}

function readConfig(model: Model): { config: MirrorConfig | undefined; errors: ConfigError[]; warnings: ConfigError[] } {
  let raw: Readonly<Record<string, unknown>>;
  try {
    raw = model.config;
  } catch (e) {
    // Juju enforces option types, so this is a config.yaml/charm mismatch; still name the option.
    if (e instanceof OpsConfigError) return { config: undefined, errors: [{ option: 'config', message: e.message }], warnings: [] };
    throw e;
  }
  const parsed = parseMirrorConfig(raw);
  return parsed.ok
    ? { config: parsed.config, errors: [], warnings: parsed.warnings }
    : { config: undefined, errors: parsed.errors, warnings: parsed.warnings };
}

export function readInputs(model: Model, requirers: Requirers): MirrorInputs {
  const { config, errors: configErrors, warnings: configWarnings } = readConfig(model);

  const connectRel = requirers.connect.dataInterfaces.relation();
  const rawConnect = rawRelation(requirers.connect, connectRel);
  let connect: RelationReadiness<ConnectView> = rawConnect === 'unreadable' ? unreadable<ConnectView>() : parseConnectRelation(rawConnect);
  if (
    connect.state === 'ready' &&
    requirers.caTransfer &&
    connect.view.tlsCaPem === undefined &&
    connect.view.endpoints.some((e) => e.startsWith('https://'))
  ) {
    connect = { state: 'ready', view: withTransferredCa(connect.view, requirers.caTransfer.certificates()) };
  }
  const kafka = (name: 'source' | 'target'): RelationReadiness<KafkaClusterView> => {
    const requirer = requirers[name];
    const raw = rawRelation(requirer, requirer.dataInterfaces.relation());
    return raw === 'unreadable' ? unreadable<KafkaClusterView>() : parseKafkaRelation(name, raw);
  };
  const source = kafka('source');
  const target = kafka('target');

  const views = [source, target, connect].map((r) => (r.state === 'ready' ? r.view : undefined));
  const knownSecrets = secretsOf(...views);
  if (connect.state === 'ready') {
    // What the basic-auth header carries, should anything ever echo it.
    knownSecrets.push(Buffer.from(`${connect.view.username}:${connect.view.password}`).toString('base64'));
  }

  const connectRelationId = connectRel?.id;
  const ownedPattern = connectRelationId !== undefined ? ownedConnectorPattern(model.app.name, connectRelationId, model.uuid) : undefined;
  const flowProblems = source.state === 'ready' && target.state === 'ready' ? validateFlow(source.view, target.view) : [];
  const flow =
    config && source.state === 'ready' && target.state === 'ready' ? buildMirrorFlow(config, source.view, target.view) : undefined;

  let desired: DesiredConnector[] | undefined;
  const anyUnusable = [source, target, connect].some((r) => r.state === 'incomplete' || r.state === 'invalid');
  if (config === undefined || anyUnusable || flowProblems.length > 0 || connectRelationId === undefined) {
    desired = undefined;
  } else if (source.state !== 'ready' || target.state !== 'ready') {
    desired = []; // a Kafka side is not related (or was just removed): none of ours should run
  } else {
    desired = desiredConnectors({
      config,
      source: source.view,
      target: target.view,
      appName: model.app.name,
      connectRelationId,
      modelUuid: model.uuid,
    });
  }

  return {
    config,
    configErrors,
    configWarnings,
    relations: { source, target, 'connect-client': connect },
    connectRelationId,
    flowProblems,
    flow,
    desired,
    ownedPattern,
    knownSecrets,
    noConnectCaHint: noConnectCaHint(model.app.name, requirers.caTransfer?.integrated ?? false),
  };
}
