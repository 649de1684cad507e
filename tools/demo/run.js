#!/usr/bin/env node
// `npm start`: bundles tools/demo/demo.ts with esbuild (esbuild itself stays external: tscharm
// packs with it) and runs it. Paths the bundle cannot derive from its own location come from env.
//   node tools/demo/run.js [--records N] [--stay]
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..', '..');
const outfile = path.join(root, 'build', 'demo.js');
esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'demo.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['esbuild'],
  logLevel: 'warning',
});
const child = spawn(process.execPath, [outfile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    TSCHARM_REPO_ROOT: root,
    KAFKA_STACK_SCRIPT: path.join(root, 'tools', 'kafka', 'stack.sh'),
    KAFKA_TRAFFIC_WORKER: path.join(root, 'tools', 'kafka', 'kafka-traffic-worker.mjs'),
    KAFKA_VALUES_WORKER: path.join(root, 'tests', 'support', 'kafka-values-worker.mjs'),
  },
});
// Ctrl-C reaches the demo too (same process group); it cleans up and exits. Forward TERM.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
