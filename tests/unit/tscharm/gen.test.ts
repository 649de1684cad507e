/**
 * `tscharm gen`: types from the charm's YAML, kept in sync. A misspelt option or action or a wrong
 * type is a compile error (checked by `npm run typecheck` through the @ts-expect-error lines
 * below), and pack, validate and the tests fail while the generated file is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCharmMeta } from '../../../lib/ops/meta';
import { checkGenerated, generatedFileFor, generateTypes, writeGenerated } from '../../../lib/tscharm/gen';
import { buildBundle, PackError } from '../../../lib/tscharm/pack';
import { validateCharm } from '../../../lib/tscharm/validate';
import type { ActionParams, CharmConfig, RelationEndpoint } from '../../../charm/generated/charm-types';
import { configProblems, isCharmConfig } from '../../../charm/generated/charm-types';
import { REPO_ROOT, TINY_CHARM } from './helpers';

jest.setTimeout(60_000);

let tmp: string;
beforeEach(() => {
  // As deep under the repo as the fixture is, so its relative imports of lib/ still resolve.
  const parent = path.join(REPO_ROOT, 'build', 'gen-test', 'a', 'b');
  fs.mkdirSync(parent, { recursive: true });
  tmp = fs.mkdtempSync(path.join(parent, 'tiny-'));
  fs.cpSync(TINY_CHARM, tmp, { recursive: true });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const meta = parseCharmMeta({
  metadata: { name: 'demo', requires: { db: { interface: 'pg' } }, peers: { cluster: { interface: 'demo-peers' } } },
  config: {
    options: { 'log-level': { type: 'string', default: 'info' }, port: { type: 'int' }, debug: { type: 'boolean', default: false } },
  },
  actions: {
    'rotate-key': {
      params: {
        size: { type: 'integer', default: 2048 },
        mode: { enum: ['fast', 'safe'] },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['mode'],
    },
  },
});

test('types for config (defaults make an option always present), action params and endpoints', () => {
  const text = generateTypes(meta);
  expect(text).toContain('readonly "log-level": string;');
  expect(text).toContain('readonly port?: number;');
  expect(text).toContain('readonly debug: boolean;');
  expect(text).toContain('export interface RotateKeyParams {');
  expect(text).toContain('readonly mode: "fast" | "safe";');
  expect(text).toContain('readonly size: number;');
  expect(text).toContain('readonly tags?: readonly (string)[];');
  expect(text).toContain('readonly "rotate-key": RotateKeyParams;');
  expect(text).toContain('db: { role: "requires", interface: "pg" },');
  expect(text).toContain('cluster: { role: "peer", interface: "demo-peers" },');
  expect(generateTypes(meta)).toBe(text);
});

test('the runtime guard names each wrong or unknown option', () => {
  expect(isCharmConfig({ topics: '.*' })).toBe(false);
  const defaults = Object.fromEntries(
    Object.entries(
      parseCharmMeta({
        metadata: { name: 'x' },
        config: JSON.parse(JSON.stringify(require('yaml').parse(fs.readFileSync(path.join(REPO_ROOT, 'config.yaml'), 'utf8')))),
        actions: {},
      }).config.options,
    ).map(([k, v]) => [k, v.default]),
  );
  expect(configProblems(defaults)).toEqual([]);
  expect(configProblems({ ...defaults, tasks_max: 'two', topicz: 'x' })).toEqual([
    'tasks_max: expected int, got "two"',
    'topicz: not an option of this charm',
  ]);
});

test('a typo in an option, action or endpoint name, or a wrong type, does not compile', () => {
  const config = { topics: '.*' } as unknown as CharmConfig;
  // @ts-expect-error misspelt option name
  void config.topicz;
  // @ts-expect-error tasks_max is an int option
  const tasks: string = config.tasks_max;
  // @ts-expect-error no such action
  type Missing = ActionParams['restrat'];
  // @ts-expect-error no such endpoint
  const ep: RelationEndpoint = 'sorce';
  const ok: RelationEndpoint = 'source';
  expect([tasks, ep, ok, typeof (undefined as unknown as Missing)]).toHaveLength(4);
});

test('writeGenerated writes next to the entry and is idempotent; checkGenerated sees YAML changes', () => {
  expect(checkGenerated(tmp, 'src/main.ts')).toBeNull(); // not using gen: no problem
  const first = writeGenerated(tmp, 'src/main.ts');
  expect(first.file).toBe(path.join(tmp, 'src', 'generated', 'charm-types.ts'));
  expect(first.changed).toBe(true);
  expect(writeGenerated(tmp, 'src/main.ts').changed).toBe(false);
  expect(checkGenerated(tmp, 'src/main.ts')).toBeNull();
  fs.appendFileSync(path.join(tmp, 'config.yaml'), '  extra:\n    type: string\n    description: A new option.\n');
  expect(checkGenerated(tmp, 'src/main.ts')).toMatch(/is stale: .*run `tscharm gen`/);
});

test('validate and build (so pack) fail while the generated file is stale', async () => {
  writeGenerated(tmp, 'src/main.ts');
  fs.appendFileSync(path.join(tmp, 'config.yaml'), '  extra:\n    type: string\n    description: A new option.\n');
  const validated = await validateCharm({ charmDir: tmp, entry: 'src/main.ts' });
  expect(validated.problems.map((p) => p.message)).toEqual([expect.stringMatching(/is stale/)]);
  await expect(buildBundle({ charmDir: tmp, entry: 'src/main.ts', bundleFile: path.join(tmp, 'dist', 'charm.js') })).rejects.toThrow(
    PackError,
  );
  writeGenerated(tmp, 'src/main.ts');
  expect((await validateCharm({ charmDir: tmp, entry: 'src/main.ts' })).problems).toEqual([]);
});

test.each([
  ['the MirrorMaker charm', REPO_ROOT, 'charm/main.ts'],
  ['examples/greeter', path.join(REPO_ROOT, 'examples', 'greeter'), 'src/main.ts'],
])('%s: its generated types exist and are up to date', (_name, dir, entry) => {
  expect(fs.existsSync(generatedFileFor(dir, entry))).toBe(true);
  expect(checkGenerated(dir, entry)).toBeNull();
});
