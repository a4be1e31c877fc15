/**
 * The relying service's side of the revocation barrier: it follows the API's revocation feed
 * (GET /api/v1/revocations) every lease / 4 and trusts what it remembers only while its last successful
 * read started less than the lease ago, the lease being the one the API answers with. A revoking request
 * on the API answers only a lease after its feed entry committed, so a read that started after the commit
 * (and so saw the entry) has happened before this service may answer from memory again. docs/SCALING.md,
 * "Relying services", has the argument; src/auth/session-memory.ts is the instances' version of it.
 */

export interface FeedAnswer {
  leaseMs: number;
  entries: Array<{ seq: number; sessionIds: string[] }>;
}

export interface FollowerHooks {
  /** Reads the feed from `from` (undefined: the newest entry). Throws when the API cannot be read. */
  read(from: number | undefined): Promise<FeedAnswer>;
  /** The monotonic clock, in ms. */
  now(): number;
  /** Every session the feed names, as it is read. */
  revoked(sessionId: string): void;
  /** Everything remembered must go: the feed can no longer vouch for it (restarted, or entries lost unread). */
  forgetAll(why: string): void;
  onPollError?(error: unknown): void;
}

/** How often a follower that has no lease yet (or lost the API) tries again. */
const RETRY_MS = 100;

export function createRevocationFollower(hooks: FollowerHooks) {
  let position: number | undefined;
  let leaseMs: number | undefined;
  let lastGoodPollStartedAt = Number.NEGATIVE_INFINITY;
  let pollInFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function poll(): Promise<void> {
    const startedAt = hooks.now();
    const answer = await hooks.read(position);
    if (position !== undefined && answer.entries.length === 0) {
      // Nothing at or above our position: the feed was dropped or restored. Start again from its end.
      hooks.forgetAll('the revocation feed restarted');
      position = undefined;
      return;
    }
    if (position === undefined) {
      // Nothing was remembered before this read, and only what is checked after it began is: a revocation
      // missed in between is above the end found here.
      hooks.forgetAll('starting to follow the revocation feed');
      position = answer.entries[answer.entries.length - 1]?.seq ?? 0;
    } else {
      let next = 0;
      if (answer.entries[0]!.seq === position) next = 1;
      else if (answer.entries[0]!.seq > position + 1) hooks.forgetAll('fell behind the revocation feed');
      let expected = answer.entries[next]?.seq ?? Number.NaN;
      for (const entry of answer.entries.slice(next)) {
        // A gap is an entry committed after the API's query began: the next read gets it.
        if (entry.seq !== expected) break;
        for (const sessionId of entry.sessionIds) hooks.revoked(sessionId);
        position = entry.seq;
        expected += 1;
      }
    }
    leaseMs = answer.leaseMs;
    lastGoodPollStartedAt = Math.max(lastGoodPollStartedAt, startedAt);
  }

  /** The running read, or a new one; never rejects. */
  function whenPolled(): Promise<void> {
    pollInFlight ??= poll()
      .catch((error: unknown) => hooks.onPollError?.(error))
      .finally(() => {
        pollInFlight = undefined;
      });
    return pollInFlight;
  }

  function schedule(previousStartedAt: number): void {
    if (stopped) return;
    // Every lease / 4 from the previous start, as the API's instances poll: a poll slowed by load is
    // followed at once. Until the API has named a lease (or when it keeps none), every RETRY_MS.
    const every = leaseMs !== undefined && leaseMs > 0 ? Math.max(1, Math.floor(leaseMs / 4)) : RETRY_MS;
    const delay = Math.max(0, previousStartedAt + every - hooks.now());
    timer = setTimeout(() => {
      const startedAt = hooks.now();
      void whenPolled().finally(() => schedule(startedAt));
    }, delay);
    timer.unref();
  }

  /** Whether memory may answer now: the last successful read started less than the lease ago. */
  function isTrusted(now = hooks.now()): boolean {
    return leaseMs !== undefined && leaseMs > 0 && now - lastGoodPollStartedAt < leaseMs;
  }

  return {
    start() {
      stopped = false;
      const startedAt = hooks.now();
      void whenPolled().finally(() => schedule(startedAt));
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    isTrusted,
    whenPolled,
    /** The API's lease, once known; 0 means the API keeps no memory, and neither may this service. */
    leaseMs: () => leaseMs,
  };
}
