import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { RateLimitHitModel } from '../db/rate-limit-hit-model';

/**
 * Rate-limit counters, kept in MongoDB so that every instance of the API draws on the same budget.
 *
 * A counted request is one inserted document (a "hit") with a fresh ObjectId, and a count is the number
 * of hits under a key within the last window (a sliding log). Not a counter document with `$inc`:
 * FerretDB v1 implements updates as read, change in Go, rewrite, so two concurrent increments of one
 * document can leave it one short. An insert is atomic on both servers, and because each request counts
 * after its own insert has landed, the k-th hit inserted always sees at least k: whatever the number of
 * instances and however concurrent the requests, at most `limit` of them are let through per window.
 * (Concurrent requests at the boundary may be refused one early, never let through one late.) A refused
 * request takes its hit back, so refusals do not push a client's window further out, and the oldest hit
 * still counted says exactly when the next request will be allowed.
 *
 * Keys are stored as SHA-256 digests of limiter name and key: the collection holds no email or address.
 */

/** One budget: `limit` hits per window under `key`, within the limiter called `name`. */
export interface WindowLimit {
  name: string;
  key: string;
  limit: number;
}

export interface WindowCount extends WindowLimit {
  /** Hits within the window, this request's included. */
  count: number;
  /** For a budget that is spent: when its oldest hit leaves the window, making room for one. */
  resetTime?: Date;
}

export interface TakenHits {
  /** Every budget had room: the hits stay counted (until `release`). Otherwise they were taken back. */
  allowed: boolean;
  counts: WindowCount[];
  hitIds: Types.ObjectId[];
}

function digest({ name, key }: Pick<WindowLimit, 'name' | 'key'>): string {
  return createHash('sha256').update(name).update('\0').update(key).digest('base64url');
}

export function createSlidingWindow(RateLimitHit: RateLimitHitModel, windowMs: number) {
  /** One query for all keys: on FerretDB every query reads the whole collection, so fewer is cheaper. */
  async function countSince(keys: string[], since: Date): Promise<Map<string, number>> {
    const groups = await RateLimitHit.aggregate<{ _id: string; count: number }>([
      { $match: { key: { $in: keys }, at: { $gt: since } } },
      { $group: { _id: '$key', count: { $sum: 1 } } },
    ]);
    return new Map(groups.map((group) => [group._id, group.count]));
  }

  async function oldestSince(key: string, since: Date): Promise<Date | undefined> {
    const oldest = await RateLimitHit.findOne({ key, at: { $gt: since } }, { at: 1 }).sort({ at: 1 }).lean();
    return oldest?.at;
  }

  /** Counts one hit against each budget; all or nothing. */
  async function take(limits: WindowLimit[], now = new Date()): Promise<TakenHits> {
    const hits = limits.map((limit) => ({
      _id: new Types.ObjectId(),
      key: digest(limit),
      at: now,
      expiresAt: new Date(now.getTime() + windowMs),
    }));
    await RateLimitHit.insertMany(hits, { lean: true });
    const since = new Date(now.getTime() - windowMs);
    const counted = await countSince(hits.map((hit) => hit.key), since);
    // Its own hit is always among them: the count is at least 1.
    const counts: WindowCount[] = limits.map((limit, i) => ({ ...limit, count: Math.max(1, counted.get(hits[i]!.key) ?? 0) }));
    const hitIds = hits.map((hit) => hit._id);
    const allowed = counts.every((count) => count.count <= count.limit);
    if (allowed) return { allowed, counts, hitIds };

    await release(hitIds);
    // Only a refusal needs to know when the budget frees up (Retry-After).
    await Promise.all(
      counts.map(async (count, i) => {
        if (count.count <= count.limit) return;
        const oldest = (await oldestSince(hits[i]!.key, since)) ?? now;
        count.resetTime = new Date(oldest.getTime() + windowMs);
      }),
    );
    return { allowed, counts, hitIds };
  }

  /** Takes hits back: a request that turned out not to count (a correct password, a refused request). */
  async function release(hitIds: Types.ObjectId[]): Promise<void> {
    await RateLimitHit.deleteMany({ _id: { $in: hitIds } });
  }

  /** Takes back the newest hit under a key, for callers that do not know which hit was theirs. */
  async function releaseNewest(limit: Pick<WindowLimit, 'name' | 'key'>): Promise<void> {
    const newest = await RateLimitHit.findOne({ key: digest(limit) }, { _id: 1 }).sort({ at: -1, _id: -1 }).lean();
    if (newest) await release([newest._id]);
  }

  async function reset(limit: Pick<WindowLimit, 'name' | 'key'>): Promise<void> {
    await RateLimitHit.deleteMany({ key: digest(limit) });
  }

  return { windowMs, take, release, releaseNewest, reset };
}

export type SlidingWindow = ReturnType<typeof createSlidingWindow>;
