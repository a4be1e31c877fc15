import { deleteExpiredDocuments } from '../src/db/expired-sweeper';
import { createSlidingWindow, type TakenHits } from '../src/http/rate-limit-hits';
import { isOperation, recordOperations } from './support/operation-log';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The shared rate-limit counter on the real database, with the clock passed in: what a window lets
 * through, when it lets the next one through, and that concurrent requests cannot overrun it (FerretDB
 * applies updates non-atomically; the counter only ever inserts and deletes).
 */

const WINDOW_MS = 60_000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let keyNumber = 0;
const budget = (limit: number) => ({ name: 'test-limiter', key: `client-${++keyNumber}`, limit });

describe('the sliding window counter', () => {
  it('lets `limit` hits through per window, then says when the oldest leaves it, and lets one through then', async () => {
    const window = createSlidingWindow(t.models.RateLimitHit, WINDOW_MS);
    const limit = budget(3);
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    for (let i = 0; i < 3; i++) expect((await window.take([limit], new Date(t0 + i * 1000))).allowed).toBe(true);

    const refused = await window.take([limit], new Date(t0 + 5000));
    expect(refused.allowed).toBe(false);
    expect(refused.counts[0]).toMatchObject({ count: 4, limit: 3, resetTime: new Date(t0 + WINDOW_MS) });

    // One millisecond after the first hit left the window there is room for exactly one more.
    expect((await window.take([limit], new Date(t0 + WINDOW_MS + 1))).allowed).toBe(true);
    expect((await window.take([limit], new Date(t0 + WINDOW_MS + 2))).allowed).toBe(false);
  });

  it('takes a refused hit back, so hammering does not push the window out', async () => {
    const window = createSlidingWindow(t.models.RateLimitHit, WINDOW_MS);
    const limit = budget(2);
    const t0 = Date.parse('2030-02-01T00:00:00Z');
    await window.take([limit], new Date(t0));
    await window.take([limit], new Date(t0 + 1));
    for (let i = 2; i < 20; i++) expect((await window.take([limit], new Date(t0 + i))).allowed).toBe(false);
    expect((await window.take([limit], new Date(t0 + WINDOW_MS + 2))).allowed).toBe(true);
  });

  it('is all or nothing over several budgets: a refusal by one takes the hit back from all', async () => {
    const window = createSlidingWindow(t.models.RateLimitHit, WINDOW_MS);
    const narrow = budget(1);
    const wide = budget(10);
    const now = new Date('2030-03-01T00:00:00Z');
    expect((await window.take([narrow, wide], now)).allowed).toBe(true);
    const refused = await window.take([narrow, wide], now);
    expect(refused.allowed).toBe(false);
    expect(refused.counts.map((count) => count.count)).toEqual([2, 2]);
    // The wide budget holds one hit, not two.
    expect((await window.take([wide], now)).counts[0]!.count).toBe(2);
  });

  it('lets at most `limit` of many concurrent requests through, and keeps only their hits', async () => {
    const window = createSlidingWindow(t.models.RateLimitHit, WINDOW_MS);
    const limit = budget(5);
    const now = new Date();
    const log = recordOperations(t.connection);
    let results: TakenHits[];
    try {
      results = await Promise.all(Array.from({ length: 30 }, () => window.take([limit], now)));
    } finally {
      log.stop();
    }
    // The race happened: several hits were inserted before the first count was taken.
    const [firstCount] = log.positions(isOperation('rate_limit_hits', 'aggregate'));
    expect(log.positions(isOperation('rate_limit_hits', 'insertMany')).filter((i) => i < firstCount!).length).toBeGreaterThanOrEqual(2);
    const allowed = results.filter((result) => result.allowed);
    expect(allowed.length).toBeLessThanOrEqual(5);
    const ids = results.flatMap((result) => result.hitIds);
    expect(await t.models.RateLimitHit.countDocuments({ _id: { $in: ids } })).toBe(allowed.length);
  });

  it('release takes back exactly the hits of one request', async () => {
    const window = createSlidingWindow(t.models.RateLimitHit, WINDOW_MS);
    const limit = budget(2);
    const now = new Date();
    const first = await window.take([limit], now);
    await window.take([limit], now);
    await window.release(first.hitIds);
    expect((await window.take([limit], now)).allowed).toBe(true);
    expect((await window.take([limit], now)).allowed).toBe(false);
  });

  it('expired hits are deleted by the sweeper where there is no TTL monitor; live ones stay', async () => {
    const window = createSlidingWindow(t.models.RateLimitHit, WINDOW_MS);
    const old = await window.take([budget(1)], new Date(Date.now() - 2 * WINDOW_MS));
    const live = await window.take([budget(1)]);
    await deleteExpiredDocuments(t.models);
    expect(await t.models.RateLimitHit.exists({ _id: old.hitIds[0] })).toBeNull();
    expect(await t.models.RateLimitHit.exists({ _id: live.hitIds[0] })).not.toBeNull();
  });

  it('stores digests, never the key itself (an email, an address)', async () => {
    const window = createSlidingWindow(t.models.RateLimitHit, WINDOW_MS);
    const { hitIds } = await window.take([{ name: 'login-per-account', key: 'ada@example.com', limit: 1 }]);
    const stored = await t.models.RateLimitHit.findById(hitIds[0]).lean();
    expect(stored?.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain('ada@example.com');
  });
});
