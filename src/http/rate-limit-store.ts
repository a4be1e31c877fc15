import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { SlidingWindow } from './rate-limit-hits';

/**
 * An express-rate-limit store on the shared sliding window (rate-limit-hits.ts), one per limiter.
 * Why not a published store: rate-limit-mongo (the one MongoDB store) counts with findOneAndUpdate and
 * `$inc`, which FerretDB v1 does not apply atomically, and it pins the MongoDB driver 3.x; the
 * rate-limiter-flexible Mongo limiter is not an express-rate-limit store and counts the same way.
 */
export function createSharedStore(window: SlidingWindow, name: string): Store {
  let limit = 0;
  return {
    localKeys: false,
    prefix: name,
    init(options: Options) {
      // The store refuses on its own (and takes the refused hit back), so it needs the number itself.
      if (typeof options.limit !== 'number') throw new Error(`rate limiter ${name}: the shared store needs a fixed limit`);
      if (options.windowMs !== window.windowMs) throw new Error(`rate limiter ${name}: windowMs differs from the store's window`);
      limit = options.limit;
    },
    /**
     * An allowed request is told the whole window as its reset time (the RateLimit header's `t`): an upper
     * bound, since the exact one costs another query and only a refusal (Retry-After) needs it.
     */
    async increment(key: string): Promise<ClientRateLimitInfo> {
      const [count] = (await window.take([{ name, key, limit }])).counts;
      return { totalHits: count!.count, resetTime: count!.resetTime ?? new Date(Date.now() + window.windowMs) };
    },
    async decrement(key: string) {
      await window.releaseNewest({ name, key });
    },
    async resetKey(key: string) {
      await window.reset({ name, key });
    },
  };
}
