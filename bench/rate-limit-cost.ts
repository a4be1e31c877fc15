import { Types } from 'mongoose';
import { createSlidingWindow } from '../src/http/rate-limit-hits';
import { runOnScratchDatabase } from './scratch-database';

/**
 * `npx tsx bench/rate-limit-cost.ts`: what counting one request costs (src/http/rate-limit-hits.ts,
 * `take`) against the number of other clients' hits in the window, on the embedded database unless
 * MONGODB_URI is set. docs/SCALING.md quotes its output.
 */

const SIZES = [0, 1_000, 10_000];
const SAMPLES = 30;
const WINDOW_MS = 15 * 60 * 1000;

async function median(run: () => Promise<unknown>): Promise<string> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((x, y) => x - y);
  return samples[Math.floor(SAMPLES / 2)]!.toFixed(1);
}

runOnScratchDatabase('auth_limit_cost', async (_connection, models) => {
  const window = createSlidingWindow(models.RateLimitHit, WINDOW_MS);
  const perIp = [{ name: 'login-per-ip', key: '203.0.113.1', limit: 1_000_000_000 }];
  const password = [
    { name: 'login-per-account-and-ip', key: '203.0.113.1 ada@example.com', limit: 1_000_000_000 },
    { name: 'login-per-account', key: 'ada@example.com', limit: 1_000_000_000 },
  ];
  let stored = 0;
  for (const size of SIZES) {
    // Other clients' hits, 500 keys, all within the window.
    while (stored < size) {
      const now = new Date();
      const batch = Array.from({ length: Math.min(5_000, size - stored) }, (_, i) => ({
        _id: new Types.ObjectId(),
        key: `other-client-${(stored + i) % 500}`,
        at: now,
        expiresAt: new Date(now.getTime() + WINDOW_MS),
      }));
      await models.RateLimitHit.insertMany(batch, { lean: true });
      stored += batch.length;
    }
    const ip = await median(() => window.take(perIp));
    const check = await median(() => window.take(password));
    console.log(`${String(size).padStart(6)} other hits: one per-IP count ${ip} ms, one password check's count ${check} ms (medians of ${SAMPLES})`);
  }
});
