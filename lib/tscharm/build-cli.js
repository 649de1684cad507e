#!/usr/bin/env node
// Builds the tscharm CLI (lib/tscharm/cli.ts) into one CommonJS file, build/tscharm.js.
'use strict';
const path = require('node:path');
const { bundle } = require('../bundle-cli');

const root = path.resolve(__dirname, '..', '..');

const outfile = bundle(path.join(__dirname, 'cli.ts'), path.join(root, 'build', 'tscharm.js'), { cli: true });
process.stdout.write(`built ${path.relative(process.cwd(), outfile) || outfile}\n`);
