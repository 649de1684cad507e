/**
 * The `dispatch` script: the one executable Juju runs for every event. Juju looks for
 * `<charm dir>/dispatch` first (`hooks/<name>` only when it is missing), runs it with no arguments
 * in the charm directory, and names the event in JUJU_DISPATCH_PATH (`hooks/<name>` or
 * `actions/<name>`).
 *
 * A POSIX sh script, like charmcraft's own: it keeps the legacy fallback for Juju < 2.7, which
 * does not set JUJU_DISPATCH_PATH and runs `hooks/<name>` (a symlink to dispatch) instead, and then
 * `exec`s Node on the bundled charm so no shell stays around. The packed charm uses only the Node
 * runtime it ships (no Node on the unit, nothing downloaded); a development checkout may fall back
 * to `node` on PATH.
 */

export const BUNDLE_PATH = 'dist/charm.js';
export const RUNTIME_NODE_PATH = 'runtime/node';
export const RUNTIME_LICENSE_PATH = 'runtime/LICENSE';
/** Hooks charmcraft always adds as symlinks to dispatch, for Juju versions that look for them. */
export const MANDATORY_HOOKS = ['install', 'start', 'upgrade-charm'] as const;

export interface DispatchOptions {
  /** Allow `node` from PATH when runtime/node is missing (development checkouts only). */
  readonly allowSystemNode: boolean;
  /**
   * What node runs: the bundle itself (default), or the code-cache loader (codecache.ts) that
   * `pack` ships next to it for bundles large enough to gain from a V8 code cache.
   */
  readonly script?: string;
}

export function dispatchScript(options: DispatchOptions): string {
  const pickNode = options.allowSystemNode
    ? [
        '# A development checkout may not have a runtime yet; then use node from PATH.',
        `node="$PWD/${RUNTIME_NODE_PATH}"`,
        '[ -x "$node" ] || node=node',
      ]
    : [
        '# The Node.js runtime shipped in the charm: nothing is needed on the unit, nothing is downloaded.',
        `node="$PWD/${RUNTIME_NODE_PATH}"`,
      ];
  return [
    '#!/bin/sh',
    '# tscharm dispatch: Juju runs this for every hook and action, in the charm directory.',
    '# Juju < 2.7 sets no JUJU_DISPATCH_PATH and runs hooks/<name> (a symlink to this file): then $0 names the event.',
    'JUJU_DISPATCH_PATH="${JUJU_DISPATCH_PATH:-$0}"',
    'export JUJU_DISPATCH_PATH',
    'case "$0" in',
    '  */hooks/*) charm_dir="${0%/hooks/*}" ;;',
    '  hooks/*) charm_dir=. ;;',
    '  */*) charm_dir="${0%/*}" ;;',
    '  *) charm_dir=. ;;',
    'esac',
    '# Juju already runs hooks there; being sure of it lets the last line name the entrypoint relative to',
    "# the charm, which is how charmcraft's entrypoint check reads it (the last word of the last line).",
    'cd "$charm_dir" || exit 1',
    ...pickNode,
    `exec "$node" ${options.script ?? BUNDLE_PATH}`,
    '',
  ].join('\n');
}
