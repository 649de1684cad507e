// Bundles a TypeScript CLI entry point of lib/ into one CommonJS file with esbuild (a shebang and
// the exec bit for CLIs). Used by lib/tscharm/build-cli.js and lib/localmodel/build-cli.js, and by
// tools/run-ts.js; it lives in lib/ because lib/ never imports tools/. esbuild itself stays
// external: it ships a native binary.
'use strict';
const fs = require('node:fs');

/** Bundle `entry` (a .ts file) into `outfile`; `cli` adds a shebang + exec bit. */
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

module.exports = { bundle };
