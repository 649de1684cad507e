#!/usr/bin/env node
// Runs bench/dispatch.ts: bundles it with esbuild (esbuild itself stays external) and runs it.
//   node bench/run-dispatch.js [--runs N] [--profile]
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'build', 'bench-dispatch.js');
esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'dispatch.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['esbuild'],
  logLevel: 'warning',
});
// Keep __dirname semantics of the source: the bench resolves paths from the repo root.
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, TSCHARM_REPO_ROOT: root } });
process.exit(r.status === null ? 1 : r.status);
