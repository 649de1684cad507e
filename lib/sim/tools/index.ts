/**
 * The hook tools, one module per tool family, each implemented over a HookSession with Juju 3.6's
 * flags, output shapes and error texts. This registry is what a session serves; `openSession` is
 * here (not in session.ts) so that the session does not import the tools that import it.
 */
import { HookSession, type HookContextSpec, type ToolImpl } from '../session';
import type { JujuModel } from '../model';
import { actionFail, actionGet, actionLog, actionSet } from './actions';
import { applicationVersionSet, isLeader, leaderGet, leaderSet, statusGet, statusSet } from './status';
import { configGet } from './config';
import { goalState, networkGet, openedPorts, portTool, unitGet } from './network';
import { jujuLog } from './logging';
import { relationGet, relationIds, relationList, relationSet } from './relations';
import { secretAdd, secretGet, secretGrant, secretIds, secretInfoGet, secretRemove, secretRevoke, secretSet } from './secrets';
import { stateDelete, stateGet, stateSet } from './state';

export const TOOLS: Readonly<Record<string, ToolImpl>> = {
  'config-get': configGet,
  'relation-ids': relationIds,
  'relation-list': relationList,
  'relation-get': relationGet,
  'relation-set': relationSet,
  'is-leader': isLeader,
  'status-get': statusGet,
  'status-set': statusSet,
  'application-version-set': applicationVersionSet,
  'juju-log': jujuLog,
  'action-get': actionGet,
  'action-set': actionSet,
  'action-fail': actionFail,
  'action-log': actionLog,
  'state-get': stateGet,
  'state-set': stateSet,
  'state-delete': stateDelete,
  'secret-add': secretAdd,
  'secret-get': secretGet,
  'secret-set': secretSet,
  'secret-grant': secretGrant,
  'secret-revoke': secretRevoke,
  'secret-remove': secretRemove,
  'secret-ids': secretIds,
  'secret-info-get': secretInfoGet,
  'open-port': portTool('open'),
  'close-port': portTool('close'),
  'opened-ports': openedPorts,
  'network-get': networkGet,
  'goal-state': goalState,
  'leader-get': leaderGet,
  'leader-set': leaderSet,
  'unit-get': unitGet,
};

export const TOOL_NAMES: readonly string[] = Object.keys(TOOLS).sort();

/** Open a hook context on `model` that serves the hook tools above. */
export function openSession(model: JujuModel, spec: HookContextSpec): HookSession {
  return new HookSession(model, spec, TOOLS);
}
