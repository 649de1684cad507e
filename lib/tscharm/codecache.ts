/**
 * V8 code cache for the packed bundle.
 *
 * Juju starts one Node process per event, and each one compiles dist/charm.js from scratch. At
 * pack time, when the target architecture is the host's, the SHIPPED runtime compiles the bundle
 * once and writes V8's cached data next to it (dist/charm.js.cache); `dispatch` then starts a tiny
 * loader (dist/start.js) that compiles the bundle with that cache and runs it as CommonJS.
 *
 * V8 rejects cached data (`script.cachedDataRejected`) made by another V8 version or with other
 * flags, but it checks the source only by its LENGTH: a same-length edit of dist/charm.js would
 * run stale bytecode. So the cache file starts with the SHA-256 of the bundle it was made from
 * (32 bytes, ~0.2 ms to check) and the loader ignores a cache that does not match. Missing, stale
 * or rejected, the loader compiles normally, at the cost of one read. The cache is made by
 * compiling only, not by running: running the charm at pack time would run a hook with no Juju
 * context around it, so functions V8 compiles lazily while a hook runs are not in it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export const LOADER_PATH = 'dist/start.js';
/** Next to the bundle, named after it: the loader finds it as `<bundle>.cache`. */
export const CODE_CACHE_SUFFIX = '.cache';

/**
 * The loader, as shipped. Plain CommonJS for the runtime as is (no bundling, no dependencies). It
 * wraps the bundle exactly as Node's CommonJS loader does (`Module.wrap`) so that the bundle sees
 * the usual `exports, require, module, __filename, __dirname`, and the generator below compiles
 * the very same string.
 */
export function loaderSource(bundleName: string): string {
  return `'use strict';
// tscharm loader: runs ${bundleName} as CommonJS, compiled with the V8 code cache made at pack time
// (${bundleName}${CODE_CACHE_SUFFIX}) when there is one and V8 accepts it, else compiled as usual.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const filename = path.join(__dirname, ${JSON.stringify(bundleName)});
const source = fs.readFileSync(filename, 'utf8');
let cache = 'missing';
let cachedData;
try {
  const file = fs.readFileSync(filename + ${JSON.stringify(CODE_CACHE_SUFFIX)});
  const digest = require('crypto').createHash('sha256').update(source).digest();
  if (file.length > digest.length && digest.equals(file.subarray(0, digest.length))) cachedData = file.subarray(digest.length);
  else cache = 'stale';
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename, cachedData });
if (cachedData !== undefined) cache = script.cachedDataRejected ? 'rejected' : 'accepted';
if (process.env.TSCHARM_CODE_CACHE_DEBUG) process.stderr.write('tscharm code cache: ' + cache + '\\n');
const charm = new Module(filename, null);
charm.filename = filename;
charm.paths = Module._nodeModulePaths(path.dirname(filename));
script.runInThisContext().call(charm.exports, charm.exports, Module.createRequire(filename), charm, filename, path.dirname(filename));
charm.loaded = true;
`;
}

/** Run by the shipped runtime: argv = [bundle, cache out]. Same wrapping and digest as the loader. */
const GENERATOR = `
const fs = require('fs');
const vm = require('vm');
const Module = require('module');
const [bundle, out] = process.argv.slice(1);
const source = fs.readFileSync(bundle, 'utf8');
const script = new vm.Script(Module.wrap(source), { filename: bundle });
const digest = require('crypto').createHash('sha256').update(source).digest();
fs.writeFileSync(out, Buffer.concat([digest, script.createCachedData()]));
`;

export type CodeCacheResult = { readonly written: true; readonly bytes: number } | { readonly written: false; readonly reason: string };

/**
 * Write `<bundleFile>.cache` by compiling the bundle with `nodeBinary` (the runtime the charm
 * ships), which must run on this host.
 */
export function writeCodeCache(nodeBinary: string, bundleFile: string): CodeCacheResult {
  const out = `${bundleFile}${CODE_CACHE_SUFFIX}`;
  // An empty environment: nothing of the packing shell (NODE_OPTIONS in particular, whose flags
  // would be baked into the cache and make it rejected at run time) reaches the compile.
  const r = spawnSync(nodeBinary, ['-e', GENERATOR, bundleFile, out], { env: {}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0 || !fs.existsSync(out)) {
    fs.rmSync(out, { force: true });
    return { written: false, reason: `the shipped runtime could not compile the bundle: ${r.error?.message ?? r.stderr.trim()}` };
  }
  return { written: true, bytes: fs.statSync(out).size };
}
