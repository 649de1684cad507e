/**
 * `tscharm pack`: validate, bundle, fetch the Node runtime, and write `<name>_<base>-<arch>.charm`
 * with the layout charmcraft gives a `.charm` (a zip that Juju unpacks as it is):
 *
 *   dispatch                 executable sh script → cd to the charm dir, unpack the runtime on the
 *                            first event, exec runtime/node-<digest> dist/start.js
 *   hooks/{install,start,upgrade-charm} → ../dispatch (symlinks)
 *   metadata.yaml, config.yaml, actions.yaml (verbatim, when present)
 *   manifest.yaml            charmcraft-style manifest
 *   dist/charm.js            the charm, one minified CommonJS bundle with its metadata embedded
 *   dist/start.js            the code-cache loader (codecache.ts; bundles ≥ 128 KiB), which writes
 *                            dist/charm.js.cache on the unit after its first hook
 *   runtime/node.xz          the pinned Node.js runtime for the target architecture, stripped and
 *                            xz-compressed (stored); runtime/node.sha256 the binary's digest,
 *                            runtime/unpack the sh script dispatch unpacks it with (dispatch.ts)
 *   runtime/LICENSE          Node's license
 * (with `compressRuntime: false`, or no xz on the packing machine: runtime/node, deflated)
 */
import { checkGenerated } from './gen';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleCharm, type BundleResult } from './bundle';
import { LOADER_PATH, loaderSource } from './codecache';
import {
  BUNDLE_PATH,
  dispatchScript,
  MANDATORY_HOOKS,
  RUNTIME_LICENSE_PATH,
  RUNTIME_NODE_PATH,
  RUNTIME_SHA256_PATH,
  RUNTIME_UNPACK_PATH,
  RUNTIME_XZ_PATH,
  unpackScript,
} from './dispatch';
import { manifestYaml, parseBase, type Base } from './manifest';
import { charmName, embeddedMeta, META_FILE_NAMES, readCharmMetaFiles, type CharmMetaFiles } from './meta';
import { compressRuntime, ensureNodeRuntime, stripRuntime, type Architecture, type CompressResult, type StripResult } from './runtime';
import { scanSources } from './scan';
import { charmSourcesOf, declaredNames, formatProblem, observationProblems, validateMetaFiles } from './validate';
import { writePrecompiledValidators } from './validators';
import { SYMLINK_MODE, writeTree, writeZip, type ZipEntry } from './zip';

export interface PackOptions {
  readonly charmDir: string;
  /** Charm entry, relative to charmDir unless absolute. */
  readonly entry: string;
  /** charmcraft notation, e.g. ubuntu@22.04 */
  readonly base: string;
  readonly arch: Architecture;
  readonly outDir: string;
  readonly nodeVersion: string;
  readonly cacheDir: string;
  /** For reproducible builds; defaults to now. */
  readonly startedAt?: Date;
  readonly minify?: boolean;
  /**
   * Instead of a .charm, write only the code part (dispatch, dist/, runtime/) unzipped into this
   * directory: what a charmcraft part stages (charmcraft adds metadata, hooks and manifest itself).
   */
  readonly stageDir?: string;
  /** Start the bundle through the code-cache loader (codecache.ts). Default true. */
  readonly codeCache?: boolean;
  /**
   * Smallest bundle that gets the loader. Loading the cache and the loader costs ~1–2 ms; for a
   * 54 KB bundle that is more than the compile it saves. Default 128 KiB.
   */
  readonly codeCacheMinBytes?: number;
  /** Strip symbols and debug info from the shipped runtime (runtime.ts stripRuntime). Default true. */
  readonly strip?: boolean;
  /**
   * Ship the runtime xz-compressed (runtime/node.xz, unpacked by dispatch on the unit's first
   * event; runtime.ts compressRuntime) instead of deflated as runtime/node. Default true.
   */
  readonly compressRuntime?: boolean;
  /** Which charm to build from the source (meta.ts readCharmMetaFiles): 'machine' (default) or a variants/<name>. */
  readonly variant?: string;
}

export const DEFAULT_CODE_CACHE_MIN_BYTES = 128 * 1024;

/** Whether the charm starts through the code-cache loader (codecache.ts), and why not. */
export type CodeCacheResult = { readonly enabled: true } | { readonly enabled: false; readonly reason: string };

export interface PackedEntry {
  readonly name: string;
  readonly bytes: number;
  readonly mode: number;
}

export interface PackResult {
  readonly charmFile: string;
  readonly charmBytes: number;
  readonly unpackedBytes: number;
  readonly bundleBytes: number;
  readonly bundledPackages: readonly string[];
  readonly entries: readonly PackedEntry[];
  readonly codeCache: CodeCacheResult;
  readonly strip: StripResult;
  readonly runtimeCompression: CompressResult;
}

export class PackError extends Error {}

/** Timestamp stored on every zip entry: fixed, so the same inputs give the same entries. */
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

export interface BuildOptions {
  readonly charmDir: string;
  readonly entry: string;
  /** Where to write the bundle. */
  readonly bundleFile: string;
  readonly minify?: boolean;
  readonly variant?: string;
}

export interface BuiltCharm {
  readonly name: string;
  readonly files: CharmMetaFiles;
  readonly bundle: BundleResult;
}

/**
 * Validate the metadata, bundle the charm with its metadata embedded, and check that the code
 * observes only declared endpoints and actions. `tscharm build` stops here (development checkout:
 * the repo-root dispatch runs dist/charm.js on node from PATH); `pack` goes on to the .charm.
 */
export async function buildBundle(options: BuildOptions): Promise<BuiltCharm> {
  const charmDir = path.resolve(options.charmDir);
  const files = readCharmMetaFiles(charmDir, options.variant);
  const problems = validateMetaFiles(files);
  if (problems.length > 0) {
    throw new PackError(`the charm's metadata has problems:\n${problems.map(formatProblem).join('\n')}`);
  }
  const name = charmName(files);
  const stale = checkGenerated(charmDir, options.entry);
  if (stale) throw new PackError(stale);
  const entry = path.resolve(charmDir, options.entry);
  fs.mkdirSync(path.dirname(options.bundleFile), { recursive: true });
  const meta = embeddedMeta(files);
  const genDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscharm-gen-'));
  let bundle: BundleResult;
  try {
    const validatorsModule = writePrecompiledValidators(meta, genDir);
    bundle = await bundleCharm({ entry, outFile: options.bundleFile, meta, validatorsModule, minify: options.minify ?? true });
  } finally {
    fs.rmSync(genDir, { recursive: true, force: true });
  }
  const observed = scanSources(charmSourcesOf(entry, bundle.ownSources), declaredNames(files));
  const codeProblems = observationProblems(files, observed);
  if (codeProblems.length > 0) {
    throw new PackError(`the charm code and its metadata disagree:\n${codeProblems.map(formatProblem).join('\n')}`);
  }
  return { name, files, bundle };
}

export async function pack(options: PackOptions): Promise<PackResult> {
  const base = parseBase(options.base);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscharm-'));
  try {
    const bundleFile = path.join(workDir, BUNDLE_PATH);
    const built = await buildBundle({
      charmDir: options.charmDir,
      entry: options.entry,
      bundleFile,
      ...(options.minify !== undefined ? { minify: options.minify } : {}),
      ...(options.variant !== undefined ? { variant: options.variant } : {}),
    });
    return await assemble(options, base, built, bundleFile, workDir);
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function assemble(options: PackOptions, base: Base, built: BuiltCharm, bundleFile: string, workDir: string): Promise<PackResult> {
  const { name, files, bundle } = built;
  const runtime = ensureNodeRuntime(options.arch, options.nodeVersion, options.cacheDir);
  const shippedNode = path.join(workDir, 'node');
  const strip: StripResult =
    options.strip === false
      ? (fs.copyFileSync(runtime.nodeBinary, shippedNode), { stripped: false, reason: 'disabled' })
      : stripRuntime(runtime, shippedNode);
  const runtimeCompression: CompressResult =
    options.compressRuntime === false
      ? { compressed: false, reason: 'disabled' }
      : compressRuntime(shippedNode, options.arch, options.cacheDir);
  const runtimeEntries: ZipEntry[] = runtimeCompression.compressed
    ? [
        { name: RUNTIME_XZ_PATH, kind: 'disk-file', source: runtimeCompression.file, mode: 0o100644, store: true },
        { name: RUNTIME_SHA256_PATH, kind: 'file', data: Buffer.from(`${runtimeCompression.sha256}\n`), mode: 0o100644 },
        { name: RUNTIME_UNPACK_PATH, kind: 'file', data: Buffer.from(unpackScript()), mode: 0o100755 },
      ]
    : [{ name: RUNTIME_NODE_PATH, kind: 'disk-file', source: shippedNode, mode: 0o100755 }];
  const startedAt = options.startedAt ?? new Date();
  const minBytes = options.codeCacheMinBytes ?? DEFAULT_CODE_CACHE_MIN_BYTES;
  const codeCache: CodeCacheResult =
    options.codeCache === false
      ? { enabled: false, reason: 'disabled' }
      : fs.statSync(bundleFile).size < minBytes
        ? { enabled: false, reason: `the bundle is smaller than ${minBytes} bytes: a code cache would cost more than it saves` }
        : { enabled: true };
  const bundleName = path.posix.basename(BUNDLE_PATH);
  // The entrypoint dispatch names is executable, as charmcraft's entrypoint linter requires.
  const cacheEntries: ZipEntry[] = codeCache.enabled
    ? [{ name: LOADER_PATH, kind: 'file', data: Buffer.from(loaderSource(bundleName)), mode: 0o100755 }]
    : [];

  const entries: ZipEntry[] = [
    {
      name: 'dispatch',
      kind: 'file',
      data: Buffer.from(
        dispatchScript({
          allowSystemNode: false,
          compressedRuntime: runtimeCompression.compressed,
          ...(codeCache.enabled ? { script: LOADER_PATH } : {}),
        }),
      ),
      mode: 0o100755,
    },
    ...MANDATORY_HOOKS.map((hook): ZipEntry => ({ name: `hooks/${hook}`, kind: 'symlink', target: '../dispatch' })),
    { name: 'manifest.yaml', kind: 'file', data: Buffer.from(manifestYaml(base, options.arch, startedAt)), mode: 0o100644 },
    { name: BUNDLE_PATH, kind: 'disk-file', source: bundleFile, mode: codeCache.enabled ? 0o100644 : 0o100755 },
    ...cacheEntries,
    ...runtimeEntries,
    { name: RUNTIME_LICENSE_PATH, kind: 'disk-file', source: runtime.license, mode: 0o100644 },
  ];
  for (const file of [files.metadata, files.config, files.actions]) {
    if (file) entries.push({ name: META_FILE_NAMES[file.kind], kind: 'file', data: Buffer.from(file.text), mode: 0o100644 });
  }

  if (options.stageDir !== undefined) {
    // charmcraft writes metadata files and the manifest itself; hooks are staged too, as charmcraft's
    // nil plugin is not known to add them (its charm plugin does).
    const staged = entries.filter((e) => !e.name.endsWith('.yaml'));
    writeTree(options.stageDir, staged);
    const bytes = staged.map(entryBytes).reduce((a, b) => a + b, 0);
    return {
      charmFile: path.resolve(options.stageDir),
      charmBytes: bytes,
      unpackedBytes: bytes,
      bundleBytes: bundle.bytes,
      bundledPackages: bundle.packages,
      entries: describe(staged),
      codeCache,
      strip,
      runtimeCompression,
    };
  }

  fs.mkdirSync(options.outDir, { recursive: true });
  const charmFile = path.resolve(options.outDir, `${name}_${base.name}@${base.channel}-${options.arch}.charm`);
  await writeZip(charmFile, entries, ZIP_MTIME);

  const packed = describe(entries);
  return {
    charmFile,
    charmBytes: fs.statSync(charmFile).size,
    unpackedBytes: packed.reduce((s, e) => s + e.bytes, 0),
    bundleBytes: bundle.bytes,
    bundledPackages: bundle.packages,
    entries: packed,
    codeCache,
    strip,
    runtimeCompression,
  };
}

function entryBytes(e: ZipEntry): number {
  return e.kind === 'file' ? e.data.length : e.kind === 'symlink' ? Buffer.byteLength(e.target) : fs.statSync(e.source).size;
}

function describe(entries: readonly ZipEntry[]): PackedEntry[] {
  return entries
    .map((e) => ({ name: e.name, bytes: entryBytes(e), mode: e.kind === 'symlink' ? SYMLINK_MODE : e.mode }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
