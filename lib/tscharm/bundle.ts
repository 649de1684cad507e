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
  /**
   * Keep axios to its Node http adapter and leave out, at bundle time, what it loads at import
   * but only uses for features a charm must ask for explicitly (see slimAxios). Default true.
   */
  readonly slimAxios?: boolean;
}

/** Packages lib/ops requires lazily only for what a tscharm bundle embeds instead. */
const FRAMEWORK_LAZY_DEPS: Readonly<Record<string, string>> = {
  yaml: 'YAML parsing (loadCharmMeta): a tscharm bundle embeds its metadata; main(MyCharm) uses the embedded metadata',
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

/**
 * axios (1.x) on Node always picks its `http` adapter (the default order is xhr, http, fetch and
 * http exists on Node), yet at import it costs a hook ~25 ms for things that adapter never uses:
 *
 * - lib/adapters/fetch.js probes `Request`, `Response`, `ReadableStream` when it is imported, and
 *   lib/utils.js reads `globalThis.FormData` to cache it: on Node 20 those globals are lazy getters
 *   that load undici (~18 ms) and web streams. The fetch adapter is replaced by "not supported"
 *   (what axios itself reports where fetch is missing; a charm asking for `adapter: 'fetch'` gets
 *   axios' clear "Adapter fetch is not supported" error), and utils' cached FormData constructor
 *   by `undefined`: isFormData() then recognises native FormData and form-data instances by their
 *   `[object FormData]` tag, as it already does for every other FormData implementation, so its
 *   answers are unchanged. `define` cannot do this: both read the globals through a local
 *   variable (`globalObject.Request`, `G.FormData`), which only a module-level change reaches.
 * - `form-data` (with mime-types/mime-db, ~150 KB of the bundle) is only needed to build a
 *   multipart body, and node's `http2` only for `httpVersion: 2`. Both are replaced by stubs that
 *   throw a clear error when used, never at import.
 *
 * follow-redirects and the proxy agents stay: axios uses them for its default config
 * (maxRedirects 21, proxies from the environment). Every replacement is checked when the bundle
 * is built: if an axios upgrade moves what it replaces, the build fails instead of silently
 * bundling a different axios.
 */
const AXIOS_DIR = `${path.sep}node_modules${path.sep}axios${path.sep}`;
const AXIOS_UTILS_FORMDATA_PROBE = "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;";
const AXIOS_STUBS: Readonly<Record<string, string>> = {
  'fetch-adapter': 'export const getFetch = () => false;\nexport default false;\n',
  'form-data': [
    'export default class FormData {',
    `  constructor() { throw new Error(${JSON.stringify('tscharm: axios multipart bodies (form-data) are not in this bundle; send JSON or a string, or bundle with slimAxios: false')}); }`,
    '}',
    '',
  ].join('\n'),
  http2: [
    `const unsupported = () => { throw new Error(${JSON.stringify('tscharm: axios HTTP/2 (httpVersion: 2) is not in this bundle; use HTTP/1.1 or bundle with slimAxios: false')}); };`,
    'export default { connect: unsupported, get constants() { return unsupported(); } };',
    '',
  ].join('\n'),
};

function slimAxios(): esbuild.Plugin {
  return {
    name: 'tscharm-slim-axios',
    setup(build) {
      build.onResolve({ filter: /^\.\/fetch\.js$/ }, (args) =>
        args.importer.endsWith(`${AXIOS_DIR}lib${path.sep}adapters${path.sep}adapters.js`)
          ? { path: 'fetch-adapter', namespace: 'tscharm-axios-stub' }
          : undefined,
      );
      build.onResolve({ filter: /^(form-data|http2)$/ }, (args) =>
        args.importer.includes(AXIOS_DIR) ? { path: args.path, namespace: 'tscharm-axios-stub' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'tscharm-axios-stub' }, (args) => ({ contents: AXIOS_STUBS[args.path]!, loader: 'js' }));
      build.onLoad({ filter: /[\\/]node_modules[\\/]axios[\\/]lib[\\/]utils\.js$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (!source.includes(AXIOS_UTILS_FORMDATA_PROBE)) {
          return {
            errors: [
              {
                text: `tscharm slimAxios: ${args.path} no longer contains the FormData probe it replaces; review slimAxios in lib/tscharm/bundle.ts for this axios version`,
              },
            ],
          };
        }
        return {
          contents: source.replace(
            AXIOS_UTILS_FORMDATA_PROBE,
            'const FormDataCtor = undefined; // tscharm slimAxios: no Node 20 undici load at import',
          ),
          loader: 'js',
        };
      });
    },
  };
}

/**
 * @platformatic/wasm-utils (crc32c, lz4, snappy for @platformatic/kafka) reads its `native.wasm`
 * next to itself through `import.meta.url`, which a CommonJS bundle does not have: the file is
 * embedded instead (esbuild's binary loader, ~57 KB) and instantiated exactly as the package does,
 * when the module is first required. Checked at build time like slimAxios.
 */
const WASM_UTILS_READ = "const wasm = readFileSync(new URL('../dist/native.wasm', import.meta.url));";
function embedWasmUtils(): esbuild.Plugin {
  return {
    name: 'tscharm-embed-wasm-utils',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]@platformatic[\\/]wasm-utils[\\/]dist[\\/]index\.js$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (!source.includes(WASM_UTILS_READ)) {
          return {
            errors: [
              {
                text: `tscharm embedWasmUtils: ${args.path} no longer reads native.wasm the way it replaces; review embedWasmUtils in lib/tscharm/bundle.ts`,
              },
            ],
          };
        }
        const wasmPath = JSON.stringify(path.join(path.dirname(args.path), 'native.wasm'));
        return {
          contents: `import __tscharmWasm from ${wasmPath};\n${source.replace(WASM_UTILS_READ, 'const wasm = __tscharmWasm;')}`,
          loader: 'js',
          resolveDir: path.dirname(args.path),
        };
      });
      // @platformatic/kafka builds `createRequire(import.meta.url)` (optional native crc32c, schema
      // registry codecs): in the CommonJS bundle the bundle file's own URL stands in, so the
      // optional packages are simply not found and the library uses its fallbacks.
      build.onLoad({ filter: /[\\/]node_modules[\\/]@platformatic[\\/]kafka[\\/]dist[\\/].*\.js$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        // An imported name: the modules declare their own local `require`.
        const contents = `import { pathToFileURL as __tscharmFileUrl } from 'node:url';\n${source.replace(/import\.meta\.url/g, '__tscharmFileUrl(__filename).href')}`;
        return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
      });
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
    plugins: [
      ...(options.omitFrameworkLazyDeps === false ? [] : [omitFrameworkLazyDeps()]),
      ...(options.slimAxios === false ? [] : [slimAxios()]),
      embedWasmUtils(),
    ],
    loader: { '.wasm': 'binary' },
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
