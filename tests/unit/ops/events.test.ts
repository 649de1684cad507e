import {
  ActiveStatus,
  CharmBase,
  CollectStatusEvent,
  Framework,
  HookEvent,
  RelationBrokenEvent,
  RelationDepartedEvent,
  runCharm,
  SecretEvent,
  STATE_KEYS,
  StorageEvent,
  WorkloadEvent,
} from '../../../lib/ops';
import { FakeJuju, hookEnv, Output, relationEnv, testMeta } from './fake-juju';

const meta = testMeta();
const got: Record<string, unknown>[] = [];

class C extends CharmBase {
  constructor(fw: Framework) {
    super(fw);
    fw.observe(this.on.secretChanged, this.onSecret);
    fw.observe(this.on.secretRemove, this.onSecret);
    fw.observe(this.on.storageAttached('data'), this.onStorage);
    fw.observe(this.on.pebbleReady('workload'), this.onWorkload);
    fw.observe(this.on.pebbleCustomNotice('workload'), this.onWorkload);
    fw.observe(this.on.relationDeparted('source'), this.onDeparted);
    fw.observe(this.on.relationBroken('source'), this.onBroken);
    fw.observe(this.on.leaderElected, this.onLeader);
    fw.observe(this.on.collectAppStatus, this.collectApp);
  }
  onSecret = (e: SecretEvent) => {
    got.push({ id: e.secretId, label: e.secretLabel, revision: e.revision, content: e.secret.peekContent() });
  };
  onStorage = (e: StorageEvent) => {
    got.push({ storage: e.storage.id, location: e.storage.location });
  };
  onWorkload = (e: WorkloadEvent) => {
    got.push({ workload: e.workload.name, notice: e.workload.noticeKey });
  };
  onDeparted = (e: RelationDepartedEvent) => {
    got.push({
      departing: e.departingUnit,
      units: e.relation.units,
      departingData: e.relation.remoteUnitData(e.departingUnit!).get('a'),
    });
  };
  onBroken = (e: RelationBrokenEvent) => {
    got.push({
      active: e.relation.active,
      listed: this.model.relations('source').map((r) => r.id),
      remote: e.relation.remoteAppData.get('endpoints'),
    });
  };
  onLeader = (_e: HookEvent) => {
    got.push({ leader: this.model.unit.isLeader() });
  };
  collectApp = (e: CollectStatusEvent) => {
    e.addStatus(new ActiveStatus('app ok'));
  };
}

async function run(j: FakeJuju, env: Record<string, string>) {
  const out = new Output();
  return runCharm(C, { env, runner: j, meta, stdout: out.stdout, stderr: out.stderr });
}

beforeEach(() => got.splice(0));

function juju(): FakeJuju {
  const j = new FakeJuju();
  j.secrets.push({ id: 'secret:abc', label: 'creds', owner: 'application', revisions: [{ username: 'u1' }, { username: 'u2' }] });
  j.relations.push({
    id: 1,
    endpoint: 'source',
    remoteApp: 'kafka',
    units: ['kafka/1'],
    bags: { kafka: { endpoints: 'k:9092' }, 'kafka/0': { a: 'bye' } },
  });
  return j;
}

it('secret events carry id, label and revision', async () => {
  const j = juju();
  await run(j, hookEnv('secret-changed', { JUJU_SECRET_ID: 'secret:abc', JUJU_SECRET_LABEL: 'creds' }));
  await run(j, hookEnv('secret-remove', { JUJU_SECRET_ID: 'secret:abc', JUJU_SECRET_REVISION: '1' }));
  expect(got).toEqual([
    { id: 'secret:abc', label: 'creds', revision: null, content: { username: 'u2' } },
    { id: 'secret:abc', label: null, revision: 1, content: { username: 'u2' } },
  ]);
});

it('storage and workload events carry their details', async () => {
  const j = juju();
  await run(j, hookEnv('data-storage-attached', { JUJU_STORAGE_ID: 'data/0', JUJU_STORAGE_LOCATION: '/srv/data' }));
  await run(j, hookEnv('workload-pebble-ready', { JUJU_WORKLOAD_NAME: 'workload' }));
  await run(
    j,
    hookEnv('workload-pebble-custom-notice', {
      JUJU_WORKLOAD_NAME: 'workload',
      JUJU_NOTICE_ID: '1',
      JUJU_NOTICE_TYPE: 'custom',
      JUJU_NOTICE_KEY: 'x.com/y',
    }),
  );
  expect(got).toEqual([
    { storage: 'data/0', location: '/srv/data' },
    { workload: 'workload', notice: null },
    { workload: 'workload', notice: 'x.com/y' },
  ]);
});

it('departed: the departing unit is not in units, but its bag is readable', async () => {
  const j = juju();
  await run(j, relationEnv('source', 'departed', 1, 'kafka', 'kafka/0', { JUJU_DEPARTING_UNIT: 'kafka/0' }));
  expect(got).toEqual([{ departing: 'kafka/0', units: ['kafka/1'], departingData: 'bye' }]);
});

it('broken: the relation is inactive, left out of relations(), remote data still readable', async () => {
  const j = juju();
  await run(j, relationEnv('source', 'broken', 1, 'kafka'));
  expect(got).toEqual([{ active: false, listed: [], remote: 'k:9092' }]);
});

it('leader-elected re-sets the app status even if remembered (the old leader may have changed it)', async () => {
  const j = juju();
  j.state[STATE_KEYS.appStatus] = JSON.stringify({ name: 'active', message: 'app ok' });
  await run(j, hookEnv('leader-elected'));
  expect(got).toEqual([{ leader: true }]);
  expect(j.statusLog).toEqual([{ app: true, status: 'active', message: 'app ok' }]);
  await run(j, hookEnv('config-changed'));
  expect(j.statusLog).toHaveLength(1);
});
