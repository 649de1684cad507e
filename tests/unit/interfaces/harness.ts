/**
 * Runs a charm class in-process for one hook against a lib/sim model (lib/testing is not ready
 * yet): opens a hook session, runs `runCharm` with the session's env and ToolRunner, commits on
 * exit 0, discards otherwise, and hands back the tool-call transcript and output.
 */
import { runCharm } from '../../../lib/ops/main';
import type { CharmClass } from '../../../lib/ops/charm';
import { parseCharmMeta, type CharmMeta } from '../../../lib/ops/meta';
import {
  addApplication,
  addRelation,
  addUnit,
  charmMetaFromYaml,
  createModel,
  openSession,
  type HookContextSpec,
  type JujuModel,
  type ToolCallRecord,
  type TriggeredEvent,
} from '../../../lib/sim';

export interface HookRun {
  readonly code: number;
  readonly transcript: readonly ToolCallRecord[];
  readonly stdout: string;
  readonly stderr: string;
  readonly events: readonly TriggeredEvent[];
}

export interface TestCharm {
  readonly cls: CharmClass;
  readonly meta: CharmMeta;
}

export function charm(cls: CharmClass, metadata: Record<string, unknown>): TestCharm {
  return { cls, meta: parseCharmMeta({ metadata }) };
}

export async function runHook(model: JujuModel, c: TestCharm, spec: HookContextSpec): Promise<HookRun> {
  const session = openSession(model, spec);
  let stdout = '';
  let stderr = '';
  const code = await runCharm(c.cls, {
    env: session.env,
    runner: session.runner,
    meta: c.meta,
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
  });
  const effects = code === 0 ? session.commit() : session.discard();
  return { code, transcript: [...session.transcript], stdout, stderr, events: effects.events };
}

export const REQUIRER_METADATA = {
  name: 'mm',
  requires: {
    source: { interface: 'kafka_client', limit: 1 },
    target: { interface: 'kafka_client', limit: 1 },
    'connect-client': { interface: 'connect_client', limit: 1 },
  },
};

export const KAFKA_METADATA = { name: 'kafka', provides: { 'kafka-client': { interface: 'kafka_client' } } };
export const CONNECT_METADATA = { name: 'connect', provides: { 'connect-client': { interface: 'connect_client' } } };

/** mm (2 units, mm/0 leader), kafka (1 unit), connect (1 unit); no relations yet. */
export function baseModel(): JujuModel {
  const model = createModel();
  addApplication(model, 'mm', charmMetaFromYaml(REQUIRER_METADATA));
  addApplication(model, 'kafka', charmMetaFromYaml(KAFKA_METADATA));
  addApplication(model, 'connect', charmMetaFromYaml(CONNECT_METADATA));
  addUnit(model, 'mm', { leader: true });
  addUnit(model, 'mm');
  addUnit(model, 'kafka', { leader: true });
  addUnit(model, 'connect', { leader: true });
  return model;
}

export { addRelation };

export const writes = (t: readonly ToolCallRecord[]) => t.filter((c) => c.tool === 'relation-set');
export const calls = (t: readonly ToolCallRecord[], tool: string) => t.filter((c) => c.tool === tool);
