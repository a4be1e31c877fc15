import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetricsServer } from '../../src/metrics/metrics-server';
import type { Metrics } from '../../src/metrics/metrics';

/**
 * Scraping as Prometheus does: GET /metrics over HTTP, the text format parsed into samples. Tests take
 * a scrape before and after what they do and assert on the difference, so that what other tests in the
 * file did before never matters.
 */

/** Sample value by series key: `name{label="value",...}` with labels sorted by name. */
export type Samples = Map<string, number>;

export function seriesKey(name: string, labels: Record<string, string> = {}): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}="${value}"`);
  return pairs.length > 0 ? `${name}{${pairs.join(',')}}` : name;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function parsePrometheusText(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.set(seriesKey(match[1]!, labels), parseValue(match[3]!));
  }
  return samples;
}

/** A series' value, 0 when it has not appeared yet (a labelled counter before its first increment). */
export function valueOf(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return samples.get(seriesKey(name, labels)) ?? 0;
}

export async function scrape(metricsUrl: string): Promise<{ text: string; samples: Samples }> {
  const res = await fetch(metricsUrl);
  if (res.status !== 200) throw new Error(`GET ${metricsUrl} answered ${res.status}`);
  const text = await res.text();
  return { text, samples: parsePrometheusText(text) };
}

export interface MetricsListener {
  /** http://127.0.0.1:<port>/metrics */
  url: string;
  /** Scrapes now; `delta(name, labels)` then tells how far a series moved since. */
  watch(): Promise<{ delta(name: string, labels?: Record<string, string>): Promise<number> }>;
  close(): Promise<void>;
}

/** The app's registry served on a free loopback port, as server.ts serves it on METRICS_PORT. */
export async function serveMetrics(metrics: Metrics): Promise<MetricsListener> {
  const server: Server = createMetricsServer(metrics.registry);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  return {
    url,
    async watch() {
      const before = (await scrape(url)).samples;
      let after: Samples | undefined;
      return {
        async delta(name, labels = {}) {
          // One scrape after the fact serves every delta asked of this watch.
          after ??= (await scrape(url)).samples;
          return valueOf(after, name, labels) - valueOf(before, name, labels);
        },
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
