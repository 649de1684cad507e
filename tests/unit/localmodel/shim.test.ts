/**
 * The hook-tool shim and the agent, through real processes: the C shim (compiled with cc) and the
 * bash /dev/tcp fallback must give the same stdout, stderr and exit codes as lib/sim, and the
 * agent must refuse callers without the context's token.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  addApplication,
  addRelation,
  addUnit,
  charmMetaFromYaml,
  createModel,
  openSession,
  type HookSession,
  type JujuModel,
} from '../../../lib/sim';
import { ToolAgent } from '../../../lib/localmodel/agent';

jest.setTimeout(60_000);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTool(agent: ToolAgent, env: Record<string, string>, tool: string, args: string[], stdin?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(agent.toolsDir, tool), args, {
      env: { PATH: agent.toolsDir, ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

function buildModel(): { model: JujuModel; relationId: number } {
  const model = createModel({ name: 'shim' });
  addApplication(
    model,
    'req',
    charmMetaFromYaml(
      { name: 'req', requires: { data: { interface: 'shell-data' } } },
      { options: { greeting: { type: 'string', default: 'hello' } } },
    ),
  );
  addApplication(model, 'prov', charmMetaFromYaml({ name: 'prov', provides: { data: { interface: 'shell-data' } } }));
  addUnit(model, 'req', { leader: true });
  addUnit(model, 'req');
  addUnit(model, 'prov', { leader: true });
  const rel = addRelation(model, 'req:data', 'prov:data', { id: 4 });
  return { model, relationId: rel.id };
}

for (const kind of ['c', 'bash'] as const) {
  describe(`${kind} shim`, () => {
    let agent: ToolAgent;
    let tmp: string;
    beforeAll(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localmodel-shim-'));
      agent = await ToolAgent.start({ cacheDir: path.join(tmp, 'cache'), shim: kind });
    });
    afterAll(async () => {
      await agent.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    function open(model: JujuModel, unit: string, hook: string, extra: object = {}): { session: HookSession; env: Record<string, string> } {
      const session = openSession(model, { unit, hook, ...extra });
      const ctx = agent.register(session);
      return { session, env: { ...session.env, ...ctx.env } };
    }

    test('is the kind asked for, and every tool name links to it', () => {
      expect(agent.shim.kind).toBe(kind);
      expect(fs.readlinkSync(path.join(agent.toolsDir, 'relation-get'))).toBe(agent.shim.path);
    });

    test('serves config-get with lib/sim output and exit 0', async () => {
      const { model } = buildModel();
      const { env } = open(model, 'req/0', 'config-changed');
      expect(await runTool(agent, env, 'config-get', ['--format=json'])).toEqual({ code: 0, stdout: '{"greeting":"hello"}\n', stderr: '' });
      expect(await runTool(agent, env, 'config-get', ['greeting'])).toEqual({ code: 0, stdout: 'hello\n', stderr: '' });
    });

    test('unknown flag: exit 2 and the gnuflag text', async () => {
      const { model } = buildModel();
      const { env } = open(model, 'req/0', 'config-changed');
      expect(await runTool(agent, env, 'config-get', ['--bogus'])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'ERROR flag provided but not defined: --bogus\n',
      });
    });

    test('unknown relation id: exit 2, relation not found', async () => {
      const { model } = buildModel();
      const { env } = open(model, 'req/0', 'config-changed');
      const r = await runTool(agent, env, 'relation-get', ['-r', 'data:99', '-', 'prov/0']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('ERROR invalid value "data:99" for flag -r: relation not found\n');
    });

    test('app-bag write by a non-leader: exit 1, cannot write relation settings', async () => {
      const { model, relationId } = buildModel();
      const { env } = open(model, 'req/1', 'data-relation-changed', { relationId, remoteUnit: 'prov/0' });
      expect(await runTool(agent, env, 'relation-set', ['--app', 'x=y'])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'ERROR cannot write relation settings\n',
      });
    });

    test('relation-set --file - sends stdin (with newlines and UTF-8) and the write is buffered', async () => {
      const { model, relationId } = buildModel();
      const { session, env } = open(model, 'req/0', 'data-relation-changed', { relationId, remoteUnit: 'prov/0' });
      const yaml = 'greeting: "héllo\\nworld"\nempty-later: x\n';
      expect(await runTool(agent, env, 'relation-set', ['--app', '--file', '-'], yaml)).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(model.relations.find((r) => r.id === relationId)!.appData['req']).toEqual({});
      const got = await runTool(agent, env, 'relation-get', ['--app', '--format=json', '-', 'req']);
      expect(JSON.parse(got.stdout)).toEqual({ greeting: 'héllo\nworld', 'empty-later': 'x' });
      session.commit();
      expect(model.relations.find((r) => r.id === relationId)!.appData['req']).toEqual({ greeting: 'héllo\nworld', 'empty-later': 'x' });
    });

    test('stdout keeps trailing newlines and large payloads', async () => {
      const { model } = buildModel();
      const { env } = open(model, 'req/0', 'install');
      const big = 'v'.repeat(100_000);
      expect((await runTool(agent, env, 'state-set', [`big=${big}`])).code).toBe(1); // over the 64 KiB value quota
      expect((await runTool(agent, env, 'state-set', [`k=${'w'.repeat(60_000)}\n\n`])).code).toBe(0);
      const got = await runTool(agent, env, 'state-get', ['k']);
      expect(got.stdout).toBe(`${'w'.repeat(60_000)}\n\n\n`);
    });

    test('no JUJU_CONTEXT_ID: exit 1 from the client itself, no ERROR prefix', async () => {
      const r = await runTool(agent, { JUJU_AGENT_SOCKET_ADDRESS: agent.address }, 'is-leader', []);
      expect(r).toEqual({ code: 1, stdout: '', stderr: 'JUJU_CONTEXT_ID not set\n' });
    });

    test('a wrong token or an unregistered context is refused', async () => {
      const { model } = buildModel();
      const { env } = open(model, 'req/0', 'install');
      const wrong = await runTool(agent, { ...env, JUJU_AGENT_TOKEN: '00'.repeat(24) }, 'is-leader', []);
      expect(wrong).toEqual({ code: 1, stdout: '', stderr: `ERROR bad request: unknown context "${env['JUJU_CONTEXT_ID']}"\n` });
      agent.unregister(env['JUJU_CONTEXT_ID']!);
      expect((await runTool(agent, env, 'is-leader', [])).code).toBe(1);
    });

    test('unreachable agent: exit 1 with a clear message', async () => {
      const r = await runTool(agent, { JUJU_CONTEXT_ID: 'x', JUJU_AGENT_SOCKET_ADDRESS: '127.0.0.1:1' }, 'is-leader', []);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^cannot connect to the unit agent at 127\.0\.0\.1:1/);
    });
  });
}
