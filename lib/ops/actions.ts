/**
 * Action events: validated params, results, progress logs and failure, over the action hook tools
 * (`action-get`, `action-set`, `action-log`, `action-fail`), which exist only while an action runs.
 */
import type { HookToolBackend } from './backend';
import { ActionResultError } from './errors';
import { EventBase, EventSnapshot, EventSource } from './events';

const KEY_PART = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED = new Set(['stdout', 'stdout-encoding', 'stderr', 'stderr-encoding']);
/** Linux MAX_ARG_STRLEN: one argv entry cannot be longer. */
const MAX_ARG_BYTES = 131072;

export type ActionResultValue = string | number | boolean | null | { readonly [key: string]: ActionResultValue };
export type ActionResults = { readonly [key: string]: ActionResultValue };

/**
 * Flatten nested results into dotted keys, checking each part against Juju's rule and
 * rejecting reserved keys. Values are stringified.
 */
export function flattenActionResults(results: ActionResults): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string, value: ActionResultValue, key: string) => {
    // A key may itself be dotted ("a.b"); Juju splits it the same way as nesting.
    for (const part of key.split('.')) {
      if (!KEY_PART.test(part)) {
        throw new ActionResultError(
          `action result key "${prefix}" is invalid: each dot-separated part must be lowercase letters, digits ` +
            `and inner hyphens (^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$); "${part}" is not`,
        );
      }
    }
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v, k);
      return;
    }
    if (Object.prototype.hasOwnProperty.call(out, prefix)) throw new ActionResultError(`action result key "${prefix}" is given twice`);
    out[prefix] = value === null ? '' : String(value);
  };
  for (const [k, v] of Object.entries(results)) {
    const top = k.split('.')[0];
    if (RESERVED.has(top)) {
      throw new ActionResultError(`action result key "${k}" is reserved by Juju (stdout, stdout-encoding, stderr, stderr-encoding)`);
    }
    if (top === 'return-code') throw new ActionResultError('action result key "return-code" is overwritten by Juju; use another name');
    walk(k, v, k);
  }
  return out;
}

export class ActionEvent<P = Readonly<Record<string, unknown>>> extends EventBase {
  private failed = false;

  constructor(
    source: EventSource<EventBase>,
    snapshot: EventSnapshot,
    /** The action's name, e.g. "pause". */
    readonly name: string,
    /** Juju's id for this run (JUJU_ACTION_UUID). */
    readonly id: string,
    /** Params validated against actions.yaml. */
    readonly params: P,
    private readonly backend: HookToolBackend,
  ) {
    super(source, snapshot);
  }

  /** Add results (nested objects become dotted keys). Secret values are refused. */
  setResults(results: ActionResults): void {
    const flat = flattenActionResults(results);
    for (const [k, v] of Object.entries(flat)) {
      if (this.backend.redactor.contains(v)) throw new ActionResultError(`action result "${k}" contains secret content; it is not sent`);
      if (Buffer.byteLength(`${k}=${v}`) > MAX_ARG_BYTES) {
        throw new ActionResultError(`action result "${k}" is longer than Juju's 128 KiB per-argument limit`);
      }
    }
    if (Object.keys(flat).length > 0) this.backend.actionSet(flat);
  }

  /** A progress message shown to the user at once. */
  log(message: string): void {
    this.backend.actionLog(message);
  }

  /** Mark the action failed with this message (the process still exits 0). */
  fail(message: string): void {
    this.failed = true;
    this.backend.actionFail(message);
  }

  get hasFailed(): boolean {
    return this.failed;
  }
}
