#!/usr/bin/env node
// Runs bench/replication.ts: bundles it with esbuild (esbuild itself stays external) and runs it.
//   node bench/run-replication.js [--records N] [--rounds R] [--dispatch-runs D]
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'build', 'bench-replication.js');
esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'replication.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['esbuild'],
  logLevel: 'warning',
});
// The bundle lives in build/: paths it cannot derive from its own location come from env.
const child = spawn(process.execPath, [outfile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    TSCHARM_REPO_ROOT: root,
    KAFKA_STACK_SCRIPT: path.join(root, 'tools', 'kafka', 'stack.sh'),
    KAFKA_TRAFFIC_WORKER: path.join(root, 'tools', 'kafka', 'kafka-traffic-worker.mjs'),
  },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
