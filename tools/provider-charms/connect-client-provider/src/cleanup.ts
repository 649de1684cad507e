/**
 * Charmed Kafka Connect's clean-up when a unit of a client application departs (its
 * relation-departed handler; README.md, "Scaling down"): its leader DELETEs every connector whose
 * name matches `.+?r<relation-id>_[0-9a-f]{32}$`, i.e. every connector that client made, even
 * though other units of the client remain. Emulated so the integrator's recovery from it can be
 * tested.
 */
import axios, { type AxiosInstance } from 'axios';
import * as https from 'node:https';
import type { ConnectSettings } from './settings';

/** The names Connect deletes for relation `relationId`. */
export function connectorsOfRelation(names: readonly string[], relationId: number): string[] {
  const pattern = new RegExp(`.+?r${relationId}_[0-9a-f]{32}$`);
  return names.filter((n) => pattern.test(n));
}

function client(baseURL: string, s: ConnectSettings): AxiosInstance {
  return axios.create({
    baseURL,
    timeout: 10_000,
    auth: { username: s.credentials.username, password: s.credentials.password },
    // TLS stays verified: against the configured CA.
    ...(s.tlsCa !== undefined ? { httpsAgent: new https.Agent({ ca: s.tlsCa }) } : {}),
    validateStatus: () => true,
  });
}

/**
 * Delete the relation's connectors through the first worker that answers. Returns the names
 * deleted; throws an Error whose message carries no credentials when no worker answers.
 */
export async function deleteRelationConnectors(s: ConnectSettings, relationId: number): Promise<string[]> {
  const failures: string[] = [];
  for (const url of s.endpoints) {
    const http = client(url, s);
    try {
      const list = await http.get<unknown>('/connectors');
      if (list.status !== 200 || !Array.isArray(list.data)) {
        failures.push(`${url}: GET /connectors answered ${list.status}`);
        continue;
      }
      const doomed = connectorsOfRelation(
        list.data.filter((n): n is string => typeof n === 'string'),
        relationId,
      );
      for (const name of doomed) {
        const r = await http.delete(`/connectors/${encodeURIComponent(name)}`);
        if (r.status !== 204 && r.status !== 404) throw new Error(`DELETE /connectors/${name} on ${url} answered ${r.status}`);
      }
      return doomed;
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('DELETE ')) throw e;
      failures.push(`${url}: ${axios.isAxiosError(e) ? (e.code ?? 'request failed') : 'request failed'}`);
    }
  }
  throw new Error(`cannot reach Kafka Connect to delete the connectors of relation ${relationId}: ${failures.join('; ')}`);
}
