/** The local model is safe to run on a shared machine: private state, no unpack through symlinks, a private shim cache. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unpackCharm } from '../../../lib/localmodel/charm';
import { LocalModel } from '../../../lib/localmodel/driver';
import { privateTempDir } from '../../../lib/localmodel/shim';
import { writeZip } from '../../../lib/tscharm/zip';
import { CACHE_DIR, REPO_ROOT, SHELL_CHARM } from './helpers';

jest.setTimeout(60_000);

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-safety-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the state file (which holds secret content) is 0600 in a 0700 model directory, and .localmodel/ is git-ignored', async () => {
  const modelDir = path.join(tmp, 'model');
  const lm = await LocalModel.open({ modelDir, cacheDir: CACHE_DIR });
  try {
    await lm.deploy(SHELL_CHARM, { app: 'req' });
  } finally {
    await lm.close();
  }
  expect(fs.statSync(modelDir).mode & 0o777).toBe(0o700);
  expect(fs.statSync(path.join(modelDir, 'localmodel.json')).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.localmodel/');
});

test('unpackCharm refuses an entry whose parent path holds a symlink (a chain of in-bounds-looking links)', async () => {
  const zip = path.join(tmp, 'evil.charm');
  // s1 -> . and s1/s2 -> .. each look in bounds; s1/s2/escaped.txt would land above the charm directory.
  await writeZip(
    zip,
    [
      { name: 's1', kind: 'symlink', target: '.' },
      { name: 's1/s2', kind: 'symlink', target: '..' },
      { name: 's1/s2/escaped.txt', kind: 'file', data: Buffer.from('x'), mode: 0o644 },
    ],
    new Date(0),
  );
  const dest = path.join(tmp, 'unpack', 'charm');
  await expect(unpackCharm(zip, dest)).rejects.toThrow(/under a symlink of the charm/);
  expect(fs.existsSync(path.join(tmp, 'unpack', 'escaped.txt'))).toBe(false);
  expect(fs.existsSync(path.join(tmp, 'escaped.txt'))).toBe(false);
});

test('the shim cache fallback is a per-user 0700 directory, refused when others can write it', () => {
  const name = `lm-cache-test-${process.pid}`;
  const dir = privateTempDir(name);
  try {
    expect(dir).toBe(path.join(os.tmpdir(), `${name}-${process.getuid!()}`));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    fs.chmodSync(dir, 0o777);
    expect(() => privateTempDir(name)).toThrow(/not a private directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every local model has its own model UUID, kept across reopen, so connector names differ between models', async () => {
  const { connectorName } = await import('../../../charm/core/connectors');
  const a = await LocalModel.open({ modelDir: path.join(tmp, 'uuid-a'), cacheDir: CACHE_DIR });
  const b = await LocalModel.open({ cacheDir: CACHE_DIR });
  const uuidA = a.model.uuid;
  try {
    expect(uuidA).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.model.uuid).not.toBe(uuidA);
    expect(connectorName('source', 'mirrormaker', 5, uuidA)).not.toBe(connectorName('source', 'mirrormaker', 5, b.model.uuid));
  } finally {
    await a.close();
    await b.close();
  }
  const again = await LocalModel.open({ modelDir: path.join(tmp, 'uuid-a'), cacheDir: CACHE_DIR });
  try {
    expect(again.model.uuid).toBe(uuidA);
  } finally {
    await again.close();
  }
});
