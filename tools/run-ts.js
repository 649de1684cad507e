#!/usr/bin/env node
// Runs a TypeScript entry point of this repository (a benchmark, the demo): bundles it with
// esbuild into build/ and runs the bundle with Node, forwarding arguments, exit code and
// Ctrl-C/TERM. The bundle lives in build/, so paths it cannot derive from its own location
// (repo root, stack script, Kafka client workers) are passed in the environment.
//
//   node tools/run-ts.js bench/packed.ts --runs 21
//
// Also used by the CLI build scripts (lib/tscharm/build-cli.js, lib/localmodel/build-cli.js)
// through `bundle()`. esbuild itself stays external: it ships a native binary.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');

/** Bundle `entry` (a .ts file) into one CommonJS file `outfile`; `cli` adds a shebang + exec bit. */
function bundle(entry, outfile, { cli = false } = {}) {
  require('esbuild').buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['esbuild'],
    banner: cli ? { js: '#!/usr/bin/env node' } : undefined,
    logLevel: 'warning',
  });
  if (cli) fs.chmodSync(outfile, 0o755);
  return outfile;
}

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
