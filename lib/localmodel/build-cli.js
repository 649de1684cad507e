#!/usr/bin/env node
// Builds the localmodel CLI (lib/localmodel/cli.ts) into one CommonJS file, build/localmodel.js.
'use strict';
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..', '..');
const outfile = path.join(root, 'build', 'localmodel.js');
esbuild
  .build({
    entryPoints: [path.join(__dirname, 'cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  })
  .then(() => {
    require('node:fs').chmodSync(outfile, 0o755);
    process.stdout.write(`built ${path.relative(process.cwd(), outfile) || outfile}\n`);
  })
  .catch(() => process.exit(1));
