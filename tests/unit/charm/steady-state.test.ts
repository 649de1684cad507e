// Steady state, config changes and config validation: what reaches Kafka Connect and Juju.
import type { FakeConnect } from '../../../tools/testkit/fake-connect';
import { authedFake, deployed, events, expectNoSecrets, fastClient, IDS, NAMES, World, writesOf } from './world';

let fake: FakeConnect;
let base: World;
beforeAll(async () => {
  fastClient();
  fake = await authedFake();
  base = await deployed(fake);
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => expectNoSecrets(base));

describe('steady state', () => {
  it('update-status on the leader: 1 GET, no REST write, no relation-set, and a bounded list of hook tools', async () => {
    const w = base.clone();
    await w.run(events.updateStatus()); // settle status memory
    const { result, requests } = await w.runCounting(events.updateStatus());
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /connectors']);
    expect(requests[0].query['expand']).toEqual(['status', 'info']);
    const calls = result.transcript.map((t) => t.tool);
    expect(calls).not.toContain('relation-set');
    expect(calls).not.toContain('status-set');
    expect(calls).not.toContain('juju-log');
    // One relation-ids per endpoint (lib/ops remembers no relation ids); remote app names come
    // from controller state (lib/ops), so no relation-list --app.
    // Every credential is read (one secret-get per secret) so Connect is always compared with
    // what the secrets hold now; skipping the three Kafka ones saved 3 calls but let a rotated
    // password stay on Connect after a hook that did not write it.
    const count = (tool: string): number => calls.filter((c) => c === tool).length;
    expect({
      'config-get': count('config-get'),
      'relation-ids': count('relation-ids'),
      'relation-get': count('relation-get'),
      'secret-get': count('secret-get'),
    }).toEqual({
      'config-get': 1,
      'relation-ids': 5, // the four above + receive-ca-cert (a CA for Connect's https when the relation sends none)
      'relation-get': 4, // connect-client, source, target, peer
      'secret-get': 4,
    });
    expect(
      result.transcript
        .filter((t) => t.tool === 'secret-get')
        .map((t) => t.args[1])
        .sort(),
    ).toEqual(
      [
        `connect-client.${IDS.connect}.user.secret`,
        `source.${IDS.source}.user.secret`,
        `source.${IDS.source}.tls.secret`,
        `target.${IDS.target}.user.secret`,
      ].sort(),
    );
    expect(result.state.unitStatus.name).toBe('active');
    expectNoSecrets(w);
  });

  it('a non-leader update-status: is-leader, the published status from the peer bag, nothing else', async () => {
    const w = base.clone({ leader: false });
    await w.run(events.updateStatus()); // settle status memory
    const { result, requests } = await w.runCounting(events.updateStatus());
    expect(requests).toEqual([]);
    const calls = result.transcript.map((t) => t.tool);
    expect(new Set(calls)).toEqual(new Set(['state-get', 'is-leader', 'relation-ids', 'relation-get']));
    expect(calls.filter((t) => t === 'relation-get')).toHaveLength(1);
  });

  it('a no-op relation-changed (same provider data) makes zero REST writes and zero relation-set', async () => {
    const w = base.clone();
    const rel = w.relation(10);
    const { result, requests } = await w.runCounting(events.relationChanged(rel, { appChange: true }));
    expect(writesOf(requests)).toEqual([]);
    expect(result.transcript.filter((t) => t.tool === 'relation-set')).toEqual([]);
    expectNoSecrets(w);
  });

  it('changing topics PUTs exactly the source and checkpoint connectors, once each', async () => {
    const w = base.clone({ config: { topics: 'orders,payments.*' } });
    const { result, requests } = await w.runCounting(events.configChanged());
    expect(
      writesOf(requests)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([`PUT /connectors/${NAMES.checkpoint}/config`, `PUT /connectors/${NAMES.source}/config`].sort());
    expect(fake.connector(NAMES.source)!.config['topics']).toBe('orders,payments.*');
    expect(fake.connector(NAMES.checkpoint)!.config['topics']).toBe('orders,payments.*');
    expect(result.state.unitStatus.name).toBe('active');
    // Converged: the next hook writes nothing.
    const again = await w.runCounting(events.updateStatus());
    expect(writesOf(again.requests)).toEqual([]);
    // Back to the default for the other tests.
    const back = w.clone({ config: {} });
    await back.run(events.configChanged());
    expect(fake.connector(NAMES.source)!.config['topics']).toBe('.*');
    expectNoSecrets(w);
  });
});

describe('invalid config: Blocked naming the option, Connect untouched', () => {
  const cases: [string, string | number, RegExp][] = [
    ['topics', 'orders,(unclosed', /^topics: invalid regex '\(unclosed'/],
    ['topics', '   ', /^topics: is empty/],
    ['topics_exclude', 'a[', /^topics_exclude: invalid regex 'a\['/],
    ['groups', '', /^groups: is empty/],
    [
      'groups_exclude',
      '(?i)x{99999999999}',
      /^groups_exclude: invalid regex '\(\?i\)x\{99999999999\}' \(Java: Illegal repetition range near index 15\)/,
    ],
    ['topics', '[a-\\d]', /^topics: invalid regex '\[a-\\d\]' \(Java: Illegal character range near index 4\)/],
    ['tasks_max', 0, /^tasks_max: 0 is out of range/],
    ['tasks_max', 1001, /^tasks_max: 1001 is out of range/],
    ['replication_factor', 0, /^replication_factor: 0 is invalid/],
    ['key_converter', 'not a class', /^key_converter: 'not a class' is not a fully qualified Java class name/],
    ['value_converter', 'Bytes', /^value_converter: 'Bytes' is not a fully qualified/],
    ['sync_group_offsets_interval_seconds', 0, /^sync_group_offsets_interval_seconds: 0 is out of range/],
    ['refresh_topics_interval_seconds', 86401, /^refresh_topics_interval_seconds: 86401 is out of range/],
    ['refresh_groups_interval_seconds', -5, /^refresh_groups_interval_seconds: -5 is out of range/],
    ['emit_checkpoints_interval_seconds', 0, /^emit_checkpoints_interval_seconds: 0 is out of range/],
    ['offset_syncs_topic_location', 'middle', /^offset_syncs_topic_location: 'middle' is not allowed/],
  ];
  it.each(cases)('%s=%p', async (option, value, message) => {
    const before = JSON.stringify([...fake.state.connectors.values()].map((c) => [c.name, c.config, c.targetState]));
    const w = base.clone({ config: { [option]: value } });
    const { result, requests } = await w.runCounting(events.configChanged());
    expect(result.state.unitStatus.name).toBe('blocked');
    expect(result.state.unitStatus.message).toMatch(message);
    expect(result.state.appStatus).toEqual(result.state.unitStatus);
    expect(writesOf(requests)).toEqual([]);
    expect(JSON.stringify([...fake.state.connectors.values()].map((c) => [c.name, c.config, c.targetState]))).toBe(before);
    expect(result.jujuLog.some((l) => l.level === 'WARNING' && l.message.includes(`${option}:`))).toBe(true);
    // update-status keeps it Blocked and still writes nothing.
    const later = await w.runCounting(events.updateStatus());
    expect(later.result.state.unitStatus.message).toMatch(message);
    expect(writesOf(later.requests)).toEqual([]);
    expectNoSecrets(w);
  });

  it('several bad options: the first is shown, the count of the rest is given', async () => {
    const w = base.clone({ config: { tasks_max: 0, topics: '' } });
    const r = await w.run(events.configChanged());
    expect(r.state.unitStatus.message).toMatch(/^topics: is empty.*\(\+1 more config error in the log\)$/);
  });
});

describe("config Kafka Connect itself refuses: found with Connect's validation before any write", () => {
  it.each([
    [
      'key_converter',
      'org.example.DoesNotExist',
      /^key_converter: Kafka Connect refuses 'org\.example\.DoesNotExist' for key\.converter \(Invalid value org\.example\.DoesNotExist for configuration key\.converter: Class org\.example\.DoesNotExist could not be found\.\); no connector was changed/,
    ],
    [
      'value_converter',
      'java.lang.String',
      /^value_converter: Kafka Connect refuses 'java\.lang\.String' for value\.converter \(Class class java\.lang\.String does not implement the Converter interface\); no connector was changed/,
    ],
  ])("%s=%s: Blocked naming the key and Connect's reason, no connector half-updated", async (option, value, message) => {
    const before = JSON.stringify([...fake.state.connectors.values()].map((c) => [c.name, c.config, c.targetState]));
    // topics changes too, so every connector would be rewritten: none may be.
    const w = base.clone({ config: { [option]: value, topics: 'orders' } });
    const { result, requests } = await w.runCounting(events.configChanged());
    expect(result.state.unitStatus.name).toBe('blocked');
    expect(result.state.unitStatus.message).toMatch(message);
    expect(requests.filter((r) => r.path.endsWith('/config/validate')).length).toBeGreaterThan(0);
    expect(writesOf(requests)).toEqual([]);
    expect(JSON.stringify([...fake.state.connectors.values()].map((c) => [c.name, c.config, c.targetState]))).toBe(before);
    expect(result.jujuLog.some((l) => l.level === 'WARNING' && l.message.startsWith(`${option}: Kafka Connect refuses`))).toBe(true);
    expectNoSecrets(w);
    // Fixed config: validation passes and the writes go through.
    const fixed = await w
      .clone({ config: { [option]: 'org.apache.kafka.connect.converters.ByteArrayConverter', topics: 'orders' } })
      .runCounting(events.configChanged());
    expect(fixed.result.state.unitStatus.name).not.toBe('blocked');
    expect(writesOf(fixed.requests).length).toBeGreaterThan(0);
    // Back to the base config for the other tests.
    await base.run(events.configChanged());
  });
});

describe('oversize values: a clear Blocked message with the limit, never a hook error', () => {
  it('a 100 kB topics list is written (under the limit)', async () => {
    const topics = Array.from({ length: 12_000 }, (_v, i) => `topic-${i}`).join(',');
    expect(topics.length).toBeGreaterThan(100_000);
    const w = base.clone({ config: { topics } });
    const { result, requests } = await w.runCounting(events.configChanged());
    expect(result.state.unitStatus.name).not.toBe('blocked');
    expect(writesOf(requests).length).toBeGreaterThan(0);
    expect(fake.connector(NAMES.source)!.config['topics']).toBe(topics);
    await base.run(events.configChanged());
  });
  it('a 1.2 MB topics list is refused before writing, naming the 1 MiB config-record limit; the status stays short', async () => {
    const topics = Array.from({ length: 110_000 }, (_v, i) => `topic-${i}`).join(',');
    expect(topics.length).toBeGreaterThan(1_200_000);
    const w = base.clone({ config: { topics } });
    const { result, requests } = await w.runCounting(events.configChanged());
    expect(result.state.unitStatus.name).toBe('blocked');
    expect(result.state.unitStatus.message).toMatch(/^topics: is \d+ bytes; .*at most 524288 bytes.*1 MiB \(1048576 bytes\)/);
    expect(result.state.unitStatus.message.length).toBeLessThan(1024);
    expect(writesOf(requests)).toEqual([]);
  });
});

describe('catastrophic-backtracking regexes: accepted (Java compiles them) with a warning', () => {
  it('(a+)+$ is written; the Active status and the log carry the warning', async () => {
    const w = base.clone({ config: { topics: 'orders,(a+)+$' } });
    const { result } = await w.runCounting(events.configChanged());
    expect(fake.connector(NAMES.source)!.config['topics']).toBe('orders,(a+)+$');
    const after = await w.run(events.updateStatus());
    expect(after.state.unitStatus.name).toBe('active');
    expect(after.state.unitStatus.message).toMatch(/; warning: topics has a regex prone to catastrophic backtracking \(see the log\)$/);
    expect(
      result.jujuLog.some(
        (l) =>
          l.level === 'WARNING' &&
          /config accepted with a warning: topics: item '\(a\+\)\+\$': '\(a\+\)\+' repeats a group/.test(l.message),
      ),
    ).toBe(true);
    await base.run(events.configChanged());
  });
});
