// Charm config → a validated MirrorConfig, or every problem at once. Pure (no I/O).
//
// Every error names the option, says what is wrong and what to do, because the first line of the
// list becomes the Blocked status message and the rest go to the log.

import { CONFIG_DEFAULTS, CONFIG_TYPES, type ConfigOptionName } from '../generated/charm-types';
import { checkRegexItem, commaProblem, splitList } from './regex';
import { quoted } from './text';

export type OffsetSyncsTopicLocation = 'source' | 'target';

export interface MirrorConfig {
  /** Topic include regexes (Connect LIST items, trimmed, non-empty). */
  topics: string[];
  /** Extra topic exclude regexes chosen by the operator (the charm adds mandatory ones). */
  topicsExclude: string[];
  groups: string[];
  /** Extra group exclude regexes chosen by the operator (the charm adds mandatory ones). */
  groupsExclude: string[];
  prefixTopics: boolean;
  tasksMax: number;
  /** Replication factor of remote topics; -1 = the target broker's default. */
  replicationFactor: number;
  keyConverter: string;
  valueConverter: string;
  syncGroupOffsets: boolean;
  syncGroupOffsetsIntervalSeconds: number;
  refreshTopicsIntervalSeconds: number;
  refreshGroupsIntervalSeconds: number;
  emitCheckpointsIntervalSeconds: number;
  heartbeats: boolean;
  syncTopicConfigs: boolean;
  syncTopicAcls: boolean;
  offsetSyncsTopicLocation: OffsetSyncsTopicLocation;
  /** Time budget (s) of the replication health check in one hook (update-status, status action). */
  healthCheckBudgetSeconds: number;
}

export interface ConfigError {
  /** The Juju option name, e.g. `topics`. */
  option: string;
  /** Full sentence starting with the option name, e.g. `topics: invalid regex 'a[b' (…); …`. */
  message: string;
}

/**
 * `warnings`: accepted values worth telling the operator about (e.g. a regex Java compiles but that
 * can backtrack catastrophically); they go to the log and the Active status, never block.
 */
export type ParseConfigResult =
  { ok: true; config: MirrorConfig; warnings: ConfigError[] } | { ok: false; errors: ConfigError[]; warnings: ConfigError[] };

export const BYTE_ARRAY_CONVERTER = 'org.apache.kafka.connect.converters.ByteArrayConverter';

/** A day: longer refresh intervals would make filter changes look broken. */
export const MAX_INTERVAL_SECONDS = 86_400;
/** The health check must leave most of a hook's time to the rest of it. */
export const MAX_HEALTH_BUDGET_SECONDS = 30;
/** Kafka stores replication factors as a 16-bit short. */
export const MAX_REPLICATION_FACTOR = 32_767;
/** Far above any sensible MM2 task count; catches typos such as 10000. */
export const MAX_TASKS = 1_000;
/**
 * Each connector config is one record in Kafka Connect's config topic, which takes at most 1 MiB
 * per record (the producer's max.request.size and the broker's message.max.bytes defaults): bigger
 * writes answer HTTP 500. The four filter options together stay well below that.
 */
export const CONNECT_CONFIG_RECORD_LIMIT_BYTES = 1_048_576;
export const MAX_FILTER_OPTIONS_BYTES = 524_288;
/** Any other string option (class names, enums) is short; this only stops absurd values early. */
export const MAX_OTHER_STRING_OPTION_BYTES = 4_096;

/**
 * The charm's option names and defaults come from config.yaml through `tscharm gen`
 * (charm/generated/charm-types.ts), so they are never repeated here by hand.
 */
export type OptionName = ConfigOptionName;

const DEFAULTS: Readonly<Partial<Record<OptionName, string | number | boolean>>> = CONFIG_DEFAULTS;

const JAVA_CLASS_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+$/;

class Collector {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];
  add(option: string, what: string): void {
    this.errors.push({ option, message: `${option}: ${what}` });
  }
  warn(option: string, what: string): void {
    this.warnings.push({ option, message: `${option}: ${what}` });
  }
}

function raw(input: Readonly<Record<string, unknown>>, option: OptionName): unknown {
  const value = input[option];
  return value === undefined || value === null ? DEFAULTS[option] : value;
}

/** A value quoted for a message: shortened, so a huge value never makes a huge status line. */
function describe(value: unknown): string {
  if (typeof value === 'string') return quoted(value);
  return quoted(JSON.stringify(value) ?? String(value)).slice(1, -1);
}

const FILTER_OPTIONS = ['topics', 'topics_exclude', 'groups', 'groups_exclude'] as const;

/** Size limits checked before anything else, so an oversize value is named with its limit. */
function sizeProblems(input: Readonly<Record<string, unknown>>, c: Collector): Set<string> {
  const oversize = new Set<string>();
  const bytes = (v: unknown): number => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  const filterTotal = FILTER_OPTIONS.reduce((n, o) => n + bytes(input[o]), 0);
  if (filterTotal > MAX_FILTER_OPTIONS_BYTES) {
    const largest = [...FILTER_OPTIONS].sort((a, b) => bytes(input[b]) - bytes(input[a]))[0];
    for (const o of FILTER_OPTIONS) if (bytes(input[o]) > 0) oversize.add(o);
    c.add(
      largest,
      `is ${bytes(input[largest])} bytes; topics, topics_exclude, groups and groups_exclude together may hold at most ` +
        `${MAX_FILTER_OPTIONS_BYTES} bytes (now ${filterTotal}), because each connector config is one record in Kafka Connect's ` +
        `config topic, which takes at most 1 MiB (${CONNECT_CONFIG_RECORD_LIMIT_BYTES} bytes); use shorter regexes (e.g. a common prefix with '.*')`,
    );
  }
  for (const o of Object.keys(CONFIG_TYPES) as OptionName[]) {
    if ((FILTER_OPTIONS as readonly string[]).includes(o)) continue;
    if (bytes(input[o]) > MAX_OTHER_STRING_OPTION_BYTES) {
      oversize.add(o);
      c.add(o, `is ${bytes(input[o])} bytes, more than the ${MAX_OTHER_STRING_OPTION_BYTES} bytes allowed; set a short value`);
    }
  }
  return oversize;
}

function readString(input: Readonly<Record<string, unknown>>, option: OptionName, c: Collector): string | undefined {
  const value = raw(input, option);
  if (typeof value !== 'string') {
    c.add(option, `must be a string, got ${describe(value)}; set it with juju config <app> ${option}=<text>`);
    return undefined;
  }
  return value;
}

function readBoolean(input: Readonly<Record<string, unknown>>, option: OptionName, c: Collector): boolean | undefined {
  const value = raw(input, option);
  if (typeof value !== 'boolean') {
    c.add(option, `must be true or false, got ${describe(value)}`);
    return undefined;
  }
  return value;
}

function readInt(
  input: Readonly<Record<string, unknown>>,
  option: OptionName,
  c: Collector,
  check: (n: number) => string | null,
): number | undefined {
  const value = raw(input, option);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    c.add(option, `must be a whole number, got ${describe(value)}`);
    return undefined;
  }
  const problem = check(value);
  if (problem) {
    c.add(option, problem);
    return undefined;
  }
  return value;
}

function interval(option: OptionName): (n: number) => string | null {
  return (n) =>
    n >= 1 && n <= MAX_INTERVAL_SECONDS
      ? null
      : `${n} is out of range; use between 1 and ${MAX_INTERVAL_SECONDS} seconds (default ${DEFAULTS[option]})`;
}

/**
 * Parses a comma-separated list of Java regexes. `allowEmpty` is for the exclude options, where
 * an empty value means "no extra exclusions"; for includes an empty list would silently mirror
 * nothing (MirrorMaker reads an explicitly empty list as "match nothing").
 */
function readPatternList(
  input: Readonly<Record<string, unknown>>,
  option: OptionName,
  c: Collector,
  allowEmpty: boolean,
): string[] | undefined {
  const value = readString(input, option, c);
  if (value === undefined) return undefined;
  if (value.trim() === '') {
    if (allowEmpty) return [];
    const what =
      option === 'groups'
        ? `is empty, which would sync no consumer groups (no checkpoints, no offset sync); use comma-separated Java regexes such as '.*' (every group) or 'billing-.*,audit' `
        : `is empty, which would mirror nothing; use comma-separated Java regexes such as '.*' (everything) or 'orders,payments.*' `;
    c.add(option, `${what}(to stop mirroring temporarily, run the pause action)`);
    return undefined;
  }
  const comma = commaProblem(value);
  if (comma) {
    c.add(option, comma);
    return undefined;
  }
  const items = splitList(value);
  let ok = true;
  items.forEach((item, index) => {
    if (item === '') {
      ok = false;
      c.add(option, `item ${index + 1} of ${items.length} is empty (stray comma in ${describe(value)}); remove the extra comma`);
      return;
    }
    const { error: problem, warning } = checkRegexItem(item);
    if (warning) c.warn(option, `item ${describe(item)}: ${warning}`);
    if (problem) {
      ok = false;
      const commaHint =
        items.length > 1 && /Unclosed|Unmatched|missing/.test(problem)
          ? '; note that commas separate items, so a regex cannot contain a comma'
          : '';
      c.add(option, `invalid regex ${quoted(item)} (${problem})${commaHint}; use comma-separated Java regexes`);
    }
  });
  return ok ? items : undefined;
}

function readClassName(input: Readonly<Record<string, unknown>>, option: OptionName, c: Collector): string | undefined {
  const value = readString(input, option, c);
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!JAVA_CLASS_NAME.test(trimmed)) {
    c.add(
      option,
      `${describe(value)} is not a fully qualified Java class name; use e.g. '${BYTE_ARRAY_CONVERTER}' (keeps records byte-for-byte)`,
    );
    return undefined;
  }
  return trimmed;
}

/** Validates raw charm config (as `config-get --format=json` returns it). Missing keys take defaults. */
export function parseMirrorConfig(input: Readonly<Record<string, unknown>>): ParseConfigResult {
  const c = new Collector();
  // Oversize options are reported once, with their limit, and not parsed further.
  const oversize = sizeProblems(input, c);
  const rawConfig: Record<string, unknown> = { ...input };
  for (const o of oversize) delete rawConfig[o];
  const topics = readPatternList(rawConfig, 'topics', c, false);
  const topicsExclude = readPatternList(rawConfig, 'topics_exclude', c, true);
  const groups = readPatternList(rawConfig, 'groups', c, false);
  const groupsExclude = readPatternList(rawConfig, 'groups_exclude', c, true);
  const prefixTopics = readBoolean(rawConfig, 'prefix_topics', c);
  const tasksMax = readInt(rawConfig, 'tasks_max', c, (n) =>
    n >= 1 && n <= MAX_TASKS ? null : `${n} is out of range; use between 1 and ${MAX_TASKS} (more tasks than source partitions stay idle)`,
  );
  const replicationFactor = readInt(rawConfig, 'replication_factor', c, (n) =>
    n === -1 || (n >= 1 && n <= MAX_REPLICATION_FACTOR)
      ? null
      : `${n} is invalid; use -1 (the target broker's default.replication.factor) or a value from 1 to the number of target brokers`,
  );
  const keyConverter = readClassName(rawConfig, 'key_converter', c);
  const valueConverter = readClassName(rawConfig, 'value_converter', c);
  const syncGroupOffsets = readBoolean(rawConfig, 'sync_group_offsets', c);
  const syncGroupOffsetsIntervalSeconds = readInt(
    rawConfig,
    'sync_group_offsets_interval_seconds',
    c,
    interval('sync_group_offsets_interval_seconds'),
  );
  const refreshTopicsIntervalSeconds = readInt(
    rawConfig,
    'refresh_topics_interval_seconds',
    c,
    interval('refresh_topics_interval_seconds'),
  );
  const refreshGroupsIntervalSeconds = readInt(
    rawConfig,
    'refresh_groups_interval_seconds',
    c,
    interval('refresh_groups_interval_seconds'),
  );
  const emitCheckpointsIntervalSeconds = readInt(
    rawConfig,
    'emit_checkpoints_interval_seconds',
    c,
    interval('emit_checkpoints_interval_seconds'),
  );
  const heartbeats = readBoolean(rawConfig, 'heartbeats', c);
  const healthCheckBudgetSeconds = readInt(rawConfig, 'health_check_budget_seconds', c, (n) =>
    n >= 0 && n <= MAX_HEALTH_BUDGET_SECONDS
      ? null
      : `must be 0 (off) to ${MAX_HEALTH_BUDGET_SECONDS} seconds, got ${n}; a hook holds the unit's event queue while it runs`,
  );
  const syncTopicConfigs = readBoolean(rawConfig, 'sync_topic_configs', c);
  const syncTopicAcls = readBoolean(rawConfig, 'sync_topic_acls', c);
  const locationRaw = readString(rawConfig, 'offset_syncs_topic_location', c);
  let offsetSyncsTopicLocation: OffsetSyncsTopicLocation | undefined;
  if (locationRaw !== undefined) {
    const trimmed = locationRaw.trim();
    if (trimmed === 'source' || trimmed === 'target') {
      offsetSyncsTopicLocation = trimmed;
    } else {
      c.add(
        'offset_syncs_topic_location',
        `${describe(locationRaw)} is not allowed; use 'source' or 'target' ('target' lets the source credentials stay read-only)`,
      );
    }
  }

  if (
    c.errors.length > 0 ||
    topics === undefined ||
    topicsExclude === undefined ||
    groups === undefined ||
    groupsExclude === undefined ||
    prefixTopics === undefined ||
    tasksMax === undefined ||
    replicationFactor === undefined ||
    keyConverter === undefined ||
    valueConverter === undefined ||
    syncGroupOffsets === undefined ||
    syncGroupOffsetsIntervalSeconds === undefined ||
    refreshTopicsIntervalSeconds === undefined ||
    refreshGroupsIntervalSeconds === undefined ||
    emitCheckpointsIntervalSeconds === undefined ||
    heartbeats === undefined ||
    syncTopicConfigs === undefined ||
    syncTopicAcls === undefined ||
    offsetSyncsTopicLocation === undefined ||
    healthCheckBudgetSeconds === undefined
  ) {
    return { ok: false, errors: c.errors, warnings: c.warnings };
  }
  return {
    ok: true,
    warnings: c.warnings,
    config: {
      topics,
      topicsExclude,
      groups,
      groupsExclude,
      prefixTopics,
      tasksMax,
      replicationFactor,
      keyConverter,
      valueConverter,
      syncGroupOffsets,
      syncGroupOffsetsIntervalSeconds,
      refreshTopicsIntervalSeconds,
      refreshGroupsIntervalSeconds,
      emitCheckpointsIntervalSeconds,
      heartbeats,
      syncTopicConfigs,
      syncTopicAcls,
      offsetSyncsTopicLocation,
      healthCheckBudgetSeconds,
    },
  };
}

/** The config with every option at its default (useful for callers and tests). */
export function defaultMirrorConfig(): MirrorConfig {
  const result = parseMirrorConfig({});
  if (!result.ok) throw new Error(`default config is invalid: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.config;
}
