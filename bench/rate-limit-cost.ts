import { Types } from 'mongoose';
import { createRateLimitHitModel, type RateLimitHitModel } from '../src/db/rate-limit-hit-model';
import { createSlidingWindow } from '../src/http/rate-limit-hits';
import { runOnScratchDatabase } from './scratch-database';

/**
 * `npx tsx bench/rate-limit-cost.ts`: what counting one request costs (src/http/rate-limit-hits.ts,
 * `take`: insert, then count) with 10 and with 10^5 other clients' hits in the window, on the embedded
 * database unless MONGODB_URI is set. The two sizes live in two databases of one server and are measured
 * in paired, interleaved calls (the order alternating), so background load weighs on both alike; the
 * ratio is the median of the paired ratios. docs/SCALING.md quotes its output.
 */

const SIZES = [10, 100_000] as const;
const PAIRS = 41;
const WINDOW_MS = 15 * 60 * 1000;

async function fill(RateLimitHit: RateLimitHitModel, size: number): Promise<void> {
  await RateLimitHit.collection.createIndex({ key: 1, at: 1 });
  for (let stored = 0; stored < size; ) {
    const now = new Date();
    // Other clients' hits over 500 keys (a flood spread over many keys), all within the window.
    const batch = Array.from({ length: Math.min(5_000, size - stored) }, (_, i) => ({
      _id: new Types.ObjectId(),
      key: `other-client-${(stored + i) % 500}`,
      at: now,
      expiresAt: new Date(now.getTime() + WINDOW_MS),
    }));
    await RateLimitHit.insertMany(batch, { lean: true });
    stored += batch.length;
  }
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

runOnScratchDatabase('auth_limit_cost', async (connection) => {
  const windows = await Promise.all(
    SIZES.map(async (size) => {
      const RateLimitHit = createRateLimitHitModel(connection.useDb(`auth_limit_cost_${size}`));
      await RateLimitHit.collection.drop().catch(() => undefined);
      await fill(RateLimitHit, size);
      return { size, RateLimitHit, window: createSlidingWindow(RateLimitHit, WINDOW_MS) };
    }),
  );
  // Budgets as the API counts them: one per-IP count, and a password check's two counts in one `take`.
  const budgets = {
    'per-IP': [{ name: 'login-per-ip', key: '203.0.113.1', limit: 1_000_000_000 }],
    'per-account and per-account-and-IP': [
      { name: 'login-per-account-and-ip', key: '203.0.113.1 ada@example.com', limit: 1_000_000_000 },
      { name: 'login-per-account', key: 'ada@example.com', limit: 1_000_000_000 },
    ],
  };
  for (const [label, limits] of Object.entries(budgets)) {
    const samples: number[][] = SIZES.map(() => []);
    const pairRatios: number[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      const order = pair % 2 === 0 ? [0, 1] : [1, 0];
      const pairSamples: number[] = [];
      for (const i of order) pairSamples[i] = await timed(() => windows[i]!.window.take(limits));
      pairSamples.forEach((ms, i) => samples[i]!.push(ms));
      pairRatios.push(pairSamples[1]! / pairSamples[0]!);
    }
    const medians = samples.map((s) => median(s).toFixed(1));
    console.log(
      `${label}: take at ${SIZES[0]} other hits ${medians[0]} ms, at ${SIZES[1]} other hits ${medians[1]} ms (medians of ${PAIRS}); ` +
        `ratio ${median(pairRatios).toFixed(2)} (median of paired ratios)`,
    );
  }
  await Promise.all(windows.map(({ RateLimitHit }) => RateLimitHit.db.dropDatabase()));
});
