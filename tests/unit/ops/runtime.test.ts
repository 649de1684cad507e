import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SpawnToolRunner } from '../../../lib/ops/spawn-runner';

describe('SpawnToolRunner', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-tools-'));
    // A stand-in hook tool: echoes argv and stdin, fails with exit 2 on "--bad".
    fs.writeFileSync(
      path.join(dir, 'fake-tool'),
      '#!/bin/sh\nfor a in "$@"; do [ "$a" = "--bad" ] && { echo "ERROR bad flag" >&2; exit 2; }; done\n' +
        'echo "args:$*"\nif [ "$1" = "--stdin" ]; then cat; fi\n',
      { mode: 0o755 },
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const runner = () => new SpawnToolRunner({ ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` });

  it('runs the tool from PATH with argv and stdin', () => {
    expect(runner().run('fake-tool', ['a b', 'c'])).toEqual({ code: 0, stdout: 'args:a b c\n', stderr: '' });
    expect(runner().run('fake-tool', ['--stdin'], '{"k":"v"}').stdout).toBe('args:--stdin\n{"k":"v"}');
  });

  it('returns the exit code and stderr of a failing tool', () => {
    expect(runner().run('fake-tool', ['--bad'])).toEqual({ code: 2, stdout: '', stderr: 'ERROR bad flag\n' });
  });

  it('reports a tool that cannot be started as exit 1', () => {
    const res = runner().run('no-such-hook-tool', []);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot run no-such-hook-tool');
  });
});

describe('start-up cost', () => {
  it('importing the framework loads neither ajv, yaml nor child_process', () => {
    const loaded: string[] = [];
    jest.isolateModules(() => {
      for (const mod of ['ajv', 'yaml', 'child_process']) {
        jest.doMock(mod, () => {
          loaded.push(mod);
          return {};
        });
      }
      const ops = require('../../../lib/ops') as typeof import('../../../lib/ops');
      expect(typeof ops.runCharm).toBe('function');
    });
    expect(loaded).toEqual([]);
  });
});

describe('main()', () => {
  it('sets process.exitCode from the dispatch and never exits the process', async () => {
    const { main, CharmBase, parseCharmMeta } = require('../../../lib/ops') as typeof import('../../../lib/ops');
    class Idle extends CharmBase {}
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      written.push(String(s));
      return true;
    });
    const saved = { ...process.env };
    const before = process.exitCode;
    try {
      for (const k of Object.keys(process.env)) if (k.startsWith('JUJU_')) delete process.env[k];
      main(Idle, parseCharmMeta({ metadata: { name: 'x' } }));
      for (let i = 0; i < 20 && process.exitCode === before; i++) await new Promise((r) => setImmediate(r));
      expect(process.exitCode).toBe(1);
      expect(written.join('')).toContain('JUJU_DISPATCH_PATH');
    } finally {
      spy.mockRestore();
      process.env = saved;
      process.exitCode = before;
    }
  });
});
