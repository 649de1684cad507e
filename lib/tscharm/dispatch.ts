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

import * as fs from 'node:fs';
import * as path from 'node:path';

export const BUNDLE_PATH = 'dist/charm.js';
export const RUNTIME_NODE_PATH = 'runtime/node';
export const RUNTIME_LICENSE_PATH = 'runtime/LICENSE';
/** The runtime as an xz-compressed .charm ships it, with the sha256 of the binary it unpacks to. */
export const RUNTIME_XZ_PATH = 'runtime/node.xz';
export const RUNTIME_SHA256_PATH = 'runtime/node.sha256';
export const RUNTIME_UNPACK_PATH = 'runtime/unpack';
/** The unpacked runtime is `runtime/node-<the first 16 hex digits of its sha256>`. */
const UNPACKED_RUNTIME_PREFIX = 'runtime/node-';
const UNPACKED_DIGEST_DIGITS = 16;
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
  /**
   * The charm ships runtime/node.xz (pack.ts, runtime.ts compressRuntime): dispatch runs
   * `runtime/node-<first 16 hex digits of its sha256>`, and has runtime/unpack make it first when it
   * is not there (the first event after install or a refresh). The name carries the digest because
   * a refresh replaces only the files of the charm: a binary unpacked from an older revision stays
   * in the charm directory, and must not be taken for the new one.
   */
  readonly compressedRuntime?: boolean;
}

export function dispatchScript(options: DispatchOptions): string {
  const pickNode = options.compressedRuntime
    ? [
        '# The Node.js runtime shipped in the charm, xz-compressed: the first event after install or a refresh',
        '# unpacks it, checked against its sha256; nothing is needed on the unit, nothing is downloaded.',
        `read -r digest < ${RUNTIME_SHA256_PATH} || exit 1`,
        // ${digest%"${digest#????…}"}: the first UNPACKED_DIGEST_DIGITS characters of $digest, in POSIX sh.
        `node="$PWD/${UNPACKED_RUNTIME_PREFIX}\${digest%"\${digest#${'?'.repeat(UNPACKED_DIGEST_DIGITS)}}"}"`,
        `[ -x "$node" ] || ./${RUNTIME_UNPACK_PATH} "$digest" "$node" || exit 1`,
      ]
    : options.allowSystemNode
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

/**
 * runtime/unpack DIGEST OUT: unpack runtime/node.xz to OUT, keep it only if its sha256 is DIGEST,
 * and remove the binaries older revisions unpacked. Run by dispatch in the charm directory, before
 * there is any Node, so it is POSIX sh on what an Ubuntu unit has: `xz` and `sha256sum` (machines),
 * else Python 3's lzma and hashlib (Juju's Kubernetes charm containers run Python charms, so they
 * have python3; not always xz). It writes a temporary file and renames it, so an interrupted
 * unpack is never taken for a runtime. A failure exits 1 with what is wrong and what to do: the
 * hook errors, which is right (no charm code can run), and `juju resolve` retries it once fixed.
 */
export function unpackScript(): string {
  return [
    '#!/bin/sh',
    '# tscharm: unpack the xz-compressed Node.js runtime once, checked against its sha256 (see dispatch).',
    'set -u',
    'digest=$1',
    'out=$2',
    'tmp="$out.unpacking"',
    'fail() {',
    '  echo "tscharm: cannot unpack the Node.js runtime ($out): $1" >&2',
    '  rm -f "$tmp"',
    '  exit 1',
    '}',
    'if command -v xz >/dev/null 2>&1 && command -v sha256sum >/dev/null 2>&1; then',
    `  xz -dc ${RUNTIME_XZ_PATH} > "$tmp" || fail "xz failed (see above); if the disk is full, free space and run juju resolve"`,
    '  got=$(sha256sum "$tmp") || fail "sha256sum failed"',
    '  got=${got%% *}',
    'elif command -v python3 >/dev/null 2>&1; then',
    "  got=$(python3 -c '",
    'import hashlib, lzma, sys',
    'h = hashlib.sha256()',
    'with lzma.open(sys.argv[1]) as src, open(sys.argv[2], "wb") as dst:',
    '    for chunk in iter(lambda: src.read(1 << 20), b""):',
    '        h.update(chunk)',
    '        dst.write(chunk)',
    'print(h.hexdigest())',
    `' ${RUNTIME_XZ_PATH} "$tmp") || fail "python3 could not unpack it (see above); if the disk is full, free space and run juju resolve"`,
    'else',
    '  fail "this unit has neither xz and sha256sum nor python3; install xz-utils, then run juju resolve"',
    'fi',
    '[ "$got" = "$digest" ] ||',
    `  fail "it unpacks to sha256 $got, not the $digest in ${RUNTIME_SHA256_PATH}: the charm is damaged; refresh or redeploy it"`,
    'chmod 0755 "$tmp" && mv -f "$tmp" "$out" || fail "could not move it into place"',
    'for old in runtime/node-*; do',
    '  case "$old" in "runtime/${out##*/}") ;; *) rm -f "$old" ;; esac',
    'done',
    '',
  ].join('\n');
}

/**
 * The Node binary a packed charm's dispatch runs, in an installed charm directory: the unpacked
 * `runtime/node-<digest prefix>` of an xz-compressed runtime (there after the first event), else
 * `runtime/node`. For tools that run the charm's own runtime (benchmarks, tests).
 */
export function runtimeNodeIn(charmDir: string): string {
  const digestFile = path.join(charmDir, ...RUNTIME_SHA256_PATH.split('/'));
  if (!fs.existsSync(digestFile)) return path.join(charmDir, ...RUNTIME_NODE_PATH.split('/'));
  const digest = fs.readFileSync(digestFile, 'utf8').trim();
  return path.join(charmDir, ...`${UNPACKED_RUNTIME_PREFIX}${digest.slice(0, UNPACKED_DIGEST_DIGITS)}`.split('/'));
}
