#!/usr/bin/env node
// The tscharm CLI of the installed tscharm package: bundles lib/tscharm/cli.ts once (esbuild, into
// .build/ next to this package) and runs it. In this repository, npm scripts use build/tscharm.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { bundle } = require('../bundle-cli');

const source = path.join(__dirname, '..', 'tscharm', 'cli.ts');
const outfile = path.join(__dirname, '..', '.build', 'tscharm.js');
if (!fs.existsSync(outfile) || fs.statSync(outfile).mtimeMs < fs.statSync(source).mtimeMs) bundle(source, outfile, { cli: true });
process.argv[1] = outfile;
const cli = require(outfile);
void (cli.runCli ?? cli.main)(process.argv);
