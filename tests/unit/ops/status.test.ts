import {
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  CollectStatusEvent,
  ErrorStatus,
  Framework,
  highestPriorityStatus,
  MaintenanceStatus,
  MAX_STATUS_MESSAGE_CHARS,
  runCharm,
  STATE_KEYS,
  WaitingStatus,
} from '../../../lib/ops';
import { FakeJuju, hookEnv, Output, testMeta } from './fake-juju';

const meta = testMeta();

describe('highestPriorityStatus', () => {
  it('orders error > blocked > maintenance > waiting > active', () => {
    const s = [new ActiveStatus('a'), new WaitingStatus('w'), new MaintenanceStatus('m'), new BlockedStatus('b'), new ErrorStatus('e')];
    expect(highestPriorityStatus(s)?.name).toBe('error');
    expect(highestPriorityStatus(s.slice(0, 4))?.name).toBe('blocked');
    expect(highestPriorityStatus(s.slice(0, 3))?.name).toBe('maintenance');
    expect(highestPriorityStatus(s.slice(0, 2))?.name).toBe('waiting');
    expect(highestPriorityStatus([])).toBeNull();
  });
  it('lets the first added win a tie', () => {
    expect(highestPriorityStatus([new BlockedStatus('first'), new BlockedStatus('second')])?.message).toBe('first');
  });
});

describe('collect-status', () => {
  let unitStatuses: (() => unknown)[] = [];
  let appStatuses: (() => unknown)[] = [];
  let throwInHandler = false;
  class C extends CharmBase {
    constructor(fw: Framework) {
      super(fw);
      fw.observe(this.on.configChanged, this.onConfig);
      fw.observe(this.on.updateStatus, this.onConfig);
      fw.observe(this.on.collectUnitStatus, this.unitA);
      fw.observe(this.on.collectUnitStatus, this.unitB);
      if (appStatuses.length) fw.observe(this.on.collectAppStatus, this.app);
    }
    onConfig = () => {
      if (throwInHandler) throw new Error('nope');
    };
    unitA = (e: CollectStatusEvent) => {
      if (unitStatuses[0]) e.addStatus(unitStatuses[0]() as ActiveStatus);
    };
    unitB = (e: CollectStatusEvent) => {
      for (const f of unitStatuses.slice(1)) e.addStatus(f() as ActiveStatus);
    };
    app = (e: CollectStatusEvent) => {
      for (const f of appStatuses) e.addStatus(f() as ActiveStatus);
    };
  }
  beforeEach(() => {
    unitStatuses = [];
    appStatuses = [];
    throwInHandler = false;
  });

  const run = async (j: FakeJuju, hook = 'config-changed') => {
    const out = new Output();
    return runCharm(C, { env: hookEnv(hook), runner: j, meta, stdout: out.stdout, stderr: out.stderr });
  };

  it('sets the highest-priority unit status from all handlers', async () => {
    unitStatuses = [() => new ActiveStatus('fine'), () => new WaitingStatus('for source'), () => new BlockedStatus('no target')];
    const j = new FakeJuju();
    expect(await run(j)).toBe(0);
    expect(j.statusLog).toEqual([{ app: false, status: 'blocked', message: 'no target' }]);
    expect(JSON.parse(j.state[STATE_KEYS.unitStatus])).toEqual({ name: 'blocked', message: 'no target' });
  });

  it('caps a huge status message (a remote value of 200 KiB must not make status-set fail with E2BIG)', async () => {
    const huge = `bad value '${'x'.repeat(200 * 1024)}'`;
    unitStatuses = [() => new BlockedStatus(huge)];
    const j = new FakeJuju();
    expect(await run(j)).toBe(0);
    const [set] = j.statusLog;
    expect(set!.status).toBe('blocked');
    expect(set!.message.length).toBe(MAX_STATUS_MESSAGE_CHARS);
    expect(set!.message).toMatch(/^bad value 'x+ …\(\d+ more characters; see the log\)$/);
    // Remembered as set, so the next identical hook does not set it again.
    await run(j);
    expect(j.callsOf('status-set')).toHaveLength(1);
  });

  it('sets nothing when no status was added, and does not ask is-leader without app collectors', async () => {
    const j = new FakeJuju();
    await run(j);
    expect(j.statusLog).toEqual([]);
    expect(j.callsOf('is-leader')).toHaveLength(0);
  });

  it('sets app status only on the leader', async () => {
    appStatuses = [() => new ActiveStatus('app ok')];
    unitStatuses = [() => new ActiveStatus('unit ok')];
    const leader = new FakeJuju();
    await run(leader);
    expect(leader.statusLog).toEqual([
      { app: true, status: 'active', message: 'app ok' },
      { app: false, status: 'active', message: 'unit ok' },
    ]);
    const follower = new FakeJuju();
    follower.leader = false;
    await run(follower);
    expect(follower.statusLog).toEqual([{ app: false, status: 'active', message: 'unit ok' }]);
  });

  it('skips status-set when the status equals the last one the framework set', async () => {
    unitStatuses = [() => new ActiveStatus('steady')];
    const j = new FakeJuju();
    await run(j);
    await run(j);
    await run(j);
    expect(j.callsOf('status-set')).toHaveLength(1);
    // A different status is set again, and remembered.
    unitStatuses = [() => new MaintenanceStatus('restarting')];
    await run(j);
    expect(j.callsOf('status-set')).toHaveLength(2);
    // state-set only when the remembered status changed.
    expect(j.callsOf('state-set')).toHaveLength(2);
  });

  it('skips in update-status too (the most frequent event)', async () => {
    unitStatuses = [() => new ActiveStatus('steady')];
    const j = new FakeJuju();
    await run(j);
    await run(j, 'update-status');
    expect(j.callsOf('status-set')).toHaveLength(1);
  });

  it('after a failed hook that set a status directly, puts the remembered one back', async () => {
    unitStatuses = [() => new ActiveStatus('steady')];
    const j = new FakeJuju();
    await run(j);
    class Crashing extends CharmBase {
      constructor(fw: Framework) {
        super(fw);
        fw.observe(this.on.configChanged, this.onConfig);
      }
      onConfig = () => {
        this.model.unit.setStatus(new MaintenanceStatus('restarting connectors'));
        throw new Error('REST down');
      };
    }
    const out = new Output();
    expect(await runCharm(Crashing, { env: hookEnv('config-changed'), runner: j, meta, stdout: out.stdout, stderr: out.stderr })).toBe(1);
    expect(j.statusLog.slice(-2)).toEqual([
      { app: false, status: 'maintenance', message: 'restarting connectors' },
      { app: false, status: 'active', message: 'steady' },
    ]);
    // Memory and Juju agree again: the next identical status is skipped.
    await run(j);
    expect(j.callsOf('status-set')).toHaveLength(3);
  });

  it('does not collect status when a handler threw', async () => {
    unitStatuses = [() => new ActiveStatus('x')];
    throwInHandler = true;
    const j = new FakeJuju();
    expect(await run(j)).toBe(1);
    expect(j.statusLog).toEqual([]);
  });
});
