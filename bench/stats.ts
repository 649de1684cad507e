/** Summary statistics and the elapsed-time reading shared by the benchmarks. */

export interface Stats {
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly p90: number;
  readonly mean: number;
}

/** `x` rounded to `d` decimals. */
export const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** The median (mean of the two middle values for an even count); `xs` must not be empty. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** runs, median, min, p90 (nearest rank) and mean of `samples`, rounded to 2 decimals. */
export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return {
    runs: s.length,
    median: round(median(s)),
    min: round(s[0]!),
    p90: round(at(0.9)),
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

/** Milliseconds since `t0` (a `process.hrtime.bigint()` reading). */
export function msSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
