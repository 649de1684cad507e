// jest globalTeardown of the e2e project: stops the e2e stack started by global-setup.ts (by pid,
// through stack.sh). E2E_KEEP_STACK=1 leaves it up for quick re-runs while developing.
import * as fs from 'node:fs';
import { readStackInfo, stopStack } from '../../tools/stack/real-stack';
import { stackProfile } from '../../tools/stack/mirror-world';
import { E2E_STATE_FILE, type E2EState } from './e2e-state';

export default async function globalTeardown(): Promise<void> {
  let state: E2EState | undefined;
  try {
    state = JSON.parse(fs.readFileSync(E2E_STATE_FILE, 'utf8')) as E2EState;
  } catch {
    state = undefined;
  }
  if (process.env.E2E_KEEP_STACK === '1') {
    process.stderr.write('e2e: E2E_KEEP_STACK=1, leaving the e2e stack up (tools/kafka/stack.sh down with its env stops it)\n');
    return;
  }
  const pids = await readStackInfo(stackProfile('e2e')).then(
    (info) => [info.kafkaA.pid, info.kafkaB.pid, info.connect.pid].filter((p): p is number => p !== null),
    () => [] as number[],
  );
  // down is safe when nothing runs; it also cleans up after a half-started stack
  try {
    await stopStack(stackProfile('e2e'));
  } catch (e) {
    // outside CI, a machine that could not start the stack may not be able to stop it either
    if (process.env.CI === 'true' || state?.ok) throw e;
    process.stderr.write(`e2e teardown: ${(e as Error).message}\n`);
  }
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  if (alive.length > 0) throw new Error(`e2e teardown: stack processes still alive after stack.sh down: ${alive.join(', ')}`);
  if (state) fs.rmSync(E2E_STATE_FILE, { force: true });
}
