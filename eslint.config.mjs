// ESLint flat config. Besides typescript-eslint's recommended rules it enforces the import rules
// of docs/ARCHITECTURE.md: no import cycles, imports point downwards only (lib/ never reaches into
// charm/, tools/, tests/ or bench/; lib/ops into no other lib/ package; charm/core into no other
// charm/ layer), and charm/core stays free of I/O modules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

/** Node built-ins and packages that do I/O: charm/core must import none of them. */
const IO_MODULES = [
  'fs',
  'fs/promises',
  'child_process',
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'dns',
  'os',
  'worker_threads',
  'cluster',
  'axios',
  'yauzl',
  'yazl',
  'esbuild',
];
const ioPatterns = IO_MODULES.flatMap((m) => [m, `node:${m}`]);

const NODE_GLOBALS = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'queueMicrotask',
    'AbortController',
    'TextEncoder',
    'TextDecoder',
    'fetch',
  ].map((g) => [g, 'readonly']),
);

/** `from` may not be imported by `target` (paths from the repository root). */
const zone = (target, from, message) => ({ target, from, message });

const upward = [
  zone('./lib', './charm', 'lib/ is the framework: it never imports the charm (docs/ARCHITECTURE.md).'),
  zone('./lib', './tests', 'lib/ never imports tests/: move what both need into lib/.'),
  zone('./lib', './tools', 'lib/ never imports tools/: tools use lib/, not the other way round.'),
  zone('./lib', './bench', 'lib/ never imports bench/.'),
  zone('./lib', './examples', 'lib/ never imports examples/.'),
  zone('./charm', './tests', 'charm/ never imports tests/.'),
  zone('./charm', './tools', 'charm/ never imports tools/.'),
  zone('./charm', './bench', 'charm/ never imports bench/.'),
  zone('./charm', './lib/tscharm', 'charm/ never imports the packer (lib/tscharm); the packer reads the charm.'),
  zone('./charm', './lib/testing', 'charm/ never imports the test harness.'),
  zone('./charm', './lib/sim', 'charm/ never imports the simulated Juju.'),
  zone('./charm', './lib/localmodel', 'charm/ never imports the local model.'),
  zone('./tools', './tests', 'tools/ never imports tests/: move what both need into tools/.'),
  zone('./bench', './tests', 'bench/ never imports tests/: move what both need into tools/.'),
  zone('./examples', './tests', 'examples/ never import tests/.'),
  zone('./examples', './charm', 'examples/ never import the MirrorMaker charm.'),
  zone(
    './lib/ops',
    ['./lib/sim', './lib/testing', './lib/localmodel', './lib/tscharm', './lib/interfaces'],
    'lib/ops is the bottom layer of lib/: it imports no other lib/ package.',
  ),
  zone(
    './lib/sim',
    ['./lib/testing', './lib/localmodel', './lib/tscharm', './lib/interfaces'],
    'lib/sim sits below the harness, the local model and the packer.',
  ),
  zone('./lib/interfaces', ['./lib/sim', './lib/testing', './lib/localmodel', './lib/tscharm'], 'lib/interfaces builds on lib/ops only.'),
  zone('./lib/testing', ['./lib/localmodel', './lib/tscharm'], 'lib/testing builds on lib/ops and lib/sim only.'),
  zone(
    './charm/core',
    ['./charm/managers', './charm/events', './charm/charm.ts', './charm/main.ts'],
    'charm/core is pure state and logic: it imports no other charm/ layer.',
  ),
  zone(
    './charm/managers',
    ['./charm/events', './charm/charm.ts', './charm/main.ts'],
    'charm/managers never imports its callers (charm/events, the charm class).',
  ),
  zone('./charm/events', ['./charm/charm.ts', './charm/main.ts'], 'charm/events never imports the charm class that wires it.'),
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'build/',
      '**/dist/',
      '.tscharm/',
      'tools/kafka/libs-*/',
      'tools/kafka/run-*/',
      'tools/kafka/.cache/',
      'bench/results/',
      '**/*.charm',
      'docs/api/',
      'lib/.build/',
      '**/.venv/',
      '.localmodel/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })],
      // Parse imported .ts files too, or no-cycle cannot follow them.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js', '.mjs'],
    },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: upward }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['charm/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ioPatterns.map((name) => ({
            name,
            message: 'charm/core performs no I/O: do it in charm/managers and pass the result in.',
            allowTypeImports: true,
          })),
        },
      ],
    },
  },
  {
    // lib/ops requires yaml, ajv and child_process lazily, where used: a hook is one short process,
    // and a bundled charm must not load what its dispatch does not need.
    files: ['lib/ops/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests check lazy loading with require() and poke at loosely typed fixtures.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
