/**
 * `tscharm init`: scaffold a working charm in a new directory — metadata, config and actions, a
 * charm class, a harness test, the generated types, and `npm test` / `npm run pack` scripts — that
 * passes its own tests out of the box.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TSCHARM_VERSION } from './manifest';
import { writeGenerated } from './gen';
import { CHARM_NAME_PATTERN } from './schemas';

export interface InitOptions {
  /** Directory to create (must not exist or be empty). */
  readonly dir: string;
  /** The charm's name (metadata.yaml `name`): lowercase letters, digits and hyphens, starting with a letter; no part digits only. */
  readonly name: string;
  /** npm spec of the framework package (default: `^<this tscharm's version>`). */
  readonly framework?: string;
}

// Juju's charm-name rule, the one `pack`/`validate` apply: no part may be digits only.
const NAME = new RegExp(CHARM_NAME_PATTERN);

function className(name: string): string {
  return `${name
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}Charm`;
}

/** The scaffold's files, by path relative to the charm directory. */
export function scaffoldFiles(options: Omit<InitOptions, 'dir'>): Record<string, string> {
  const { name } = options;
  if (!NAME.test(name))
    throw new Error(
      `charm name "${name}" is invalid: use lowercase letters, digits and single hyphens, starting with a letter, each part holding a letter (Juju refuses e.g. "app-2")`,
    );
  const cls = className(name);
  const framework = options.framework ?? `^${TSCHARM_VERSION}`;
  const packageJson = {
    name,
    version: '0.1.0',
    private: true,
    description: `The ${name} Juju charm, written with tscharm`,
    license: 'Apache-2.0',
    scripts: {
      gen: 'tscharm gen --entry src/main.ts',
      typecheck: 'tsc --noEmit -p tsconfig.json',
      test: 'tscharm gen --check --entry src/main.ts && tsc --noEmit -p tsconfig.json && jest',
      pack: 'tscharm pack --entry src/main.ts',
    },
    dependencies: { tscharm: framework },
    devDependencies: {
      '@swc/core': '1.16.18',
      '@swc/jest': '^0.2.39',
      '@types/jest': '^29.5.14',
      '@types/node': '^20.19.43',
      jest: '^29.7.0',
      typescript: '^5.9.3',
    },
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'metadata.yaml': `name: ${name}
summary: A charm written with tscharm.
description: |
  Replace this with what the charm does, for whom, and what it needs.
peers:
  cluster:
    interface: ${name}-peers
`,
    'config.yaml': `options:
  greeting:
    type: string
    default: hello
    description: The word the charm greets with, shown in the unit status.
`,
    'actions.yaml': `greet:
  description: Greet someone.
  params:
    name:
      type: string
      minLength: 1
      description: Who to greet.
  required: [name]
  additionalProperties: false
`,
    'src/charm.ts': `import { ActiveStatus, BlockedStatus, CharmBase, type ActionEvent, type Framework } from 'tscharm/ops';
import type { ActionParams, CharmConfig } from './generated/charm-types';

type GreetParams = ActionParams['greet'];

export class ${cls} extends CharmBase {
  constructor(framework: Framework) {
    super(framework);
    // One reconcile for every hook event: look at config and relations, converge.
    framework.observeAll(this.reconcile);
    framework.observe(this.on.action<GreetParams>('greet'), this.onGreet);
  }

  /** The config, checked against config.yaml by the framework (defaults applied). */
  get config(): CharmConfig {
    return this.model.config as unknown as CharmConfig;
  }

  reconcile(): void {
    const { greeting } = this.config;
    if (greeting.trim() === '') {
      this.model.unit.setStatus(new BlockedStatus('greeting is empty: juju config ${name} greeting=hello'));
      return;
    }
    this.model.unit.setStatus(new ActiveStatus(\`greeting with "\${greeting}"\`));
  }

  onGreet(event: ActionEvent<GreetParams>): void {
    event.setResults({ message: \`\${this.config.greeting}, \${event.params.name}!\` });
  }
}
`,
    'src/main.ts': `// The bundle entry: \`tscharm pack\` embeds metadata, config and actions, which main() uses.
import { main } from 'tscharm/ops';
import { ${cls} } from './charm';

main(${cls});
`,
    'tests/charm.test.ts': `import * as path from 'node:path';
import { Context, events, state } from 'tscharm/testing';
import { ${cls} } from '../src/charm';

const ctx = new Context(${cls}, { charmDir: path.join(__dirname, '..') });

test('install: active with the default greeting', async () => {
  const out = await ctx.run(events.install(), state());
  expect(ctx.records.exitCode).toBe(0);
  expect(out.unitStatus).toEqual({ name: 'active', message: 'greeting with "hello"' });
});

test('an empty greeting blocks the unit and says how to fix it', async () => {
  const out = await ctx.run(events.configChanged(), state({ config: { greeting: ' ' } }));
  expect(out.unitStatus).toEqual({ name: 'blocked', message: 'greeting is empty: juju config ${name} greeting=hello' });
});

test('the greet action answers with the configured greeting', async () => {
  await ctx.run(events.action('greet', { name: 'world' }), state({ config: { greeting: 'hi' } }));
  expect(ctx.records.actionResults).toEqual({ message: 'hi, world!' });
});

test('the greet action refuses a missing name', async () => {
  await ctx.run(events.action('greet', {}), state());
  expect(ctx.records.actionFailure).toMatch(/name/);
  expect(ctx.records.actionResults).toEqual({});
});
`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          lib: ['ES2022'],
          types: ['node', 'jest'],
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
          isolatedModules: true,
          noEmit: true,
        },
        include: ['src/**/*.ts', 'tests/**/*.ts'],
      },
      null,
      2,
    )}\n`,
    'jest.config.js': `// tscharm ships TypeScript sources: let @swc/jest transform them in node_modules too.
const transform = { '^.+\\\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };
module.exports = { testMatch: ['<rootDir>/tests/**/*.test.ts'], transform, transformIgnorePatterns: ['/node_modules/(?!tscharm/)'], testEnvironment: 'node' };
`,
    '.gitignore': `node_modules/\n*.charm\n.tscharm/\ndist/\n.localmodel/\n`,
    'README.md': `# ${name}

A Juju charm written in TypeScript with tscharm.

    npm install
    npm test        # generated types up to date, typecheck, harness tests
    npm run pack    # ${name}_ubuntu@22.04-amd64.charm

After editing metadata.yaml, config.yaml or actions.yaml, run \`npm run gen\` to refresh
src/generated/charm-types.ts (\`npm test\` and \`npm run pack\` fail while it is stale).
`,
  };
}

/** Write the scaffold into `options.dir` (created), with its generated types. */
export function initCharm(options: InitOptions): string[] {
  const dir = path.resolve(options.dir);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new Error(`${dir} exists and is not empty; choose a new directory`);
  const files = scaffoldFiles(options);
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  const gen = writeGenerated(dir, 'src/main.ts');
  return [...Object.keys(files), path.relative(dir, gen.file)].sort();
}
