#!/usr/bin/env node
// Runs a TypeScript entry point of this repository (a benchmark, the demo): bundles it with
// esbuild into build/ and runs the bundle with Node, forwarding arguments, exit code and
// Ctrl-C/TERM. The bundle lives in build/, so paths it cannot derive from its own location
// (repo root, stack script, Kafka client workers) are passed in the environment.
//
//   node tools/run-ts.js bench/packed.ts --runs 21
//
// The bundling itself is lib/bundle-cli.js (shared with the CLI build scripts in lib/).
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');

const { bundle } = require('../lib/bundle-cli');

function run(entry, args) {
  const rel = path.relative(root, path.resolve(entry));
  const outfile = path.join(root, 'build', rel.replace(/\.ts$/, '.js'));
  bundle(path.resolve(entry), outfile);
  const child = spawn(process.execPath, [outfile, ...args], {
    stdio: 'inherit',
    env: {
      ...process.env,
      TSCHARM_REPO_ROOT: root,
      KAFKA_STACK_SCRIPT: path.join(root, 'tools', 'kafka', 'stack.sh'),
      KAFKA_TRAFFIC_WORKER: path.join(root, 'tools', 'kafka', 'kafka-traffic-worker.mjs'),
      KAFKA_VALUES_WORKER: path.join(root, 'tools', 'kafka', 'kafka-values-worker.mjs'),
    },
  });
  // Ctrl-C reaches the child too (same process group); it cleans up and exits. Forward TERM.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

module.exports = { bundle, root };

if (require.main === module) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry || !entry.endsWith('.ts')) {
    process.stderr.write('usage: node tools/run-ts.js <entry.ts> [args...]\n');
    process.exit(2);
  }
  run(entry, args);
}
