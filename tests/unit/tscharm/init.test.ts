/**
 * `tscharm init` → `npm install` → `npm test` → `npm run pack` → deploy in the local model, in a
 * fresh directory outside the repository, with the framework installed from the package that
 * `npm pack lib/` makes (as another repository would get it). npm resolves the scaffold's
 * dependencies from its cache (`--prefer-offline`; the repository's own `npm ci` filled it).
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
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'lib', 'bin', 'tscharm.js'), 'init', charmDir, '--framework', `file:${tarball}`], {
    encoding: 'utf8',
  });

  npm(charmDir, 'install', '--prefer-offline');
  const tested = npm(charmDir, 'test');
  expect(tested).toContain('is up to date');

  // The Node runtime tarball comes from the repository's cache rather than the registry again.
  fs.mkdirSync(path.join(charmDir, '.tscharm'), { recursive: true });
  fs.symlinkSync(CACHE_DIR, path.join(charmDir, '.tscharm', 'cache'));
  npm(charmDir, 'run', 'pack');
  const charmFile = path.join(charmDir, 'hello-app_ubuntu@22.04-amd64.charm');
  expect(fs.existsSync(charmFile)).toBe(true);

  const localmodel = path.join(charmDir, 'node_modules', '.bin', 'localmodel');
  const lm = (...args: string[]) =>
    execFileSync(localmodel, ['--model-dir', path.join(charmDir, '.lm'), ...args], { cwd: charmDir, encoding: 'utf8' });
  expect(lm('deploy', charmFile)).toContain('Deployed hello-app/0');
  const status = JSON.parse(lm('status', '--format', 'json')) as unknown;
  expect(JSON.stringify(status)).toContain('greeting with \\"hello\\"');
  lm('config', 'hello-app', 'greeting=hi');
  expect(JSON.stringify(JSON.parse(lm('status', '--format', 'json')))).toContain('greeting with \\"hi\\"');
});
