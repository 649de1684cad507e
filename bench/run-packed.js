#!/usr/bin/env node
// Runs bench/packed.ts: bundles it with esbuild (esbuild itself stays external) and runs it.
//   node bench/run-packed.js [--runs N] [--profile]
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'build', 'bench-packed.js');
esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'packed.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['esbuild'],
  logLevel: 'warning',
});
// The bundle lives in build/: the bench resolves paths from the repo root given here.
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, TSCHARM_REPO_ROOT: root } });
process.exit(r.status === null ? 1 : r.status);
