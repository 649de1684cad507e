#!/usr/bin/env node
// Builds the tscharm CLI (lib/tscharm/cli.ts) into one CommonJS file, build/tscharm.js.
// esbuild stays external: it ships a native binary and must be resolved from node_modules.
'use strict';
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..', '..');
const outfile = path.join(root, 'build', 'tscharm.js');
esbuild
  .build({
    entryPoints: [path.join(__dirname, 'cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['esbuild'],
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  })
  .then(() => {
    require('node:fs').chmodSync(outfile, 0o755);
    process.stdout.write(`built ${path.relative(process.cwd(), outfile) || outfile}\n`);
  })
  .catch(() => process.exit(1));
