/**
 * Bundling a charm entry into one CommonJS file with esbuild.
 *
 * The charm's parsed metadata/config/actions are embedded at build time through the global
 * identifier `__TSCHARM_META__` (esbuild `define`), so the packed charm never reads or parses YAML
 * when it runs. Framework code reads it as:
 *
 *     declare const __TSCHARM_META__: { metadata: object; config: object; actions: object } | undefined;
 *     const embedded = typeof __TSCHARM_META__ === 'undefined' ? undefined : __TSCHARM_META__;
 *
 * Outside a tscharm bundle (jest, ts-node) the identifier is undeclared and `typeof` yields
 * 'undefined', so the same source works in both places.
 *
 * Precompiled Ajv validators (validators.ts) are offered the same way, as the global identifier
 * `__TSCHARM_VALIDATORS__`, provided through esbuild `inject` so that the generated module is only
 * bundled when framework code actually refers to it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { EmbeddedCharmMeta } from './meta';

export const META_GLOBAL = '__TSCHARM_META__';
export const VALIDATORS_GLOBAL = '__TSCHARM_VALIDATORS__';

export interface BundleOptions {
  /** The charm entry (e.g. charm/main.ts), absolute or relative to the cwd. */
  readonly entry: string;
  /** Where to write the bundle; omit to only analyse (validate uses that). */
  readonly outFile?: string;
  readonly meta: EmbeddedCharmMeta;
  /** Path of a generated CJS module exporting `__TSCHARM_VALIDATORS__`, if any. */
  readonly validatorsModule?: string;
  readonly minify?: boolean;
  /**
   * Leave out what a tscharm bundle never runs: lib/ops' lazy `require('yaml')` (loadCharmMeta;
   * the metadata is embedded) and lazy `require('ajv')` (compileSchema; the validators are
   * precompiled). Each is replaced by a stub that throws a clear error if it is reached after all.
   * It roughly halves the bundle V8 has to compile at every dispatch. Default true.
   */
  readonly omitFrameworkLazyDeps?: boolean;
}

/** Packages lib/ops requires lazily only for what a tscharm bundle embeds instead. */
const FRAMEWORK_LAZY_DEPS: Readonly<Record<string, string>> = {
  yaml: 'YAML parsing (loadCharmMeta): a tscharm bundle embeds its metadata; use embeddedCharmMeta() from lib/tscharm/embedded',
  ajv: 'compiling JSON Schemas (compileSchema): a tscharm bundle carries precompiled validators; pass embeddedValidators() to main()',
};

function omitFrameworkLazyDeps(): esbuild.Plugin {
  const frameworkDir = `${path.sep}lib${path.sep}ops${path.sep}`;
  return {
    name: 'tscharm-omit-framework-lazy-deps',
    setup(build) {
      build.onResolve({ filter: /^(yaml|ajv)$/ }, (args) =>
        args.importer.includes(frameworkDir) ? { path: args.path, namespace: 'tscharm-omitted' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'tscharm-omitted' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`tscharm: "${args.path}" is not in this bundle; it is only needed for ${FRAMEWORK_LAZY_DEPS[args.path]}`)});`,
        loader: 'js',
      }));
    },
  };
}

export interface BundleResult {
  readonly bytes: number;
  /** Absolute paths of the project's own sources in the bundle (node_modules excluded). */
  readonly ownSources: readonly string[];
  /** Packages bundled in, by name. */
  readonly packages: readonly string[];
}

export async function bundleCharm(options: BundleOptions): Promise<BundleResult> {
  const entry = path.resolve(options.entry);
  if (!fs.existsSync(entry)) throw new Error(`entry ${entry} does not exist; pass --entry <file.ts>`);
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: options.minify ?? true,
    // Error classes name themselves from `new.target.name`; without this the minifier would turn
    // "ContextError: JUJU_HOOK_NAME is not set" into "R: JUJU_HOOK_NAME is not set".
    keepNames: true,
    legalComments: 'eof',
    // Juju runs one process per event; nothing may be resolved from node_modules at run time.
    packages: 'bundle',
    define: { [META_GLOBAL]: JSON.stringify(options.meta) },
    inject: options.validatorsModule ? [options.validatorsModule] : [],
    plugins: options.omitFrameworkLazyDeps === false ? [] : [omitFrameworkLazyDeps()],
    metafile: true,
    write: options.outFile !== undefined,
    outfile: options.outFile ?? path.join(path.dirname(entry), '__tscharm_analysis__.js'),
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(p));
  const ownSources = inputs.filter((p) => !p.split(path.sep).includes('node_modules'));
  const packages = new Set<string>();
  for (const p of inputs) {
    const parts = p.split(path.sep);
    const i = parts.lastIndexOf('node_modules');
    if (i >= 0 && parts[i + 1]) packages.add(parts[i + 1]!.startsWith('@') ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1]!);
  }
  const outputs = Object.values(result.metafile.outputs);
  const bytes = outputs.reduce((sum, o) => sum + o.bytes, 0);
  return { bytes, ownSources, packages: [...packages].sort() };
}
