import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '../clock';
import type { FeedEntry, RevocationFeed } from '../sessions/session-repository';
import { isDuplicateKeyError } from './errors';
import type { SessionModels } from './session-models';

/**
 * The revocation feed on MongoDB: recent revocations in one order that every instance reads
 * (src/sessions/session-memory.ts).
 *
 * Its order is a dense sequence number in `_id`, not a clock. Entry N is inserted only by a writer that has
 * seen entry N - 1 exist: it read N - 1 as the newest, or its own insert of N - 1 failed on the duplicate
 * key. An insert against `_id` is atomic on MongoDB and on FerretDB, so each number is taken exactly once.
 * Hence: when entry N is visible, every entry below it was committed before N was even attempted, and a
 * reader that asks for `_id >= its position` and finds a gap knows the missing entry committed after its
 * query began (it reads it next time). No wall clock decides what a reader sees, so clock skew between
 * instances, or an insert that commits long after it was stamped, cannot make a reader skip an entry.
 *
 * Only recent entries are kept (FEED_RETENTION_MS), so a poll costs the same whatever the history. Pruning
 * deletes from the bottom only and always keeps the newest entry, so the sequence never restarts below a
 * number already given out, and the kept entries run without a gap from the oldest to the newest.
 */

/** How long an entry stays in the feed; an instance that has not read it for longer forgets everything. */
export const FEED_RETENTION_MS = 60_000;
/**
 * An append whose read-then-insert took longer than this is made again. Its number was the newest plus one
 * when read; entries above that could only have been pruned FEED_RETENTION_MS (less any clock skew) after they
 * were written, so an insert landing within this guard cannot reuse a pruned number. Past the guard (a
 * process paused between the two steps), the entry may sit below a reader's position, so it is appended
 * anew at the top; a session listed twice is harmless.
 */
export const APPEND_GUARD_MS = 10_000;
/** Consecutive duplicate keys (concurrent appends) before the newest number is read again. */
const DUPLICATES_BEFORE_REREAD = 4;

/**
 * How far past its start one read of the feed reaches: up to READ_SPAN entries further, and never past the
 * next power of ten. The embedded FerretDB serves a range of numbers from the `_id` index only when it is
 * closed at both ends, as one range of JSON text per digit count (docs/SCALING.md); a short range stays
 * narrow in text too (entries with fewer digits, kept from before the numbers gained one, fall into it by
 * at most about READ_SPAN / 9), and one that stops at a power of ten holds no other digit count. On MongoDB
 * the bound only says where the IXSCAN stops: a poll reads further only when it found the bound's own entry,
 * when more than READ_SPAN entries came since the last poll or the numbers reached 10, 100, 1000…
 */
const READ_SPAN = 1_000;

function readBound(from: number): number {
  let power = 10;
  while (power <= from) power *= 10;
  return Math.min(from + READ_SPAN, power);
}

/** `clock` stamps entries for pruning only; what a reader sees is decided by the numbers, never by it. */
export function createMongoRevocationFeed(models: Pick<SessionModels, 'RevocationFeedEntry'>, clock: Clock = systemClock): RevocationFeed {
  const { RevocationFeedEntry: Feed } = models;

  /** The highest number this process has seen in the feed: where the search for the newest starts. */
  let highestSeen: number | undefined;
  const saw = (seq: number): number => {
    highestSeen = Math.max(highestSeen ?? seq, seq);
    return seq;
  };

  /**
   * The newest entry's number, read upwards from the highest this process has seen in the same bounded
   * ranges as readFrom: a range whose last number is missing holds the newest (kept entries have no gaps).
   * Only without a number seen, or when nothing is kept from it on (the feed restarted), the whole feed is
   * read in `_id` order (on FerretDB, a scan). On MongoDB either is one IXSCAN of `_id_` backwards, stopped by the limit.
   */
  async function newestSeq(): Promise<number | undefined> {
    for (let from = highestSeen; from !== undefined; ) {
      const to = readBound(from);
      const newest = await Feed.findOne({ _id: { $gte: from, $lte: to } }, { _id: 1 }).sort({ _id: -1 }).lean();
      if (!newest) break;
      if (newest._id < to) return saw(newest._id);
      from = to;
    }
    const newest = await Feed.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean();
    // Set, not raised: after a restart the numbers seen before are above the feed.
    highestSeen = newest?._id;
    return highestSeen;
  }

  /** The feed's current end; the first call on an empty database writes entry 0, so the feed never is empty. */
  async function currentSeq(): Promise<number> {
    const newest = await newestSeq();
    if (newest !== undefined) return newest;
    const now = new Date(clock());
    try {
      await Feed.create({ _id: 0, sessionIds: [], createdAt: now, expiresAt: new Date(now.getTime() + FEED_RETENTION_MS) });
      return 0;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return (await newestSeq()) ?? 0;
    }
  }

  async function insertAboveNewest(sessionIds: string[]): Promise<number> {
    let seq = (await newestSeq()) ?? -1;
    for (let duplicates = 0; ; ) {
      seq += 1;
      const now = new Date(clock());
      try {
        await Feed.create({ _id: seq, sessionIds, createdAt: now, expiresAt: new Date(now.getTime() + FEED_RETENTION_MS) });
        return saw(seq);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // `seq` exists, so `seq + 1` may follow it; after a few losses, jump to the newest instead.
        duplicates += 1;
        if (duplicates % DUPLICATES_BEFORE_REREAD === 0) seq = Math.max(seq, (await newestSeq()) ?? seq);
      }
    }
  }

  /** Appends one entry; made again at the top if it took longer than the guard (see APPEND_GUARD_MS). */
  async function appendEntry(sessionIds: string[]): Promise<number> {
    for (;;) {
      const startedAt = performance.now();
      const seq = await insertAboveNewest(sessionIds);
      if (performance.now() - startedAt <= APPEND_GUARD_MS) return seq;
    }
  }

  /**
   * Group commit: while one append of this process is in flight, the next ones wait and then go out
   * together as one entry, so concurrent logouts on one instance do not race each other for numbers.
   */
  let waiting: { sessionIds: string[]; settle: Array<{ resolve: (seq: number) => void; reject: (error: unknown) => void }> } | undefined;
  let draining = false;

  async function drain(): Promise<void> {
    draining = true;
    while (waiting) {
      const batch = waiting;
      waiting = undefined;
      try {
        const seq = await appendEntry(batch.sessionIds);
        for (const { resolve } of batch.settle) resolve(seq);
      } catch (error) {
        for (const { reject } of batch.settle) reject(error);
      }
    }
    draining = false;
  }

  /** Appends these (already revoked) sessions to the feed; resolves once an entry naming them is committed. */
  function append(sessionIds: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      waiting ??= { sessionIds: [], settle: [] };
      waiting.sessionIds.push(...sessionIds);
      waiting.settle.push({ resolve, reject });
      if (!draining) void drain();
    });
  }

  async function readRange(range: { $gte: number; $lte?: number }): Promise<FeedEntry[]> {
    const entries = await Feed.find({ _id: range }, { _id: 1, sessionIds: 1 }).sort({ _id: 1 }).lean();
    return entries.map((entry) => ({ seq: saw(entry._id), sessionIds: entry.sessionIds }));
  }

  /**
   * Entries from `seq` on (itself included, when still kept), in sequence order, read in bounded ranges
   * (see READ_SPAN): the next range is read only when the current one's last number exists. Without it no
   * entry above it is visible either (kept entries have no gaps), save one that committed during this read,
   * which, like an entry after a gap, the reader takes on its next poll. When nothing is found in the first
   * range, the position and the range above it were pruned, or the feed restarted below it: one read
   * without an upper bound says which.
   */
  async function readFrom(seq: number): Promise<FeedEntry[]> {
    const entries: FeedEntry[] = [];
    for (let from = seq; ; ) {
      const to = readBound(from);
      const found = await readRange({ $gte: from, $lte: to });
      if (found.at(-1)?.seq !== to) {
        entries.push(...found);
        break;
      }
      entries.push(...found.slice(0, -1));
      from = to;
    }
    return entries.length > 0 ? entries : readRange({ $gte: seq });
  }

  /** Deletes entries older than the newest expired one; never the newest entry, never from the middle. */
  async function prune(now = new Date(clock())): Promise<number> {
    const newestExpired = await Feed.findOne({ expiresAt: { $lt: now } }, { _id: 1 }).sort({ _id: -1 }).lean();
    if (!newestExpired) return 0;
    const { deletedCount } = await Feed.deleteMany({ _id: { $lt: newestExpired._id } });
    return deletedCount;
  }

  return { currentSeq, append, readFrom, prune };
}
