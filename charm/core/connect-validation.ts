// Connect's own verdict on a connector config (PUT /connector-plugins/<class>/config/validate),
// turned into a message that names the Juju option behind the refused key. Pure (no I/O).

import type { ConnectorKind } from './connectors';
import type { OptionName } from './config';
import { quoted, shorten } from './text';

/** Connector config keys the charm fills from one Juju option. */
export const OPTION_OF_CONNECT_KEY: Readonly<Record<string, OptionName>> = {
  'key.converter': 'key_converter',
  'value.converter': 'value_converter',
  topics: 'topics',
  'topics.exclude': 'topics_exclude',
  groups: 'groups',
  'groups.exclude': 'groups_exclude',
  'tasks.max': 'tasks_max',
  'replication.factor': 'replication_factor',
  'refresh.topics.interval.seconds': 'refresh_topics_interval_seconds',
  'refresh.groups.interval.seconds': 'refresh_groups_interval_seconds',
  'emit.checkpoints.interval.seconds': 'emit_checkpoints_interval_seconds',
  'sync.group.offsets.enabled': 'sync_group_offsets',
  'sync.group.offsets.interval.seconds': 'sync_group_offsets_interval_seconds',
  'sync.topic.configs.enabled': 'sync_topic_configs',
  'sync.topic.acls.enabled': 'sync_topic_acls',
  'offset-syncs.topic.location': 'offset_syncs_topic_location',
};

const MAX_REASON = 240;

export interface ConnectRefusal {
  /** The Juju option, or undefined when the key comes from relation data or the charm itself. */
  option: OptionName | undefined;
  key: string;
  /** One sentence for the Blocked status and the log. */
  message: string;
}

/** Why Connect refuses `key` of the `kind` connector, as the operator should read it. */
export function connectRefusal(
  kind: ConnectorKind,
  config: Readonly<Record<string, string>>,
  key: string,
  errors: readonly string[],
): ConnectRefusal {
  const option = OPTION_OF_CONNECT_KEY[key];
  const reason = shorten(errors.join('; ').replace(/\s+/g, ' ').trim(), MAX_REASON);
  // Only the operator's own values are quoted: other keys may hold credentials (JAAS strings).
  const value = option !== undefined ? config[key] : undefined;
  const what = value === undefined ? key : `${quoted(value)} for ${key}`;
  if (option !== undefined) {
    return {
      option,
      key,
      message:
        `${option}: Kafka Connect refuses ${what} (${reason}); no connector was changed, ` +
        `fix it with juju config <app> ${option}=<value>`,
    };
  }
  return {
    option: undefined,
    key,
    message: `Kafka Connect refuses ${key} of the ${kind} connector config (${reason}); no connector was changed`,
  };
}
