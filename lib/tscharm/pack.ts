/**
 * `tscharm pack`: validate, bundle, fetch the Node runtime, and write `<name>_<base>-<arch>.charm`
 * with charmcraft's layout (contract §1.3):
 *
 *   dispatch                 executable sh script → exec runtime/node dist/charm.js
 *   hooks/{install,start,upgrade-charm} → ../dispatch (symlinks)
 *   metadata.yaml, config.yaml, actions.yaml (verbatim, when present)
 *   manifest.yaml            charmcraft-style manifest
 *   dist/charm.js            the charm, one minified CommonJS bundle with its metadata embedded
 *   runtime/node, runtime/LICENSE   the Node.js runtime for the target architecture
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleCharm } from './bundle';
import { BUNDLE_PATH, dispatchScript, MANDATORY_HOOKS, RUNTIME_LICENSE_PATH, RUNTIME_NODE_PATH } from './dispatch';
import { manifestYaml, parseBase, type Base } from './manifest';
import { charmName, embeddedMeta, META_FILE_NAMES, readCharmMetaFiles, type CharmMetaFiles, type EmbeddedCharmMeta } from './meta';
import { ensureNodeRuntime, type Architecture } from './runtime';
import { scanSources } from './scan';
import { charmSourcesOf, declaredNames, formatProblem, observationProblems, validateMetaFiles } from './validate';
import { writeZip, type ZipEntry } from './zip';

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
}

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
}

export class PackError extends Error {}

/** Timestamp stored on every zip entry: fixed, so the same inputs give the same entries. */
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

export async function pack(options: PackOptions): Promise<PackResult> {
  const charmDir = path.resolve(options.charmDir);
  const files = readCharmMetaFiles(charmDir);
  const problems = validateMetaFiles(files);
  if (problems.length > 0) {
    throw new PackError(`the charm's metadata has problems:\n${problems.map(formatProblem).join('\n')}`);
  }
  const name = charmName(files);
  const base = parseBase(options.base);
  const meta = embeddedMeta(files);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `tscharm-${name}-`));
  try {
    return await packIn(workDir, options, { charmDir, files, name, base, meta });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function packIn(
  workDir: string,
  options: PackOptions,
  ctx: { charmDir: string; files: CharmMetaFiles; name: string; base: Base; meta: EmbeddedCharmMeta },
): Promise<PackResult> {
  const { charmDir, files, name, base, meta } = ctx;
  fs.mkdirSync(path.join(workDir, 'dist'), { recursive: true });
  const bundleFile = path.join(workDir, BUNDLE_PATH);
  const entry = path.resolve(charmDir, options.entry);
  const bundle = await bundleCharm({ entry, outFile: bundleFile, meta, minify: options.minify ?? true });
  if (bundle.ownSources.some((s) => s.includes(`${path.sep}node_modules${path.sep}`))) {
    throw new PackError('internal: node_modules path among own sources');
  }
  const observed = scanSources(charmSourcesOf(entry, bundle.ownSources), declaredNames(files));
  const codeProblems = observationProblems(files, observed);
  if (codeProblems.length > 0) {
    throw new PackError(`the charm code and its metadata disagree:\n${codeProblems.map(formatProblem).join('\n')}`);
  }

  const runtime = ensureNodeRuntime(options.arch, options.nodeVersion, options.cacheDir);
  const startedAt = options.startedAt ?? new Date();

  const entries: ZipEntry[] = [
    { name: 'dispatch', kind: 'file', data: Buffer.from(dispatchScript({ allowSystemNode: false })), mode: 0o100755 },
    ...MANDATORY_HOOKS.map((hook): ZipEntry => ({ name: `hooks/${hook}`, kind: 'symlink', target: '../dispatch' })),
    { name: 'manifest.yaml', kind: 'file', data: Buffer.from(manifestYaml(base, options.arch, startedAt)), mode: 0o100644 },
    { name: BUNDLE_PATH, kind: 'disk-file', source: bundleFile, mode: 0o100644 },
    { name: RUNTIME_NODE_PATH, kind: 'disk-file', source: runtime.nodeBinary, mode: 0o100755 },
    { name: RUNTIME_LICENSE_PATH, kind: 'disk-file', source: runtime.license, mode: 0o100644 },
  ];
  for (const file of [files.metadata, files.config, files.actions]) {
    if (file) entries.push({ name: META_FILE_NAMES[file.kind], kind: 'file', data: Buffer.from(file.text), mode: 0o100644 });
  }

  fs.mkdirSync(options.outDir, { recursive: true });
  const charmFile = path.resolve(options.outDir, `${name}_${base.name}@${base.channel}-${options.arch}.charm`);
  await writeZip(charmFile, entries, ZIP_MTIME);

  const packed: PackedEntry[] = entries
    .map((e) => {
      const bytes =
        e.kind === 'file' ? e.data.length : e.kind === 'symlink' ? Buffer.byteLength(e.target) : fs.statSync(e.source).size;
      const mode = e.kind === 'symlink' ? 0o120777 : e.mode;
      return { name: e.name, bytes, mode };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    charmFile,
    charmBytes: fs.statSync(charmFile).size,
    unpackedBytes: packed.reduce((s, e) => s + e.bytes, 0),
    bundleBytes: bundle.bytes,
    bundledPackages: bundle.packages,
    entries: packed,
  };
}
