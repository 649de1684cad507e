/**
 * What both provider test doubles share: where their credentials come from, the clean-up of a
 * relation's secrets when it is broken, and the "serving N clients" status.
 *
 * These charms stand in for Charmed Kafka and Charmed Kafka Connect in the local model and the
 * e2e tests. They publish data_interfaces v0 exactly as those charms do (lib/interfaces/providers)
 * but take the cluster's address and a pre-made user from their config instead of running a
 * workload.
 */
import { ActiveStatus, BlockedStatus, ModelError, SecretNotFoundError, type Model, type Relation, type StatusBase } from '../../../lib/ops';
import { SECRET_GROUPS, secretLabel } from '../../../lib/interfaces/data-interfaces';

/** A parsed value, or a message that says what is wrong and what to do (shown as Blocked). */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * The user handed to every requirer: the `credentials` user secret (keys `username`, `password`)
 * when set, otherwise the plain `username` + `password` options. Never puts a value in a message.
 */
export function readCredentials(model: Model): Parsed<Credentials> {
  const config = model.config;
  const secretId = config['credentials'];
  if (typeof secretId === 'string' && secretId !== '') {
    let content: Readonly<Record<string, string>>;
    try {
      // refresh: always hand out the latest revision the operator set (secret-changed too).
      content = model.getSecret({ id: secretId }).getContent({ refresh: true });
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      return {
        ok: false,
        problem: `cannot read the "credentials" secret ${secretId}: grant it with "juju grant-secret ${secretId} ${model.app.name}"`,
      };
    }
    const { username, password } = content;
    if (!username || !password) {
      return { ok: false, problem: `the "credentials" secret ${secretId} needs the keys "username" and "password"` };
    }
    return { ok: true, value: { username, password } };
  }
  const username = config['username'];
  const password = config['password'];
  const missing = [
    ...(typeof username === 'string' && username !== '' ? [] : ['username']),
    ...(typeof password === 'string' && password !== '' ? [] : ['password']),
  ];
  if (missing.length > 0 || typeof username !== 'string' || typeof password !== 'string') {
    return { ok: false, problem: `set "credentials" (a user secret) or ${missing.map((m) => `"${m}"`).join(' and ')}` };
  }
  return { ok: true, value: { username, password } };
}

const PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;

/** A PEM certificate (or chain), trimmed; undefined when `text` is not one. */
export function pemCertificate(text: string): string | undefined {
  return PEM_CERTIFICATE.test(text) ? text.trim() : undefined;
}

/**
 * On relation-broken: remove every secret this provider made for the relation (labels
 * `<endpoint>.<id>.<group>.secret`), as Kafka removes the relation's user. Leader only.
 * Returns the groups removed.
 */
export function removeRelationSecrets(model: Model, relation: Relation): string[] {
  const removed: string[] = [];
  for (const group of SECRET_GROUPS) {
    const label = secretLabel(relation.name, relation.id, group);
    try {
      model.getSecret({ label }).removeAllRevisions();
      removed.push(group);
    } catch (e) {
      if (!(e instanceof SecretNotFoundError)) throw e;
    }
  }
  return removed;
}

/**
 * Active "serving N clients" (N: relations whose requirer set the resource field), noting those
 * still waiting for it; Blocked with the configuration problem otherwise.
 */
export function servingStatus(model: Model, endpoint: string, resourceField: string, configProblem: string | null): StatusBase {
  if (configProblem !== null) return new BlockedStatus(configProblem);
  let serving = 0;
  let waiting = 0;
  for (const rel of model.relations(endpoint)) {
    if (rel.app !== null && rel.remoteAppData.get(resourceField)) serving++;
    else waiting++;
  }
  const clients = `serving ${serving} client${serving === 1 ? '' : 's'}`;
  return new ActiveStatus(waiting > 0 ? `${clients}; ${waiting} waiting for "${resourceField}"` : clients);
}
