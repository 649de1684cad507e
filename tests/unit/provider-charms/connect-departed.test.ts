/** connect-client-provider's emulation of Connect's connector clean-up on relation-departed, over a fake Connect REST server. */
import { STATE_KEYS } from '../../../lib/ops';
import { Context, events, state } from '../../../lib/testing';
import { connectorsOfRelation } from '../../../tools/provider-charms/connect-client-provider/src/cleanup';
import { ConnectClientProviderCharm } from '../../../tools/provider-charms/connect-client-provider/src/charm';
import { startFakeConnect, type FakeConnect } from '../../../tools/testkit/fake-connect';
import { CONNECT_DIR, CONNECT_REQUEST, PASSWORD, requirerRelation } from './fixtures';

const HEX = '0123456789abcdef0123456789abcdef';
const ctx = new Context(ConnectClientProviderCharm, { charmDir: CONNECT_DIR });
let fake: FakeConnect;

beforeAll(async () => {
  fake = await startFakeConnect({ auth: { username: 'admin', password: PASSWORD } });
});
afterAll(async () => {
  await fake.stop();
});

function departed(endpoints: string) {
  const rel = requirerRelation('connect-client', 9, CONNECT_REQUEST);
  const s = state({ leader: true, config: { endpoints, username: 'admin', password: PASSWORD }, relations: [rel] });
  return { s, event: events.relationDeparted(rel, { remoteUnit: 'mm/0' }) };
}

describe('connect-client-provider: relation-departed clean-up', () => {
  it('matches what Connect matches: .+?r<id>_<32 hex>$', () => {
    const names = [
      `mirror_source_r9_${HEX}`,
      `mirror_checkpoint_r9_${HEX}`,
      `mirror_source_r19_${HEX}`,
      `r9_${HEX}`,
      `x_r9_${HEX}x`,
      'mine',
    ];
    expect(connectorsOfRelation(names, 9)).toEqual([`mirror_source_r9_${HEX}`, `mirror_checkpoint_r9_${HEX}`]);
  });

  it("the leader DELETEs the departing client's connectors, with basic auth, and leaves the others", async () => {
    const cfg = { 'connector.class': 'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector', 'tasks.max': '1' };
    for (const n of [`mirror_source_r9_${HEX}`, `mirror_checkpoint_r9_${HEX}`, `mirror_source_r10_${HEX}`, 'mine'])
      fake.addConnector(n, cfg);
    fake.clearRequests();
    const { s, event } = departed(fake.url);
    await ctx.run(event, s);
    expect(ctx.records.exitCode).toBe(0);
    expect([...fake.state.connectors.keys()].sort()).toEqual(['mine', `mirror_source_r10_${HEX}`]);
    expect(fake.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /connectors/mirror_source_r9_${HEX}`,
      `DELETE /connectors/mirror_checkpoint_r9_${HEX}`,
    ]);
  });

  it('an unreachable Connect defers the event, without the password in any log', async () => {
    const { s, event } = departed('http://127.0.0.1:1');
    const after = await ctx.run(event, s);
    expect(ctx.records.exitCode).toBe(0);
    expect(after.storedState[STATE_KEYS.deferred]).toContain('connect-client-relation-departed');
    expect(ctx.records.jujuLog.map((l) => l.message).join('\n')).toContain(
      'cannot reach Kafka Connect to delete the connectors of relation 9',
    );
    expect(JSON.stringify(ctx.records.jujuLog)).not.toContain(PASSWORD);
  });
});
