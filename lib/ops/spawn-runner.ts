/**
 * The production ToolRunner: runs the hook tool Juju put on PATH, synchronously.
 * Hook tools are short and Juju serves them one at a time, so nothing is gained by async.
 */
import { spawnSync } from 'child_process';
import type { ToolResult, ToolRunner } from './tool-runner';

export class SpawnToolRunner implements ToolRunner {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  run(tool: string, args: readonly string[], stdin?: string): ToolResult {
    const res = spawnSync(tool, [...args], {
      env: this.env,
      input: stdin,
      encoding: 'utf8',
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (res.error) {
      // Could not run at all (not on PATH, ...): report like a hook tool that failed to start.
      return { code: 1, stdout: '', stderr: `cannot run ${tool}: ${res.error.message}` };
    }
    return { code: res.status ?? 1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
  }
}
