/**
 * The V8 code cache and its loader (lib/tscharm/codecache.ts), on the shipped runtime: the loader
 * runs a bundle as CommonJS (exports/require/module/__filename/__dirname); with no usable cache
 * (missing, stale, rejected) it compiles as usual and writes one when the hook's process exits,
 * which the next hook accepts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CODE_CACHE_SUFFIX, loaderSource } from '../../../lib/tscharm/codecache';
import { DEFAULT_NODE_VERSION, ensureNodeRuntime, hostArchitecture } from '../../../lib/tscharm/runtime';
import { CACHE_DIR } from './helpers';

jest.setTimeout(120_000);

let tmp: string;
let node: string;

// Sizeable enough that V8 has something to cache; prints what a CommonJS module sees.
const BUNDLE = `'use strict';
const path = require('path');
${Array.from({ length: 200 }, (_, i) => `function f${i}(x) { return x * ${i} + ${i % 7}; }`).join('\n')}
module.exports.answer = f6(7);
exports.same = module.exports === exports;
process.stdout.write(JSON.stringify({
  answer: module.exports.answer,
  same: exports.same,
  filename: __filename,
  dirname: __dirname,
  requireResolves: typeof require.resolve === 'function',
  pathJoin: path.join('a', 'b'),
  thisIsExports: this === exports,
}));
if (process.env.FAIL_AT_LINE) { throw new Error('boom'); }
`;

function writeCharm(dir: string): { bundle: string; loader: string } {
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  const bundle = path.join(dir, 'dist', 'charm.js');
  const loader = path.join(dir, 'dist', 'start.js');
  fs.writeFileSync(bundle, BUNDLE);
  fs.writeFileSync(loader, loaderSource('charm.js'));
  return { bundle, loader };
}

function runLoader(loader: string, env: Record<string, string> = {}) {
  return spawnSync(node, [loader], { env: { TSCHARM_CODE_CACHE_DEBUG: '1', ...env }, encoding: 'utf8' });
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tscharm-codecache-'));
  const arch = hostArchitecture();
  if (arch === undefined) throw new Error(`no Node runtime for this host (${process.arch})`);
  node = ensureNodeRuntime(arch, DEFAULT_NODE_VERSION, CACHE_DIR).nodeBinary;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const EXPECTED = (bundle: string) => ({
  answer: 6 * 7 + 6,
  same: true,
  filename: bundle,
  dirname: path.dirname(bundle),
  requireResolves: true,
  pathJoin: 'a/b',
  thisIsExports: true,
});

test('first hook: no cache, a plain compile, and the cache is written at exit; the next hook accepts it, same output', () => {
  const { bundle, loader } = writeCharm(path.join(tmp, 'accepted'));
  const first = runLoader(loader);
  expect(first.stderr).toBe('tscharm code cache: missing\n');
  expect(first.status).toBe(0);
  expect(JSON.parse(first.stdout)).toEqual(EXPECTED(bundle));
  const cache = fs.readFileSync(`${bundle}${CODE_CACHE_SUFFIX}`);
  expect(cache.length).toBeGreaterThan(32);
  expect(fs.readdirSync(path.dirname(bundle)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  const second = runLoader(loader);
  expect(second.stderr).toBe('tscharm code cache: accepted\n');
  expect(second.status).toBe(0);
  expect(JSON.parse(second.stdout)).toEqual(EXPECTED(bundle));
  // An accepted cache is left as it is.
  expect(fs.readFileSync(`${bundle}${CODE_CACHE_SUFFIX}`).equals(cache)).toBe(true);
});

test('a stale cache (same-length edit of the bundle, which V8 alone would accept) is ignored, the new code runs and the cache is replaced', () => {
  const { bundle, loader } = writeCharm(path.join(tmp, 'stale'));
  expect(runLoader(loader).status).toBe(0);
  fs.writeFileSync(bundle, BUNDLE.replace('f6(7)', 'f6(8)'));
  const stale = runLoader(loader);
  expect(stale.stderr).toBe('tscharm code cache: stale\n');
  expect(stale.status).toBe(0);
  expect(JSON.parse(stale.stdout)).toMatchObject({ answer: 6 * 8 + 6 });
  expect(runLoader(loader).stderr).toBe('tscharm code cache: accepted\n');

  fs.writeFileSync(`${bundle}${CODE_CACHE_SUFFIX}`, Buffer.from('short'));
  expect(runLoader(loader).stderr).toBe('tscharm code cache: stale\n');
  expect(runLoader(loader).stderr).toBe('tscharm code cache: accepted\n');
});

test('a cache V8 rejects (right digest, bad data) falls back to a plain compile and is rewritten', () => {
  const { bundle, loader } = writeCharm(path.join(tmp, 'rejected'));
  expect(runLoader(loader).status).toBe(0);
  const cache = fs.readFileSync(`${bundle}${CODE_CACHE_SUFFIX}`);
  fs.writeFileSync(`${bundle}${CODE_CACHE_SUFFIX}`, Buffer.concat([cache.subarray(0, 32), Buffer.alloc(cache.length - 32, 0x5a)]));
  const r = runLoader(loader);
  expect(r.stderr).toBe('tscharm code cache: rejected\n');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ answer: 48 });
  expect(runLoader(loader).stderr).toBe('tscharm code cache: accepted\n');
});

test('an error thrown by the bundle names the bundle file and its line, and exits non-zero', () => {
  const { bundle, loader } = writeCharm(path.join(tmp, 'throws'));
  const r = runLoader(loader, { FAIL_AT_LINE: '1' });
  expect(r.status).not.toBe(0);
  const line = BUNDLE.split('\n').findIndex((l) => l.includes("throw new Error('boom')")) + 1;
  expect(r.stderr).toContain('Error: boom');
  expect(r.stderr).toContain(`${bundle}:${line}:`);
});

test('a charm directory the hook cannot write to: the hook runs as usual, no cache, no error', () => {
  const dir = path.join(tmp, 'readonly');
  const { bundle, loader } = writeCharm(dir);
  // A directory where the cache file should be makes the write fail even for root.
  fs.mkdirSync(`${bundle}${CODE_CACHE_SUFFIX}`);
  const r = runLoader(loader);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(EXPECTED(bundle));
  expect(fs.readdirSync(path.dirname(bundle)).filter((f) => f.includes('.tmp-'))).toEqual([]);
});
