/**
 * The localmodel CLI, bundled by esbuild as build-cli.js does and run as separate processes on
 * one --model-dir: each command loads the persisted model, acts, and saves it. Each test has its
 * own model directory.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { REPO_ROOT, SHELL_CHARM, SHELL_PROVIDER } from './helpers';

jest.setTimeout(60_000);

let tmp: string;
let cli: string;
let modelDir: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-cli-'));
  cli = path.join(tmp, 'localmodel.js');
  buildSync({
    entryPoints: [path.join(REPO_ROOT, 'lib', 'localmodel', 'cli.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
});

let models = 0;
/** A new, empty model directory for this test. */
function freshModel(): void {
  modelDir = path.join(tmp, `model-${++models}`);
}

/** `req` (the shell charm, 2 units) related to `prov` (token=abc), in a new model. */
function relatedPair(): void {
  freshModel();
  expect(lm('deploy', SHELL_CHARM, 'req', '-n', '2')).toMatchObject({ code: 0, stdout: 'Deployed req/0, req/1\n' });
  expect(lm('deploy', SHELL_PROVIDER, 'prov', '--config', 'token=abc').code).toBe(0);
  expect(lm('integrate', 'req:data', 'prov')).toMatchObject({ code: 0, stdout: 'relation id 1\n' });
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function lm(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, '--model-dir', modelDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOCALMODEL_CACHE_DIR: path.join(REPO_ROOT, '.tscharm', 'localmodel') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('deploy, integrate, config, run, status, show-unit, remove-relation, remove-unit across processes', () => {
  relatedPair();
  expect(lm('config', 'req', 'greeting=salut').code).toBe(0);
  expect(lm('config', 'req').stdout).toContain('greeting: salut');

  const run = lm('run', 'req/1', 'greet', 'name=bob', 'times=3', '--format', 'json');
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', results: { greeting: 'hello bob', times: '3' } });

  const status = lm('status');
  expect(status.stdout).toMatch(/^req\/0\*\s+active\s+idle\s+127\.0\.0\.1\s+token=abc$/m);
  expect(status.stdout).toMatch(/^prov:data\s+req:data\s+shell-data\s+regular$/m);
  expect(lm('show-unit', 'prov/0').stdout).toContain('greeting: salut');

  expect(lm('remove-relation', 'req', 'prov').code).toBe(0);
  expect(lm('remove-unit', 'req/0').code).toBe(0);
  expect(lm('update-status').code).toBe(0);
  const after = lm('status', '--format', 'json');
  // Juju's `status --format json` document: applications → units, relations by endpoint.
  const view = JSON.parse(after.stdout) as {
    applications: Record<
      string,
      { units: Record<string, { leader?: boolean; 'workload-status': { message?: string } }>; relations?: Record<string, unknown[]> }
    >;
  };
  expect(view.applications['req']!.units['req/1']).toMatchObject({ leader: true, 'workload-status': { message: 'greeting=salut' } });
  expect(view.applications['req']!.units['req/0']).toBeUndefined();
  expect(Object.keys(view.applications['req']!.relations ?? {})).toEqual(['cluster']); // the peer relation only
  expect(lm('events').stdout.trim().split('\n').length).toBeGreaterThan(20);
  expect(lm('debug-log', '--unit', 'req/1').stdout).toMatch(/INFO unit\.req\/1\.install running hooks\/install/);
});

test('Juju CLI habits: app/leader, config APP KEY, --reset, status filters and yaml, model-config, per-hook transcripts', () => {
  relatedPair();
  expect(lm('config', 'req', 'greeting=salut').code).toBe(0);
  expect(lm('run', 'req/leader', 'greet', 'name=amy', '--format', 'json').code).toBe(0);
  expect(lm('show-unit', 'req/leader').stdout).toContain('req/0:');
  expect(lm('config', 'req', 'greeting')).toMatchObject({ code: 0, stdout: 'salut\n' });
  expect(lm('config', 'req', '--reset', 'greeting').code).toBe(0);
  expect(lm('config', 'req', 'greeting').stdout).toBe('hello\n');
  expect(lm('config', 'req', 'nope')).toMatchObject({ code: 1 });
  const yaml = lm('status', 'prov', '--format', 'yaml').stdout;
  expect(yaml).toContain('applications:\n  prov:');
  expect(yaml).not.toContain('  req:');
  expect(lm('status').stdout).toMatch(/Interleaving seed \d+/);
  expect(lm('model-config').stdout).toContain('automatically-retry-hooks: true');
  expect(lm('model-config', 'automatically-retry-hooks=false').code).toBe(0);
  expect(lm('model-config').stdout).toContain('automatically-retry-hooks: false');
  const hooks = lm('debug-log', '--hooks', '--unit', 'req/leader', '--limit', '3').stdout;
  expect(hooks).toMatch(/^#\d+ req\/0 \S+.*exit 0, [\d.]+ ms$/m);
  expect(hooks).toMatch(/^ {4}\S+/m);
  expect(lm('show-unit', 'req/0').stdout).toContain('localmodel-recent-hooks:');
});

test("relative paths are resolved from the caller's directory (INIT_CWD under npm run)", () => {
  const r = spawnSync(process.execPath, [cli, '--model-dir', 'm2', '--seed', '7', 'deploy', path.basename(SHELL_CHARM), 'rel'], {
    encoding: 'utf8',
    cwd: tmp,
    env: { ...process.env, INIT_CWD: path.dirname(SHELL_CHARM), LOCALMODEL_CACHE_DIR: path.join(REPO_ROOT, '.tscharm', 'localmodel') },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(fs.existsSync(path.join(path.dirname(SHELL_CHARM), 'm2', 'localmodel.json'))).toBe(true);
  fs.rmSync(path.join(path.dirname(SHELL_CHARM), 'm2'), { recursive: true, force: true });
});

test('refusals print ERROR and exit 1', () => {
  relatedPair();
  expect(lm('config', 'req', 'times=lots')).toMatchObject({ code: 1, stderr: 'ERROR option "times" expected int, got "lots"\n' });
  expect(lm('run', 'req/1', 'greet', 'name=1')).toMatchObject({
    code: 1,
    stderr: 'ERROR validation failed: (root).name : Invalid type. Expected: string, given: integer\n',
  });
  expect(lm('run', 'req/1', 'nope')).toMatchObject({ code: 1, stderr: 'ERROR action "nope" not defined on unit "req/1"\n' });
  expect(lm('resolve', 'req/1')).toMatchObject({ code: 1, stderr: 'ERROR unit "req/1" is not in an error state\n' });
  expect(lm('deploy', path.join(tmp, 'missing.charm'))).toMatchObject({ code: 1 });
  const failed = lm('run', 'req/1', 'explode');
  expect(failed.code).toBe(1);
  expect(failed.stdout).toContain('message: exploded as asked');
});

test('--model-type kubernetes makes a Kubernetes model (status says caas); an existing model keeps its type', () => {
  freshModel();
  const created = lm('--model-type', 'kubernetes', 'status', '--format', 'yaml');
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(/^ {2}type: caas$/m);
  expect(lm('status', '--format', 'yaml').stdout).toMatch(/^ {2}type: caas$/m);
  const refused = lm('--model-type', 'machine', 'status');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('holds a kubernetes model; a model type is chosen when a model is created');
  expect(lm('--model-type', 'lxd', 'status').stderr).toMatch(/Allowed choices are machine, kubernetes/);
});
