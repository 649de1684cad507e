// What the e2e globalSetup hands to the test files (through build/e2e/state.json), and the
// describe() wrapper that skips loudly outside CI when the real stack is unavailable.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const E2E_BUILD_DIR = path.resolve(__dirname, '..', '..', 'build', 'e2e');
export const E2E_STATE_FILE = path.join(E2E_BUILD_DIR, 'state.json');

export type E2EState =
  | { ok: true; charmFile: string; profile: 'e2e'; startedAt: string; setupMs: number; stackUpMs: number }
  | { ok: false; reason: string; profile: 'e2e'; startedAt: string };

export function readE2EState(): E2EState {
  try {
    return JSON.parse(fs.readFileSync(E2E_STATE_FILE, 'utf8')) as E2EState;
  } catch (e) {
    return { ok: false, reason: `no ${E2E_STATE_FILE} (globalSetup did not run: ${(e as Error).message})`, profile: 'e2e', startedAt: '' };
  }
}

/** describe, or (outside CI, stack unavailable) describe.skip with a warning. Under CI: never skips. */
export function describeWithStack(): jest.Describe {
  const state = readE2EState();
  if (state.ok || process.env.CI === 'true') return describe;
  console.warn(`SKIPPING real-stack e2e: ${state.reason} (with CI=true this fails)`);
  return describe.skip;
}
