import { CONFIG_DEFAULTS, CONFIG_TYPES } from '../../../charm/generated/charm-types';
import {
  BYTE_ARRAY_CONVERTER,
  MAX_INTERVAL_SECONDS,
  MAX_REPLICATION_FACTOR,
  MAX_TASKS,
  defaultMirrorConfig,
  parseMirrorConfig,
  type ConfigError,
} from '../../../charm/core/config';

function errorsFor(raw: Record<string, unknown>): ConfigError[] {
  const result = parseMirrorConfig(raw);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(raw)}`);
  return result.errors;
}

function okConfig(raw: Record<string, unknown>) {
  const result = parseMirrorConfig(raw);
  if (!result.ok) throw new Error(`unexpected errors: ${result.errors.map((e) => e.message).join(' | ')}`);
  return result.config;
}

describe('parseMirrorConfig defaults', () => {
  it('gives the documented defaults for an empty config', () => {
    expect(defaultMirrorConfig()).toEqual({
      topics: ['.*'],
      topicsExclude: ['connect-configs', 'connect-offsets', 'connect-status'],
      groups: ['.*'],
      groupsExclude: ['console-consumer-.*'],
      prefixTopics: false,
      tasksMax: 1,
      replicationFactor: -1,
      keyConverter: BYTE_ARRAY_CONVERTER,
      valueConverter: BYTE_ARRAY_CONVERTER,
      syncGroupOffsets: true,
      syncGroupOffsetsIntervalSeconds: 30,
      refreshTopicsIntervalSeconds: 60,
      refreshGroupsIntervalSeconds: 60,
      emitCheckpointsIntervalSeconds: 30,
      heartbeats: true,
      syncTopicConfigs: true,
      syncTopicAcls: false,
      offsetSyncsTopicLocation: 'target',
      healthCheckBudgetSeconds: 8,
    });
  });

  it('keeps the reference integrator defaults for its seven options', () => {
    expect([CONFIG_TYPES.topics, CONFIG_DEFAULTS.topics]).toEqual(['string', '.*']);
    expect([CONFIG_TYPES.groups, CONFIG_DEFAULTS.groups]).toEqual(['string', '.*']);
    expect([CONFIG_TYPES.prefix_topics, CONFIG_DEFAULTS.prefix_topics]).toEqual(['boolean', false]);
    expect([CONFIG_TYPES.tasks_max, CONFIG_DEFAULTS.tasks_max]).toEqual(['int', 1]);
    expect([CONFIG_TYPES.replication_factor, CONFIG_DEFAULTS.replication_factor]).toEqual(['int', -1]);
    expect([CONFIG_TYPES.key_converter, CONFIG_DEFAULTS.key_converter]).toEqual(['string', BYTE_ARRAY_CONVERTER]);
    expect([CONFIG_TYPES.value_converter, CONFIG_DEFAULTS.value_converter]).toEqual(['string', BYTE_ARRAY_CONVERTER]);
  });

  it('treats null like an unset option (default)', () => {
    expect(okConfig({ tasks_max: null }).tasksMax).toBe(1);
  });

  it('parses a fully specified valid config', () => {
    const c = okConfig({
      topics: ' orders , payments\\..* ',
      topics_exclude: '',
      groups: 'app-(a|b)',
      groups_exclude: '',
      prefix_topics: true,
      tasks_max: 4,
      replication_factor: 3,
      key_converter: 'org.apache.kafka.connect.storage.StringConverter',
      value_converter: 'com.example.My$Converter',
      sync_group_offsets: false,
      sync_group_offsets_interval_seconds: 10,
      refresh_topics_interval_seconds: 300,
      refresh_groups_interval_seconds: 120,
      emit_checkpoints_interval_seconds: 15,
      heartbeats: false,
      sync_topic_configs: false,
      sync_topic_acls: true,
      offset_syncs_topic_location: 'source',
    });
    expect(c).toEqual({
      topics: ['orders', 'payments\\..*'],
      topicsExclude: [],
      groups: ['app-(a|b)'],
      groupsExclude: [],
      prefixTopics: true,
      tasksMax: 4,
      replicationFactor: 3,
      keyConverter: 'org.apache.kafka.connect.storage.StringConverter',
      valueConverter: 'com.example.My$Converter',
      syncGroupOffsets: false,
      syncGroupOffsetsIntervalSeconds: 10,
      refreshTopicsIntervalSeconds: 300,
      refreshGroupsIntervalSeconds: 120,
      emitCheckpointsIntervalSeconds: 15,
      heartbeats: false,
      syncTopicConfigs: false,
      syncTopicAcls: true,
      offsetSyncsTopicLocation: 'source',
      healthCheckBudgetSeconds: 8,
    });
  });

  it('reports every error at once, each naming its option', () => {
    const errors = errorsFor({ topics: 'a[b', tasks_max: 0, offset_syncs_topic_location: 'both', heartbeats: 'yes' });
    expect(errors.map((e) => e.option).sort()).toEqual(['heartbeats', 'offset_syncs_topic_location', 'tasks_max', 'topics']);
    for (const e of errors) expect(e.message.startsWith(`${e.option}: `)).toBe(true);
  });
});

describe('pattern options', () => {
  it.each([
    ['topics', 'is empty, which would mirror nothing; '],
    ['groups', 'is empty, which would sync no consumer groups (no checkpoints, no offset sync); '],
  ])('%s: rejects an empty include list with what to do, in its own terms', (option, what) => {
    const [e] = errorsFor({ [option]: '  ' });
    expect(e.option).toBe(option);
    expect(e.message.startsWith(`${option}: ${what}`)).toBe(true);
    expect(e.message).toMatch(/'\.\*'.*pause action/);
    if (option === 'groups') expect(e.message).not.toMatch(/topic|mirror nothing/);
  });

  it.each(['topics_exclude', 'groups_exclude'])('%s: an empty value means no extra exclusions', (option) => {
    const c = okConfig({ [option]: '' });
    expect(option === 'topics_exclude' ? c.topicsExclude : c.groupsExclude).toEqual([]);
  });

  it.each(['topics', 'topics_exclude', 'groups', 'groups_exclude'])(
    '%s: produces the example message for an unterminated class',
    (option) => {
      const [e] = errorsFor({ [option]: 'a[b' });
      expect(e.message).toBe(
        `${option}: invalid regex 'a[b' (Java: Unclosed character class near index 2); use comma-separated Java regexes`,
      );
    },
  );

  it.each(['topics', 'topics_exclude', 'groups', 'groups_exclude'])('%s: rejects {n,m} quantifiers with an explanation', (option) => {
    const [e] = errorsFor({ [option]: 'orders-\\d{1,3}' });
    expect(e.message).toContain(`${option}: '{1,3}' is a {n,m} quantifier, but items are split on commas`);
    expect(e.message).toContain('spell the repetition out');
  });

  it('rejects {n,} open quantifiers too', () => {
    expect(errorsFor({ topics: 'a{2,}' })[0].message).toContain("'{2,}' is a {n,m} quantifier");
  });

  it('rejects empty items from stray commas, naming the position', () => {
    const errors = errorsFor({ topics: 'a,,b' });
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toBe("topics: item 2 of 3 is empty (stray comma in 'a,,b'); remove the extra comma");
    expect(errorsFor({ groups: 'a,' })[0].message).toContain('item 2 of 2 is empty');
  });

  it('hints that commas split items when a class or group was cut by a comma', () => {
    const [e] = errorsFor({ topics: '[a,b]' });
    expect(e.message).toContain("invalid regex '[a' (Java: Unclosed character class near index 1)");
    expect(e.message).toContain('commas separate items');
    const [g] = errorsFor({ topics: '(a,b)' });
    expect(g.message).toContain("invalid regex '(a' (Java: Unclosed group near index 2)");
  });

  it('reports each bad item separately', () => {
    const errors = errorsFor({ topics: 'ok.*,a(?q)b,c**,(?i)d*+' });
    expect(errors).toHaveLength(2);
    expect(errors[0].message).toContain("'a(?q)b' (Java: Unknown inline modifier near index 3)");
    expect(errors[1].message).toContain("'c**' (Java: Dangling meta character '*' near index 2)");
  });

  it('accepts the MirrorMaker default exclusion syntax', () => {
    expect(okConfig({ topics_exclude: '.*[\\-\\.]internal, .*\\.replica, __.*' }).topicsExclude).toEqual([
      '.*[\\-\\.]internal',
      '.*\\.replica',
      '__.*',
    ]);
  });
});

describe('numeric options', () => {
  it('tasks_max: 1 and the maximum are valid; 0, negatives and above-max are not', () => {
    expect(okConfig({ tasks_max: 1 }).tasksMax).toBe(1);
    expect(okConfig({ tasks_max: MAX_TASKS }).tasksMax).toBe(MAX_TASKS);
    for (const bad of [0, -1, MAX_TASKS + 1]) {
      expect(errorsFor({ tasks_max: bad })[0].message).toMatch(/^tasks_max: -?\d+ is out of range; use between 1 and 1000/);
    }
  });

  it('rejects non-integers and wrong types with the received value', () => {
    expect(errorsFor({ tasks_max: 1.5 })[0].message).toBe('tasks_max: must be a whole number, got 1.5');
    expect(errorsFor({ tasks_max: '2' })[0].message).toBe("tasks_max: must be a whole number, got '2'");
    expect(errorsFor({ replication_factor: true })[0].message).toBe('replication_factor: must be a whole number, got true');
  });

  it('replication_factor: -1 or 1..32767', () => {
    expect(okConfig({ replication_factor: -1 }).replicationFactor).toBe(-1);
    expect(okConfig({ replication_factor: 1 }).replicationFactor).toBe(1);
    expect(okConfig({ replication_factor: MAX_REPLICATION_FACTOR }).replicationFactor).toBe(MAX_REPLICATION_FACTOR);
    for (const bad of [0, -2, MAX_REPLICATION_FACTOR + 1]) {
      expect(errorsFor({ replication_factor: bad })[0].message).toMatch(
        /^replication_factor: -?\d+ is invalid; use -1 \(the target broker's default\.replication\.factor\)/,
      );
    }
  });

  it.each([
    'sync_group_offsets_interval_seconds',
    'refresh_topics_interval_seconds',
    'refresh_groups_interval_seconds',
    'emit_checkpoints_interval_seconds',
  ])('%s: 1..86400 seconds', (option) => {
    expect(parseMirrorConfig({ [option]: 1 }).ok).toBe(true);
    expect(parseMirrorConfig({ [option]: MAX_INTERVAL_SECONDS }).ok).toBe(true);
    for (const bad of [0, -5, MAX_INTERVAL_SECONDS + 1]) {
      const [e] = errorsFor({ [option]: bad });
      expect(e.option).toBe(option);
      expect(e.message).toContain(`is out of range; use between 1 and ${MAX_INTERVAL_SECONDS} seconds`);
    }
    expect(errorsFor({ [option]: 'fast' })[0].message).toBe(`${option}: must be a whole number, got 'fast'`);
  });
});

describe('boolean, enum and class-name options', () => {
  it.each(['prefix_topics', 'sync_group_offsets', 'heartbeats', 'sync_topic_configs', 'sync_topic_acls'])(
    '%s: true/false accepted, strings rejected',
    (option) => {
      expect(parseMirrorConfig({ [option]: true }).ok).toBe(true);
      expect(parseMirrorConfig({ [option]: false }).ok).toBe(true);
      expect(errorsFor({ [option]: 'true' })[0].message).toBe(`${option}: must be true or false, got 'true'`);
      expect(errorsFor({ [option]: 1 })[0].message).toBe(`${option}: must be true or false, got 1`);
    },
  );

  it('offset_syncs_topic_location: source or target only', () => {
    expect(okConfig({ offset_syncs_topic_location: 'source' }).offsetSyncsTopicLocation).toBe('source');
    expect(okConfig({ offset_syncs_topic_location: 'target' }).offsetSyncsTopicLocation).toBe('target');
    expect(errorsFor({ offset_syncs_topic_location: 'Target' })[0].message).toBe(
      "offset_syncs_topic_location: 'Target' is not allowed; use 'source' or 'target' ('target' lets the source credentials stay read-only)",
    );
    expect(errorsFor({ offset_syncs_topic_location: 3 })[0].message).toContain('must be a string');
  });

  it.each(['key_converter', 'value_converter'])('%s: must look like a fully qualified Java class', (option) => {
    expect(parseMirrorConfig({ [option]: 'org.apache.kafka.connect.json.JsonConverter' }).ok).toBe(true);
    for (const bad of ['ByteArrayConverter', 'org..Foo', '1org.Foo', 'org.apache.Foo Bar', '', 'org.apache.Foo;rm']) {
      const [e] = errorsFor({ [option]: bad });
      expect(e.message).toContain(`${option}: '${bad}' is not a fully qualified Java class name`);
      expect(e.message).toContain(BYTE_ARRAY_CONVERTER);
    }
  });
});

describe('regex warnings', () => {
  it('accepts a catastrophic-backtracking pattern with a warning naming the option and item', () => {
    const r = parseMirrorConfig({ topics: 'orders,(a+)+$' });
    expect(r.ok).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0].option).toBe('topics');
    expect(r.warnings[0].message).toMatch(/^topics: item '\(a\+\)\+\$': '\(a\+\)\+' repeats a group that itself repeats: Java accepts it/);
  });
  it('accepts the Java-only constructs the Python charm passed on, without warnings', () => {
    const r = parseMirrorConfig({ topics: '(?i)orders,a*+,\\p{Lu}.*,\\Qx.y\\E,(?>a)b,[a-z&&[^b]]+,c\\z', groups: '(?<=r.*)el-d-.*' });
    expect(r).toMatchObject({ ok: true, warnings: [] });
  });
});

describe('size limits (checked before writing; the message states the limit)', () => {
  it('refuses filter options that together exceed the share of a Connect config record', () => {
    const topics = Array.from({ length: 60_000 }, (_v, i) => `topic-${i}`).join(','); // ~650 kB
    const r = parseMirrorConfig({ topics });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors).toHaveLength(1);
    const [e] = r.ok ? [] : r.errors;
    expect(e!.option).toBe('topics');
    expect(e!.message).toMatch(
      /^topics: is \d+ bytes; topics, topics_exclude, groups and groups_exclude together may hold at most 524288 bytes .*Kafka Connect's config topic, which takes at most 1 MiB \(1048576 bytes\)/,
    );
    expect(e!.message.length).toBeLessThan(600);
  });
  it('accepts a 100 kB topics list (under the limit) without quoting it anywhere', () => {
    const topics = Array.from({ length: 10_000 }, (_v, i) => `t${i}`).join(',');
    expect(topics.length).toBeGreaterThan(50_000);
    expect(parseMirrorConfig({ topics }).ok).toBe(true);
  });
  it('quotes huge bad values shortened', () => {
    const r = parseMirrorConfig({ key_converter: 'x'.repeat(3000), topics: `(${'a'.repeat(5000)}` });
    const messages = r.ok ? [] : r.errors.map((e) => e.message);
    expect(messages).toHaveLength(2);
    for (const m of messages) expect(m.length).toBeLessThan(500);
    expect(messages.join('\n')).toMatch(/…\(\d+ chars\)…/);
  });
  it('refuses absurdly long class names with their limit', () => {
    const r = parseMirrorConfig({ value_converter: `a.${'b'.repeat(5000)}` });
    expect(r.ok ? '' : r.errors[0]!.message).toMatch(/^value_converter: is 5002 bytes, more than the 4096 bytes allowed/);
  });
});
