// A Kafka Connect that refuses the relation's credentials is named as such (not "unreachable"):
// 401 (wrong or rotated password) waits for the provider to publish working ones, 403 blocks.
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import { authedFake, deployed, events, expectNoSecrets, fastClient, NAMES, secrets, REST_USER } from './world';
import { secret } from '../../../lib/testing';

let fake: FakeConnect;
beforeAll(fastClient);
beforeEach(async () => {
  fake = await authedFake();
});
afterEach(async () => {
  await fake.stop();
});

describe('Connect refusing the credentials', () => {
  it('401 after the Connect side rotated the password: Waiting, "Kafka Connect refused the credentials …", nothing written', async () => {
    const w = await deployed(fake);
    // The relation still holds the old password: Connect now answers 401 to every request.
    w.replaceSecret(
      secret({ id: secrets.connectUser.id, ownerApp: 'kafka-connect', content: { username: REST_USER, password: 'stale-Pw-not-valid-9' } }),
    );
    const { result, requests } = await w.runCounting(events.updateStatus());
    expect(result.state.unitStatus.name).toBe('waiting');
    expect(result.state.unitStatus.message).toMatch(
      /^Kafka Connect refused the credentials of the connect-client relation \(401 from http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(result.state.unitStatus.message).not.toMatch(/unreachable/);
    expect(requests.every((r) => r.method === 'GET')).toBe(true);
    expect(fake.connector(NAMES.source)).toBeDefined();
    expectNoSecrets(w);
  });

  it('403 on a write: Blocked, naming the refused operation', async () => {
    const w = await deployed(fake);
    fake.state.connectors.delete(NAMES.heartbeat);
    // Writes only (config validation before them is allowed here).
    fake.injectResponse({ status: 403, body: { error_code: 403, message: 'Forbidden' }, method: 'PUT', path: /^\/connectors\//, times: 5 });
    const { result } = await w.runCounting(events.updateStatus());
    expect(result.state.unitStatus).toEqual({
      name: 'blocked',
      message: expect.stringMatching(
        /^Kafka Connect refused the credentials of the connect-client relation the right to write the config of connector '.*heartbeat.*' \(403 from .*\): Forbidden: the relation user lacks permission/,
      ),
    });
    expect(result.state.unitStatus.message).not.toMatch(/unreachable/);
  });

  it('403 on config validation: Blocked naming it, nothing written', async () => {
    const w = await deployed(fake);
    fake.state.connectors.delete(NAMES.heartbeat);
    fake.injectResponse({
      status: 403,
      body: { error_code: 403, message: 'Forbidden' },
      method: 'PUT',
      path: /\/config\/validate$/,
      times: 5,
    });
    const { result, requests } = await w.runCounting(events.updateStatus());
    expect(result.state.unitStatus.name).toBe('blocked');
    expect(result.state.unitStatus.message).toMatch(
      /^Kafka Connect refused the credentials of the connect-client relation the right to validate a config for 'org\.apache\.kafka\.connect\.mirror\.MirrorHeartbeatConnector' \(403 from .*\)/,
    );
    expect(requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/config/validate'))).toEqual([]);
    expect(fake.connector(NAMES.heartbeat)).toBeUndefined();
  });
});
