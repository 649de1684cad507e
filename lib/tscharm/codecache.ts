/**
 * V8 code cache for the packed bundle, written on the unit after a real hook.
 *
 * Juju starts one Node process per event, and each one compiles dist/charm.js from scratch.
 * `dispatch` starts a tiny loader (dist/start.js) instead, which compiles the bundle with the V8
 * cached data in dist/charm.js.cache when there is a usable one. When there is none (the first
 * hook after install or upgrade-charm), or V8 rejects it (another V8 version or flags), the loader
 * compiles as usual and, when the hook's process exits, writes the cache from that script: after
 * a real hook ran, so it holds the functions V8 compiled lazily while the hook ran, not only the
 * top level (a cache made by compiling alone, at pack time, saved nothing measurable; one made
 * after a hook saves ~13 % of a steady-state hook's CPU time: bench/packed.ts --code-cache-compare).
 * It is written by the unit's own runtime, so every architecture gets one. The charm directory is
 * the unit's to write (Python ops keeps its state file there too); a write that fails is ignored.
 *
 * V8 checks the source of cached data only by its LENGTH: a same-length edit of dist/charm.js would
 * run stale bytecode. So the cache file starts with the SHA-256 of the bundle it was made from
 * (32 bytes, ~0.2 ms to check); a cache that does not match is replaced.
 */

export const LOADER_PATH = 'dist/start.js';
/** Next to the bundle, named after it: the loader finds it as `<bundle>.cache`. */
export const CODE_CACHE_SUFFIX = '.cache';

/**
 * The loader, as shipped. Plain CommonJS for the runtime as is (no bundling, no dependencies). It
 * wraps the bundle exactly as Node's CommonJS loader does (`Module.wrap`) so that the bundle sees
 * the usual `exports, require, module, __filename, __dirname`.
 */
export function loaderSource(bundleName: string): string {
  const cacheName = `${bundleName}${CODE_CACHE_SUFFIX}`;
  return `'use strict';
// tscharm loader: runs ${bundleName} as CommonJS, compiled with the V8 code cache ${cacheName}
// when there is one that V8 accepts; otherwise compiled as usual, and the cache is written when
// this hook's process exits.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const filename = path.join(__dirname, ${JSON.stringify(bundleName)});
const cacheFile = path.join(__dirname, ${JSON.stringify(cacheName)});
const source = fs.readFileSync(filename, 'utf8');
const digest = require('crypto').createHash('sha256').update(source).digest();
let cache = 'missing';
let cachedData;
try {
  const file = fs.readFileSync(cacheFile);
  if (file.length > digest.length && digest.equals(file.subarray(0, digest.length))) cachedData = file.subarray(digest.length);
  else cache = 'stale';
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename, cachedData });
if (cachedData !== undefined) cache = script.cachedDataRejected ? 'rejected' : 'accepted';
if (process.env.TSCHARM_CODE_CACHE_DEBUG) process.stderr.write('tscharm code cache: ' + cache + '\\n');
if (cache !== 'accepted') {
  process.once('exit', () => {
    const tmp = cacheFile + '.tmp-' + process.pid;
    try {
      fs.writeFileSync(tmp, Buffer.concat([digest, script.createCachedData()]));
      fs.renameSync(tmp, cacheFile);
    } catch {
      try { fs.rmSync(tmp, { force: true }); } catch {}
    }
  });
}
const charm = new Module(filename, null);
charm.filename = filename;
charm.paths = Module._nodeModulePaths(path.dirname(filename));
script.runInThisContext().call(charm.exports, charm.exports, Module.createRequire(filename), charm, filename, path.dirname(filename));
charm.loaded = true;
`;
}
