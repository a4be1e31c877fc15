import { Types } from 'mongoose';
import { createRateLimitHitModel, type RateLimitHitModel } from '../src/db/rate-limit-hit-model';
import { createSlidingWindow } from '../src/http/rate-limit-hits';
import { measurePaired } from './paired';
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
    const { medianMs, ratio } = await measurePaired([() => windows[0]!.window.take(limits), () => windows[1]!.window.take(limits)], PAIRS);
    console.log(
      `${label}: take at ${SIZES[0]} other hits ${medianMs[0].toFixed(1)} ms, at ${SIZES[1]} other hits ${medianMs[1].toFixed(1)} ms (medians of ${PAIRS}); ` +
        `ratio ${ratio.toFixed(2)} (median of paired ratios)`,
    );
  }
  await Promise.all(windows.map(({ RateLimitHit }) => RateLimitHit.db.dropDatabase()));
});
