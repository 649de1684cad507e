/**
 * Every charm under examples/ packs with `tscharm pack` (validators precompiled, bundle built,
 * .charm written) and its packed dispatch runs an install hook against fake hook tools. A new
 * example is picked up without editing this file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pack } from '../../../lib/tscharm/pack';
import { DEFAULT_NODE_VERSION } from '../../../lib/tscharm/runtime';
import { pinAjvRuntimeRequires } from '../../../lib/tscharm/validators';
import { CACHE_DIR, extractRecords, readZip, REPO_ROOT } from '../tscharm/helpers';

jest.setTimeout(180_000);

const EXAMPLES = path.join(REPO_ROOT, 'examples');
const examples = fs
  .readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(EXAMPLES, d.name, 'metadata.yaml')))
  .map((d) => d.name);

/** Hook tools for a unit with no relations, no config set and no state: each logs its call. */
const READS_STDIN = new Set(['state-set', 'relation-set', 'secret-add', 'secret-set', 'action-set']);

function writeQuietTools(dir: string, log: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const answers: Record<string, string> = {
    'is-leader': 'true',
    'config-get': '{}',
    'state-get': '{}',
    'relation-ids': '[]',
    'opened-ports': '[]',
  };
  const tools = [
    'juju-log',
    'status-set',
    'status-get',
    'state-set',
    'state-delete',
    'application-version-set',
    'open-port',
    'close-port',
    'action-get',
    'action-set',
    'action-fail',
    'action-log',
    'relation-set',
    'relation-get',
    'relation-list',
    'secret-get',
    'secret-add',
    'secret-set',
    'secret-info-get',
    'secret-grant',
    'secret-revoke',
    'secret-remove',
    'secret-ids',
    ...Object.keys(answers),
  ];
  for (const name of new Set(tools)) {
    const file = path.join(dir, name);
    // Tools the framework feeds on stdin read it all, as Juju's do (else the writer gets EPIPE).
    const drain = READS_STDIN.has(name) ? 'cat >/dev/null\n' : '';
    fs.writeFileSync(file, `#!/bin/sh\n${drain}echo "${name} $*" >> '${log}'\n${answers[name] ? `echo '${answers[name]}'` : ''}\n`);
    fs.chmodSync(file, 0o755);
  }
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-examples-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('there is at least one example to pack', () => {
  expect(examples).toContain('greeter');
});

test.each(examples)('examples/%s packs and its packed dispatch runs install', async (name) => {
  const outDir = path.join(tmp, name);
  fs.mkdirSync(outDir);
  const result = await pack({
    charmDir: path.join(EXAMPLES, name),
    entry: 'src/main.ts',
    base: 'ubuntu@22.04',
    arch: 'amd64',
    outDir,
    nodeVersion: DEFAULT_NODE_VERSION,
    cacheDir: CACHE_DIR,
  });
  expect(fs.statSync(result.charmFile).size).toBeGreaterThan(0);
  const unpacked = path.join(outDir, 'unpacked');
  extractRecords(await readZip(result.charmFile), unpacked);
  const bin = path.join(outDir, 'bin');
  const log = path.join(outDir, 'calls.log');
  writeQuietTools(bin, log);
  const run = spawnSync(path.join(unpacked, 'dispatch'), [], {
    cwd: unpacked,
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      JUJU_DISPATCH_PATH: 'hooks/install',
      JUJU_HOOK_NAME: 'install',
      JUJU_UNIT_NAME: `${name}/0`,
      JUJU_MODEL_NAME: 'm',
      JUJU_MODEL_UUID: '00000000-0000-4000-8000-000000000000',
      JUJU_VERSION: '3.6.0',
      JUJU_CHARM_DIR: unpacked,
    },
    encoding: 'utf8',
  });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(fs.readFileSync(log, 'utf8')).toContain('juju-log');
});

test('generated validators require Ajv helpers by absolute path, resolvable from any directory', () => {
  const code = 'const a = require("ajv/dist/runtime/ucs2length").default; const b = require(\'ajv/dist/runtime/equal\');';
  const pinned = pinAjvRuntimeRequires(code);
  expect(pinned).not.toMatch(/require\(["']ajv\//);
  const paths = [...pinned.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  expect(paths).toHaveLength(2);
  for (const p of paths) {
    expect(path.isAbsolute(p)).toBe(true);
    expect(fs.existsSync(p)).toBe(true);
  }
});
