/**
 * `tscharm init` → `npm install` → `npm test` → `npm run pack` → deploy in the local model, in a
 * fresh directory outside the repository, with the framework installed from the package that
 * `npm pack lib/` makes (as another repository would get it). npm resolves the scaffold's
 * dependencies from its cache (`--prefer-offline`; the repository's own `npm ci` filled it).
 * The sample outputs docs/tutorial.md shows for these commands are compared with what they print
 * here, so the tutorial shows what a reader gets.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scaffoldFiles } from '../../../lib/tscharm/init';
import { CACHE_DIR, REPO_ROOT } from './helpers';

jest.setTimeout(400_000);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tscharm-init-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the scaffold names its class after the charm and refuses a bad name', () => {
  const files = scaffoldFiles({ name: 'my-db' });
  expect(files['src/charm.ts']).toContain('export class MyDbCharm extends CharmBase');
  expect(files['src/main.ts']).toContain('main(MyDbCharm);');
  expect(JSON.parse(files['package.json']!).dependencies).toEqual({ tscharm: '^0.1.0' });
  expect(() => scaffoldFiles({ name: 'My_DB' })).toThrow(/invalid/);
  // Juju's rule, as pack/validate apply it: a digits-only part is refused up front, not at pack time
  expect(() => scaffoldFiles({ name: 'app-2' })).toThrow(/invalid/);
  expect(() => scaffoldFiles({ name: 'app-v2' })).not.toThrow();
  // the local model's state file holds secret content
  expect(files['.gitignore']).toContain('.localmodel/');
});

/** The fenced block that follows the ```sh block holding `command` in docs/tutorial.md. */
function tutorialOutput(command: string): string {
  const lines = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'tutorial.md'), 'utf8').split('\n');
  const at = lines.findIndex((l, i) => l.startsWith(command) && lines.slice(0, i).filter((x) => x.startsWith('```')).length % 2 === 1);
  if (at < 0) throw new Error(`docs/tutorial.md shows no command ${command}`);
  const close = lines.findIndex((l, i) => i > at && l.startsWith('```'));
  const open = lines.findIndex((l, i) => i > close && l.startsWith('```'));
  const end = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  return lines.slice(open + 1, end).join('\n');
}

/** Values that differ per run: the interleaving seed, action ids, the reader's home directory. */
function normalised(text: string, charmDir: string): string {
  return text
    .split(charmDir)
    .join('/home/you/hello-app')
    .replace(/seed \d+ \(replay(:| with) LOCALMODEL_SEED=\d+/gi, 'seed N (replay$1 LOCALMODEL_SEED=N')
    .replace(/^id: .*$/m, 'id: "…"')
    .trimEnd();
}

function npm(cwd: string, ...args: string[]): string {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('init → npm test → npm run pack → deploy in the local model, outside the repository', () => {
  expect(path.relative(REPO_ROOT, tmp).startsWith('..')).toBe(true);
  const pkgDir = path.join(tmp, 'pkg');
  fs.mkdirSync(pkgDir);
  execFileSync('npm', ['pack', '--pack-destination', pkgDir, '--silent'], { cwd: path.join(REPO_ROOT, 'lib'), encoding: 'utf8' });
  const tarball = path.join(pkgDir, 'tscharm-0.1.0.tgz');
  expect(fs.existsSync(tarball)).toBe(true);

  const charmDir = path.join(tmp, 'hello-app');
  // The package's own bin script (the one the tarball ships), run from the source tree.
  const created = execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'lib', 'bin', 'tscharm.js'), 'init', charmDir, '--framework', `file:${tarball}`],
    { encoding: 'utf8' },
  );
  expect(normalised(created, charmDir)).toBe(tutorialOutput('node lib/bin/tscharm.js init'));

  npm(charmDir, 'install', '--prefer-offline');
  // every public entry point of the package resolves from the charm's own directory
  for (const entry of ['ops', 'testing', 'interfaces', 'localmodel']) {
    const resolved = execFileSync(process.execPath, ['-p', `require.resolve('tscharm/${entry}')`], { cwd: charmDir, encoding: 'utf8' });
    expect(resolved.trim()).toMatch(new RegExp(`node_modules/tscharm/${entry}/\\w+\\.ts$`));
  }
  const tested = npm(charmDir, 'test');
  expect(tested).toContain('is up to date');

  // The Node runtime tarball comes from the repository's cache rather than the registry again.
  fs.mkdirSync(path.join(charmDir, '.tscharm'), { recursive: true });
  fs.symlinkSync(CACHE_DIR, path.join(charmDir, '.tscharm', 'cache'));
  npm(charmDir, 'run', 'pack');
  const charmFile = path.join(charmDir, 'hello-app_ubuntu@22.04-amd64.charm');
  expect(fs.existsSync(charmFile)).toBe(true);

  const localmodel = path.join(charmDir, 'node_modules', '.bin', 'localmodel');
  const modelDir = path.join(charmDir, '.lm');
  const lm = (...args: string[]) => execFileSync(localmodel, ['--model-dir', modelDir, ...args], { cwd: charmDir, encoding: 'utf8' });
  /** stderr then stdout, as a terminal shows a command's output. */
  const shown = (...args: string[]) => {
    const r = spawnSync(localmodel, ['--model-dir', modelDir, ...args], { cwd: charmDir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`localmodel ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return normalised(`${r.stderr}${r.stdout}`, charmDir);
  };
  expect(shown('deploy', charmFile)).toBe(normalised(tutorialOutput('npx localmodel deploy'), charmDir));
  // the hook-tool shim is cached in the project's .tscharm/, not in the installed package
  if (!process.env['LOCALMODEL_CACHE_DIR']) {
    expect(fs.readdirSync(path.join(charmDir, '.tscharm', 'localmodel')).some((f) => f.startsWith('jujuc-shim-'))).toBe(true);
    expect(fs.existsSync(path.join(charmDir, 'node_modules', 'tscharm', '.tscharm'))).toBe(false);
  }
  expect(shown('status')).toBe(normalised(tutorialOutput('npx localmodel status'), charmDir));
  const status = JSON.parse(lm('status', '--format', 'json')) as unknown;
  expect(JSON.stringify(status)).toContain('greeting with \\"hello\\"');
  lm('config', 'hello-app', 'greeting=hi');
  expect(JSON.stringify(JSON.parse(lm('status', '--format', 'json')))).toContain('greeting with \\"hi\\"');
  lm('config', 'hello-app', '--reset', 'greeting');
  expect(shown('run', 'hello-app/0', 'greet', 'name=world')).toBe(tutorialOutput('npx localmodel run hello-app/0 greet name=world'));

  // The tutorial's YAML change: the tests fail on the stale generated types, with its message.
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'tutorial.md'), 'utf8');
  const newConfig = /Add an option to `config.yaml`:\n\n```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
  fs.writeFileSync(path.join(charmDir, 'config.yaml'), newConfig);
  const stale = spawnSync('npm', ['test'], { cwd: charmDir, encoding: 'utf8' });
  expect(stale.status).not.toBe(0);
  const message = /`npm test` now fails at its first step:\n\n```\n(.*)\n```/.exec(doc)![1]!;
  expect(`${stale.stdout}${stale.stderr}`).toContain(message);
  npm(charmDir, 'run', 'gen');
  npm(charmDir, 'test');
});
