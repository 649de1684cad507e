import { CharmBase, Framework, RelationBrokenEvent } from '../../../lib/ops';
import { Context, events, relation, state } from '../../../lib/testing';
import { TINY_META, TinyCharm } from './tiny-charm';

/** Observes relation-broken and records what the model shows, through juju-log. */
class BrokenWatcher extends CharmBase {
  constructor(fw: Framework) {
    super(fw);
    fw.observe(this.on.relationBroken('source'), this.onBroken);
  }
  onBroken = (event: RelationBrokenEvent): void => {
    this.framework.logger.info(
      `broken ${event.relation.id} units=${event.relation.units.length} active=${this.model.relations('source').length}`,
    );
  };
}

describe('state round trip and relation-broken', () => {
  it('carries stored state, ports and statuses through a run that changes none of them', async () => {
    const before = state({
      storedState: { mine: 'kept' },
      openedPorts: [{ protocol: 'tcp', port: 8080 }, { protocol: 'udp', port: 9000, toPort: 9010 }, { protocol: 'icmp' }],
      appStatus: { name: 'active', message: 'app ok' },
    });
    const after = await new Context(TinyCharm, { meta: TINY_META }).run(events.hook('start'), before);
    expect(after.storedState['mine']).toBe('kept');
    expect(after.openedPorts).toEqual(before.openedPorts);
    expect(after.appStatus).toEqual({ name: 'active', message: 'app ok' });
  });

  it('relation-broken: empty remote unit in env, no joined units, relation excluded by the framework', async () => {
    const source = relation({ endpoint: 'source', remoteApp: 'kafka', id: 12 });
    const c = new Context(BrokenWatcher, { meta: TINY_META });
    await c.run(events.relationBroken(source), state({ relations: [source] }));
    expect(c.records.exitCode).toBe(0);
    expect(c.records.env['JUJU_REMOTE_UNIT']).toBe('');
    expect(c.records.env['JUJU_RELATION_ID']).toBe('source:12');
    expect(c.records.jujuLog.map((l) => l.message)).toContain('source:12: broken 12 units=0 active=0');
  });
});
