// Kafka Connect REST response shapes the charm reads (from the Jackson entities in
// apache/kafka connect/runtime/.../rest/entities), plus the client's own result types.

import type { ConnectorStateName } from '../core/plan';

export type { ConnectorStateName };

export type ConnectorType = 'source' | 'sink' | 'unknown';

export type TargetState = 'RUNNING' | 'PAUSED' | 'STOPPED';
export type ConnectorConfig = Record<string, string>;

export interface TaskId {
  connector: string;
  task: number;
}

export interface ConnectorInfo {
  name: string;
  config: ConnectorConfig;
  tasks: TaskId[];
  type: ConnectorType;
}

export interface StateBase {
  state: ConnectorStateName;
  worker_id: string;
  /** Full Java stack trace; omitted by Connect when empty. */
  trace?: string;
}

export interface TaskState extends StateBase {
  id: number;
}

export interface ConnectorStateInfo {
  name: string;
  connector: StateBase;
  tasks: TaskState[];
  type: ConnectorType;
}

export interface TaskInfo {
  id: TaskId;
  config: ConnectorConfig;
}

/** One entry of GET /connectors?expand=status&expand=info. */
export interface ExpandedConnector {
  status: ConnectorStateInfo;
  info: ConnectorInfo;
}

export interface PutConfigResult {
  /** true on 201 (the connector did not exist), false on 200 (its config was replaced). */
  created: boolean;
  info: ConnectorInfo;
}

export type DeleteResult = { outcome: 'deleted' } | { outcome: 'already-gone' };

export interface RestartOptions {
  includeTasks?: boolean;
  onlyFailed?: boolean;
}

export type RestartResult =
  /** 204: the legacy form (both flags false) restarted the connector instance only. */
  | { outcome: 'restarted' }
  /** 202: instances to restart are listed with state RESTARTING. */
  | { outcome: 'scheduled'; status: ConnectorStateInfo };

export type TopicsResult =
  | { tracking: 'enabled'; topics: string[] }
  /** 403 "Topic tracking is disabled." (`topic.tracking.enable=false` on the worker). */
  | { tracking: 'disabled'; message: string };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One entry of GET /connectors/{c}/offsets (KIP-875): connector-defined partition and offset maps. */
export interface ConnectorOffset {
  partition: Record<string, unknown>;
  /** null clears the offset of that partition (PATCH only). */
  offset: Record<string, unknown> | null;
}

export type ConnectorOffsetsResult = { supported: true; offsets: ConnectorOffset[] } | { supported: false; message: string };
