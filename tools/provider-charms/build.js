#!/usr/bin/env node
// Builds the provider test doubles' bundles (<charm>/dist/charm.js) with tscharm, for the local
// model and the e2e tests. Idempotent: a charm is skipped when its bundle is newer than every
// source it is built from (its src/ and yaml files, common/, lib/, and the tscharm CLI itself).
// Usage: node tools/provider-charms/build.js [--force]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const here = __dirname;
const root = path.resolve(here, '..', '..');
const CHARMS = ['kafka-client-provider', 'connect-client-provider'];
const ENTRY = 'src/main.ts';
const TSCHARM_SOURCES = path.join(root, 'lib', 'tscharm');
const TSCHARM = path.join(root, 'build', 'tscharm.js');

/** Newest mtime (ms) of the files under `p` (a file or a directory); 0 if absent. */
function newest(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const name of fs.readdirSync(p)) {
    if (name === 'dist' || name === 'node_modules' || name.startsWith('.')) continue;
    max = Math.max(max, newest(path.join(p, name)));
  }
  return max;
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function main() {
  const force = process.argv.includes('--force');
  if (force || mtime(TSCHARM) < newest(TSCHARM_SOURCES)) {
    execFileSync(process.execPath, [path.join(TSCHARM_SOURCES, 'build-cli.js')], { cwd: root, stdio: 'inherit' });
  }
  // lib/ (framework and interfaces) and common/ go into every bundle.
  const shared = Math.max(
    newest(path.join(root, 'lib', 'ops')),
    newest(path.join(root, 'lib', 'interfaces')),
    newest(path.join(here, 'common')),
    mtime(TSCHARM),
  );
  for (const charm of CHARMS) {
    const dir = path.join(here, charm);
    const bundle = path.join(dir, 'dist', 'charm.js');
    const sources = Math.max(shared, newest(dir));
    if (!force && mtime(bundle) > sources) {
      process.stdout.write(`${charm}: up to date\n`);
      continue;
    }
    execFileSync(process.execPath, [TSCHARM, 'build', '--charm-dir', dir, '--entry', ENTRY], { cwd: root, stdio: 'inherit' });
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`build.js: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
