/** Model and resource tools: `relation-model-get` (Juju ≥ 3.6.2) and `resource-get`. */
import { checkEmpty, parseArgs, RunError, UsageError } from '../flags';
import { versionAtLeast } from '../model';
import { type ToolImpl, formatFlag, fmt, out } from './shared';
import { goStruct } from '../format';

/** Juju added relation-model-get in 3.6.2; older agents do not have the command. */
export const RELATION_MODEL_GET_SINCE = '3.6.2';

export const relationModelGet: ToolImpl = (s, args) => {
  if (!versionAtLeast(s.model.jujuVersion, RELATION_MODEL_GET_SINCE)) {
    throw new RunError('bad request: unknown command "relation-model-get"');
  }
  const p = parseArgs(args, [formatFlag('smart'), s.relationFlag()]);
  const relation = s.relationFromFlag(p.flags.get('r'));
  checkEmpty(p.positional);
  // Every application of the local model lives in this one model, so the remote model is ours.
  void relation;
  return out(goStruct({ uuid: s.model.uuid }), fmt(p, 'smart'));
};

export const resourceGet: ToolImpl = (s, args) => {
  const [name, ...rest] = parseArgs(args, []).positional;
  if (name === undefined) throw new UsageError('missing required resource name');
  checkEmpty(rest);
  const declared = s.app.charm.resources?.[name];
  const file = s.app.resources?.[name];
  if (!declared || file === undefined) throw new RunError(`could not download resource: resource "${name}" not found`);
  // Juju prints the path without a trailing newline.
  return { stdout: file };
};
