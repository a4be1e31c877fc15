/**
 * Paired, interleaved timing of one operation on two setups (say a small and a large database on one
 * server): each pair runs both, the order alternating, so background load weighs on both alike. Reports
 * each side's median and the median of the pairs' ratios (second / first).
 */

export const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

export interface PairedResult {
  medianMs: [number, number];
  ratio: number;
}

export async function measurePaired(runs: [() => Promise<unknown>, () => Promise<unknown>], pairs: number): Promise<PairedResult> {
  const samples: [number[], number[]] = [[], []];
  const ratios: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const ms: number[] = [];
    for (const i of pair % 2 === 0 ? [0, 1] : [1, 0]) {
      const started = performance.now();
      await runs[i]!();
      ms[i] = performance.now() - started;
      samples[i as 0 | 1].push(ms[i]!);
    }
    ratios.push(ms[1]! / ms[0]!);
  }
  return { medianMs: [median(samples[0]), median(samples[1])], ratio: median(ratios) };
}
