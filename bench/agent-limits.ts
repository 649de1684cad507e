/**
 * The local model's agent under hostile requests: a client process streams a 70 MiB request
 * (wrong token; right token with an oversize field) or a legitimate 8 MiB one, and we measure the
 * time to the agent's answer and the agent process's CPU. JSON out.
 *
 *   node tools/run-ts.js bench/agent-limits.ts
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { addApplication, addUnit, charmMetaFromYaml, createModel, openSession } from '../lib/sim';
import { ToolAgent } from '../lib/localmodel/agent';
import { PROTOCOL_MAGIC } from '../lib/localmodel/shim';

const CLIENT = `
const net = require('node:net');
const [host, port] = process.argv[1].split(':');
const head = Buffer.from(process.argv[2], 'base64');
const total = Number(process.argv[3]);
const t0 = process.hrtime.bigint();
const s = net.connect(Number(port), host);
let sent = 0, answer = '', answerMs = -1;
const block = Buffer.alloc(1 << 20, 0x61);
s.on('data', (c) => { if (answerMs < 0) answerMs = Number(process.hrtime.bigint() - t0) / 1e6; answer += c; });
s.on('close', () => { process.stdout.write(JSON.stringify({ answerMs, closedMs: Number(process.hrtime.bigint() - t0) / 1e6, sentMiB: sent / 1048576, answer: answer.split('\\n')[1] || '' })); });
s.on('error', () => {});
s.write(head);
const pump = () => { while (sent < total) { const chunk = total - sent < block.length ? block.subarray(0, total - sent) : block; sent += chunk.length; if (!s.write(chunk)) { s.once('drain', pump); return; } } };
pump();
`;

function field(text: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`${b.length}\n`), b]);
}

async function measure(agent: ToolAgent, head: Buffer, total: number): Promise<Record<string, unknown>> {
  const cpu0 = process.cpuUsage();
  const out = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['-e', CLIENT, agent.address, head.toString('base64'), String(total)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.on('close', () => resolve(text));
  });
  const cpu = process.cpuUsage(cpu0);
  return { ...(JSON.parse(out) as Record<string, unknown>), agentCpuMs: Math.round((cpu.user + cpu.system) / 100) / 10 };
}

async function main(): Promise<void> {
  const agent = await ToolAgent.start({
    cacheDir: path.join(process.env['REPO_ROOT'] ?? process.cwd(), '.tscharm', 'localmodel'),
    shim: 'bash',
  });
  const model = createModel({ uuid: '11111111-2222-4333-8444-555555555555' });
  addApplication(model, 'a', charmMetaFromYaml({ name: 'a', peers: { p: { interface: 'p' } } }));
  addUnit(model, 'a', { leader: true });
  const ctx = agent.register(openSession(model, { unit: 'a/0', hook: 'install' }));
  const token = ctx.env['JUJU_AGENT_TOKEN']!;
  const MiB = 1024 * 1024;
  const headFor = (tok: string, len: number) =>
    Buffer.concat([
      Buffer.from(`${PROTOCOL_MAGIC} 1 -1\n`),
      field(tok),
      field(ctx.contextId),
      field('/'),
      field('juju-log'),
      Buffer.from(`${len}\n`),
    ]);
  try {
    const result = {
      wrongToken70MiB: await measure(agent, headFor('00'.repeat(24), 70 * MiB), 70 * MiB),
      rightTokenOversize70MiB: await measure(agent, headFor(token, 70 * MiB), 70 * MiB),
      legitimate8MiB: await measure(agent, headFor(token, 8 * MiB), 8 * MiB),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await agent.close();
  }
}

void main();
