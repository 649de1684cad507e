// jest globalSetup of the e2e project: starts ONE real stack (two SCRAM KRaft clusters + a Connect
// worker, profile "e2e": own run dir and ports) for every e2e file, packs the integrator charm and
// builds the provider test doubles. The outcome goes to build/e2e/state.json, read by the tests.
// CI=true: anything missing or a stack that cannot start throws here, so the run FAILS loudly.
// Outside CI the tests skip with a loud warning instead.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { startStack } from '../../tools/stack/real-stack';
import { buildProviderCharms, packCharm, stackProfile } from '../../tools/stack/mirror-world';
import { E2E_BUILD_DIR, E2E_STATE_FILE, type E2EState } from './e2e-state';

function onPath(cmd: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const inCI = process.env.CI === 'true';
  fs.mkdirSync(E2E_BUILD_DIR, { recursive: true });
  const write = (s: E2EState) => fs.writeFileSync(E2E_STATE_FILE, JSON.stringify(s, null, 2), { mode: 0o600 });
  const log = (l: string) => process.env.STACK_VERBOSE && process.stderr.write(`${l}\n`);
  try {
    const missing = ['java', 'curl'].filter((c) => !onPath(c));
    if (missing.length > 0) throw new Error(`${missing.join(', ')} not on PATH (needed by tools/kafka/stack.sh)`);
    // the charm and the providers first: cheap, and their failure is a code problem, not the machine's
    const packed = await packCharm(E2E_BUILD_DIR);
    buildProviderCharms();
    const opts = stackProfile('e2e');
    const stackT0 = Date.now();
    await startStack({ ...opts, log });
    write({
      ok: true,
      charmFile: packed.charmFile,
      profile: 'e2e',
      startedAt: new Date().toISOString(),
      setupMs: Date.now() - t0,
      stackUpMs: Date.now() - stackT0,
    });
    process.stderr.write(`\ne2e: stack (profile e2e) up and charm packed in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (e) {
    const reason = (e as Error).message;
    write({ ok: false, reason, profile: 'e2e', startedAt: new Date().toISOString() });
    if (inCI) throw new Error(`CI=true and the e2e environment could not be prepared: ${reason}`);
    process.stderr.write(
      `\n${'!'.repeat(78)}\nSKIPPING the real-stack e2e tests: ${reason}\n(with CI=true this FAILS the run)\n${'!'.repeat(78)}\n`,
    );
  }
}
