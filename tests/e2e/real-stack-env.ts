// What every e2e file starts from: the charm globalSetup packed, the e2e stack's stack.json and
// admin endpoints of both clusters.
import { endpointOf, type KafkaEndpoint } from '../../tools/stack/kafka-traffic';
import { stackProfile } from '../../tools/stack/mirror-world';
import { readStackInfo, type StackInfo } from '../../tools/stack/real-stack';
import { readE2EState } from './e2e-state';

export interface RealStackEnv {
  charmFile: string;
  stack: StackInfo;
  /** kafka-a (the source) as its admin user. */
  src: KafkaEndpoint;
  /** kafka-b (the target) as its admin user. */
  tgt: KafkaEndpoint;
}

/** Throws (the file fails, never skips) when globalSetup could not start the stack. */
export async function realStackEnv(): Promise<RealStackEnv> {
  const state = readE2EState();
  if (!state.ok) throw new Error(`real stack unavailable: ${state.reason}`);
  const stack = await readStackInfo(stackProfile('e2e'));
  return { charmFile: state.charmFile, stack, src: endpointOf(stack.kafkaA, 'admin'), tgt: endpointOf(stack.kafkaB, 'admin') };
}
