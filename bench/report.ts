import { renameSync, writeFileSync } from 'node:fs';
import type { LoadResult } from './load';

/** The table printed at the end, the targets of the revocation issue and issue 18, and bench/results.json. */

export interface CaseResult extends LoadResult {
  id: string;
  label: string;
  /** The settings the case ran at; a figure is only ever reported under the setting it was measured at. */
  setting: string;
  /** Every round; the figures above are their medians, each taken on its own. */
  rounds: LoadResult[];
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const medianOrNull = (values: Array<number | null>) => (values.some((value) => value === null) ? null : median(values as number[]));

/** The median round, metric by metric (never the best round). */
export function medianOf(rounds: LoadResult[]): LoadResult {
  return {
    requestsPerSecond: Math.round(median(rounds.map((r) => r.requestsPerSecond))),
    p50Ms: medianOrNull(rounds.map((r) => r.p50Ms)),
    p99Ms: medianOrNull(rounds.map((r) => r.p99Ms)),
    ok: median(rounds.map((r) => r.ok)),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    durationSeconds: median(rounds.map((r) => r.durationSeconds)),
  };
}

export function formatTable(results: CaseResult[]): string {
  const header = ['case', 'what', 'settings', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx'];
  const ms = (value: number | null) => (value === null ? 'none done' : String(value));
  const rows = results.map((r) => [r.id, r.label, r.setting, String(r.requestsPerSecond), ms(r.p50Ms), ms(r.p99Ms), String(r.non2xx + r.errors)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface Target {
  value: number;
  target?: string;
  met?: boolean;
}

const atLeast = (value: number, floor: number): Target => ({ value: round(value), target: `>= ${floor}`, met: value >= floor });
const atMost = (value: number, ceiling: number): Target => ({ value: round(value), target: `<= ${ceiling}`, met: value <= ceiling });

/**
 * The targets of the revocation issue and of issue 18. A throughput ratio is the median of its per-round ratios: both cases of
 * a round ran minutes apart at most, so pairing them cancels most of the machine's drift (the ratio of
 * the two medians is reported beside it). p99 is compared the same way.
 */
export function ratios(byId: Record<string, CaseResult>): Record<string, Target & { ratioOfMedians?: number }> {
  const paired = (a: string, b: string, metric: (r: LoadResult) => number) => {
    const left = byId[a]!.rounds;
    const right = byId[b]!.rounds;
    // A round whose peer completed nothing has no ratio; it is left out rather than made infinite.
    const perRound = left.map((round, i) => metric(round) / metric(right[i]!)).filter((ratio) => Number.isFinite(ratio));
    return perRound.length > 0 ? median(perRound) : Number.NaN;
  };
  const rps = (r: LoadResult) => r.requestsPerSecond;
  const p99 = (r: LoadResult) => r.p99Ms ?? Infinity;
  const ofMedians = (a: string, b: string) => round(byId[a]!.requestsPerSecond / byId[b]!.requestsPerSecond);
  return {
    '4/2': { ...atLeast(paired('4', '2', rps), 0.9), ratioOfMedians: ofMedians('4', '2') },
    'me/me-peer': { ...atLeast(paired('me', 'me-peer', rps), 0.9), ratioOfMedians: ofMedians('me', 'me-peer') },
    'verify/2 (forward auth vs stateless JWT)': { ...atLeast(paired('verify', '2', rps), 0.9), ratioOfMedians: ofMedians('verify', '2') },
    // Issue 18: a known session's whole GET /users/me reads nothing, so it is held to case 2's rate, which
    // its equal-work peer (a stateless API that reads the user) cannot reach.
    'me/2 (known session, whole GET /users/me vs stateless JWT)': { ...atLeast(paired('me', '2', rps), 0.9), ratioOfMedians: ofMedians('me', '2') },
    'me-peer/2 (its equal-work peer, reported)': { value: round(paired('me-peer', '2', rps)) },
    'p99(4)/p99(2)': atMost(paired('4', '2', p99), 1.5),
    '6 (case 4 at 10^5 vs 10^3 sessions)': { ...atLeast(paired('6-100000', '6-1000', rps), 0.9), ratioOfMedians: ofMedians('6-100000', '6-1000') },
    '4/3 (reported)': { value: round(paired('4', '3', rps)) },
    '4/1 (reported)': { value: round(paired('4', '1', rps)) },
    '4-strict/2 (old strict mode, reported)': { value: round(paired('4-strict', '2', rps)) },
    '5/5-peer (logouts per second, reported)': { value: round(paired('5', '5-peer', rps)) },
    '5-receivers/5 (logouts per second, 5 event receivers down vs none, reported)': { value: round(paired('5-receivers', '5', rps)) },
    'p99(5-receivers)/p99(5) (reported)': { value: round(paired('5-receivers', '5', p99)) },
  };
}

export function writeResults(path: string, results: object): void {
  // Written whole or not at all: a run interrupted half-way leaves the previous file in place.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
