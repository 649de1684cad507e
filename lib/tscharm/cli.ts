/**
 * The tscharm developer CLI: `tscharm pack`, `build`, `validate` and `gen`.
 * Built into one file by build-cli.js: `node lib/tscharm/build-cli.js && node build/tscharm.js pack`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { checkGenerated, generatedFileFor, writeGenerated } from './gen';
import { initCharm } from './init';
import { TSCHARM_VERSION } from './manifest';
import { buildBundle, pack, PackError } from './pack';
import { ARCHITECTURES, DEFAULT_NODE_VERSION, hostArchitecture, isArchitecture, type Architecture } from './runtime';
import { formatProblem, validateCharm } from './validate';

/** Entry points looked for when --entry is not given: a scaffolded charm's, then this repository's layout. */
const DEFAULT_ENTRIES = ['src/main.ts', 'charm/main.ts'];
const ENTRY_HELP = `charm entry point, relative to the charm directory (default: the first of ${DEFAULT_ENTRIES.join(', ')} that exists)`;

function entryOf(charmDir: string, given: string | undefined): string {
  if (given !== undefined) return given;
  return DEFAULT_ENTRIES.find((e) => fs.existsSync(path.resolve(charmDir, e))) ?? DEFAULT_ENTRIES[0]!;
}

function parseArch(value: string): Architecture {
  if (!isArchitecture(value)) throw new InvalidArgumentError(`expected one of ${ARCHITECTURES.join(', ')}`);
  return value;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function buildProgram(): Command {
  const program = new Command('tscharm')
    .description('Build and check Juju charms written in TypeScript')
    .version(TSCHARM_VERSION)
    .showHelpAfterError();

  program
    .command('pack')
    .description('bundle the charm and its Node.js runtime into <name>_<base>-<arch>.charm')
    .option('--charm-dir <dir>', 'directory holding metadata.yaml, config.yaml, actions.yaml', '.')
    .option('--entry <file>', ENTRY_HELP)
    .option('--base <base>', 'target base, charmcraft notation', 'ubuntu@22.04')
    .addOption(new Option('--arch <arch>', 'target architecture').argParser(parseArch).default(hostArchitecture() ?? 'amd64'))
    .option('--out <dir>', 'where to write the .charm (default: the charm directory)')
    .option(
      '--node-version <version>',
      'exact Node.js version to ship (npm package node-linux-<arch>; its sha256 must be pinned in lib/tscharm/runtime.ts)',
      DEFAULT_NODE_VERSION,
    )
    .option('--cache-dir <dir>', 'cache for Node runtime tarballs (default: <charm-dir>/.tscharm/cache)')
    .option('--no-minify', 'keep the bundle readable (for debugging)')
    .option('--no-compress-runtime', 'ship runtime/node deflated instead of xz-compressed (a larger .charm, no unpack on the unit)')
    .option('--stage-dir <dir>', 'write dispatch, dist/ and runtime/ unzipped into <dir> instead of a .charm (for charmcraft parts)')
    .option('--variant <name>', 'which charm to build: machine (metadata.yaml) or a variants/<name>/metadata.yaml such as k8s', 'machine')
    .action(
      async (opts: {
        charmDir: string;
        entry?: string;
        base: string;
        arch: Architecture;
        out?: string;
        nodeVersion: string;
        cacheDir?: string;
        minify: boolean;
        compressRuntime: boolean;
        stageDir?: string;
        variant: string;
      }) => {
        const charmDir = path.resolve(opts.charmDir);
        const sourceDateEpoch = process.env['SOURCE_DATE_EPOCH'];
        const result = await pack({
          charmDir,
          entry: entryOf(opts.charmDir, opts.entry),
          base: opts.base,
          arch: opts.arch,
          outDir: path.resolve(opts.out ?? charmDir),
          nodeVersion: opts.nodeVersion,
          cacheDir: path.resolve(opts.cacheDir ?? path.join(charmDir, '.tscharm', 'cache')),
          minify: opts.minify,
          compressRuntime: opts.compressRuntime,
          variant: opts.variant,
          ...(opts.stageDir !== undefined ? { stageDir: path.resolve(opts.stageDir) } : {}),
          ...(sourceDateEpoch ? { startedAt: new Date(Number(sourceDateEpoch) * 1000) } : {}),
        });
        for (const e of result.entries) {
          process.stdout.write(
            `  ${(e.mode & 0o170000) === 0o120000 ? 'l' : '-'}${(e.mode & 0o777).toString(8)}  ${String(e.bytes).padStart(10)}  ${e.name}\n`,
          );
        }
        process.stdout.write(
          `${opts.stageDir !== undefined ? 'staged' : 'packed'} ${path.relative(process.cwd(), result.charmFile) || result.charmFile}: ${mb(result.charmBytes)} (${result.charmBytes} bytes), ` +
            `unpacked ${mb(result.unpackedBytes)} (${result.unpackedBytes} bytes); bundle ${result.bundleBytes} bytes with ${result.bundledPackages.join(', ') || 'no packages'}\n`,
        );
        process.stdout.write(
          `runtime: Node.js ${opts.nodeVersion} (sha256-verified), ${result.strip.stripped ? `stripped with ${result.strip.tool}` : `not stripped: ${result.strip.reason}`}, ` +
            `${result.runtimeCompression.compressed ? `xz-compressed to ${mb(result.runtimeCompression.bytes)} (${mb(result.runtimeCompression.binaryBytes)} once the unit's first event unpacks it)` : `deflated: ${result.runtimeCompression.reason}`}; ` +
            `code cache: ${result.codeCache.enabled ? 'loader dist/start.js (the cache is written on the unit by its first hook)' : `none: ${result.codeCache.reason}`}\n`,
        );
      },
    );

  program
    .command('build')
    .description('bundle the charm into <charm-dir>/dist/charm.js only (development checkout; the repo-root dispatch runs it)')
    .option('--charm-dir <dir>', 'directory holding metadata.yaml, config.yaml, actions.yaml', '.')
    .option('--entry <file>', ENTRY_HELP)
    .option('--no-minify', 'keep the bundle readable (for debugging)')
    .action(async (opts: { charmDir: string; entry?: string; minify: boolean }) => {
      const bundleFile = path.resolve(opts.charmDir, 'dist', 'charm.js');
      const built = await buildBundle({
        charmDir: opts.charmDir,
        entry: entryOf(opts.charmDir, opts.entry),
        bundleFile,
        minify: opts.minify,
      });
      process.stdout.write(
        `built ${path.relative(process.cwd(), bundleFile)}: ${built.bundle.bytes} bytes with ${built.bundle.packages.join(', ') || 'no packages'}\n`,
      );
    });

  program
    .command('init')
    .description('scaffold a new charm in <dir>: metadata, config, actions, a charm class, a harness test, npm test and npm run pack')
    .argument('<dir>', 'directory to create')
    .option('--name <name>', 'the charm name (default: the directory name)')
    .option('--framework <spec>', 'npm spec of the tscharm package the charm depends on', `^${TSCHARM_VERSION}`)
    .action((dir: string, opts: { name?: string; framework: string }) => {
      const written = initCharm({ dir, name: opts.name ?? path.basename(path.resolve(dir)), framework: opts.framework });
      process.stdout.write(`created ${dir}: ${written.join(', ')}\nnext: cd ${dir} && npm install && npm test && npm run pack\n`);
    });

  program
    .command('gen')
    .description('generate TypeScript types for config, action params and endpoints into <entry dir>/generated/charm-types.ts')
    .option('--charm-dir <dir>', 'directory holding metadata.yaml, config.yaml, actions.yaml', '.')
    .option('--entry <file>', ENTRY_HELP)
    .option('--check', 'write nothing; exit 1 if the generated file is missing or stale')
    .action((opts: { charmDir: string; entry?: string; check?: boolean }) => {
      const entry = entryOf(opts.charmDir, opts.entry);
      const file = generatedFileFor(opts.charmDir, entry);
      if (opts.check) {
        const stale = fs.existsSync(file) ? checkGenerated(opts.charmDir, entry) : `${file} does not exist; run \`tscharm gen\``;
        if (stale) {
          process.stderr.write(`${stale}\n`);
          process.exitCode = 1;
        } else process.stdout.write(`ok: ${path.relative(process.cwd(), file) || file} is up to date\n`);
        return;
      }
      const result = writeGenerated(opts.charmDir, entry);
      process.stdout.write(`${result.changed ? 'wrote' : 'unchanged'} ${path.relative(process.cwd(), result.file) || result.file}\n`);
    });

  program
    .command('validate')
    .description('check metadata.yaml, config.yaml and actions.yaml, and that the code observes only declared endpoints and actions')
    .option('--charm-dir <dir>', 'directory holding metadata.yaml, config.yaml, actions.yaml', '.')
    .option('--entry <file>', ENTRY_HELP)
    .option('--no-code', 'check the YAML files only')
    .option('--variant <name>', 'machine (metadata.yaml) or a variants/<name>/metadata.yaml such as k8s', 'machine')
    .action(async (opts: { charmDir: string; entry?: string; code: boolean; variant: string }) => {
      const result = await validateCharm({
        charmDir: opts.charmDir,
        variant: opts.variant,
        ...(opts.code ? { entry: entryOf(opts.charmDir, opts.entry) } : {}),
      });
      if (result.problems.length > 0) {
        for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
        process.stderr.write(`${result.problems.length} problem(s) found\n`);
        process.exitCode = 1;
        return;
      }
      const observed = result.observations.map((o) => `${o.kind} ${o.name}`);
      process.stdout.write(
        `ok: metadata, config and actions are valid${opts.code ? `; the code observes ${[...new Set(observed)].join(', ') || 'nothing we recognise'}` : ''}\n`,
      );
    });

  return program;
}

export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err) {
    const message = err instanceof PackError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`tscharm: ${message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void runCli(process.argv);
