import { writeFileSync, renameSync } from 'node:fs';
import type { LoadResult } from './load';

/** The table printed at the end, the ratios the targets are stated in, and bench/results.json. */

export interface CaseResult extends LoadResult {
  id: string;
  label: string;
  /** Every round of a case measured more than once; the figures above are its best. */
  rounds?: LoadResult[];
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export function formatTable(results: CaseResult[]): string {
  const header = ['case', 'what', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx'];
  const ms = (value: number | null) => (value === null ? 'none done' : String(value));
  const rows = results.map((r) => [r.id, r.label, String(r.requestsPerSecond), ms(r.p50Ms), ms(r.p99Ms), String(r.non2xx + r.errors)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface Target {
  value: number;
  target: string;
  met: boolean;
}

const atLeast = (value: number, floor: number): Target => ({ value: round(value), target: `>= ${floor}`, met: value >= floor });
const atMost = (value: number, ceiling: number): Target => ({ value: round(value), target: `<= ${ceiling}`, met: value <= ceiling });

/** The ratios for case 4/6 measured at one staleness bound (`ours` picks the figures). */
export function ratios(byId: Record<string, CaseResult>, bound: 'strict' | 'cached') {
  const rps = (id: string) => byId[id]!.requestsPerSecond;
  const four = byId[`4-${bound}`]!;
  return {
    '4/2': atLeast(four.requestsPerSecond / rps('2'), 0.9),
    '4/3': atLeast(four.requestsPerSecond / rps('3'), 2),
    '4/1': { value: round(four.requestsPerSecond / rps('1')) },
    'p99(4)/p99(2)': atMost((four.p99Ms ?? Infinity) / Math.max(byId['2']!.p99Ms ?? 1, 1), 1.5),
    '5 (ours/peer)': atLeast(rps('5-ours') / rps('5-peer'), 1),
    '6 (10^5 vs 10^3)': atLeast(rps(`6-${bound}-100000`) / rps(`6-${bound}-1000`), 0.8),
  };
}

export function writeResults(path: string, results: object): void {
  // Written whole or not at all: a run interrupted half-way leaves the previous file in place.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
