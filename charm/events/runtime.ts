// Process-wide knobs of the charm's side effects: the clock (restart back-off) and extra options
// for the Kafka Connect client. Production uses the defaults; tests replace them (a hook is one
// process, so there is nothing else to inject them through).
import type { ConnectTransportOptions } from '../managers/connect-transport';

export type ClientTuning = Partial<
  Pick<ConnectTransportOptions, 'requestTimeoutMs' | 'totalBudgetMs' | 'backoff' | 'sleep' | 'now' | 'random'>
>;

export const runtime: { now: () => number; clientTuning: ClientTuning } = {
  now: () => Date.now(),
  clientTuning: {},
};
