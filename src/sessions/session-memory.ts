import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '../clock';
import { SessionError } from './session-errors';
import type { RevocationFeed } from './session-repository';

/**
 * What this instance knows about sessions without asking the database, and the barrier that keeps that
 * knowledge honest across instances (docs/SCALING.md has the argument in full):
 *
 * - active: "session S of user U was active when read, and stays so until expiresAt unless revoked";
 * - revoked: "session S is dead" (revoked, expired or gone), which never reverts and so is always safe.
 *
 * The lease: every instance polls the revocation feed every leaseMs / 4 and trusts its `active` memory
 * only while its last successful poll started less than leaseMs ago. A revoking request commits its
 * revocations, appends them to the feed, and answers only once leaseMs has passed since the append
 * committed (publishRevocations). Any instance answering from memory after that answer has a poll that
 * started after the commit, and that poll saw the entry and forgot the session.
 *
 * Durations are measured with the monotonic clock (performance.now), never with wall-clock time, so a
 * clock that is set wrong, or jumps, changes nothing. leaseMs = 0 turns all of it off: every request reads
 * the database.
 */

export interface SessionMemorySettings {
  /** 0 = no memory: every check reads the database. */
  leaseMs: number;
  maxEntries: number;
}

/**
 * Rate drift between two machines' monotonic clocks is parts per million; this much more than the lease
 * is waited out anyway, so the bound never depends on the two clocks ticking at exactly the same speed.
 */
const LEASE_SAFETY_FACTOR = 1.01;
const LEASE_SAFETY_MS = 2;
/**
 * A remembered session is read again after this long. The feed is what makes memory safe; this only
 * bounds the damage if a revoking process died between committing a revocation and appending it to the
 * feed (such a request never answered, so no promise was broken, but the session should still die).
 */
export const REVALIDATE_AFTER_MS = 60_000;
/** Expired entries are pruned from the feed about this often by each instance. */
const PRUNE_EVERY_MS = 30_000;

interface ActiveEntry {
  userId: string;
  expiresAtMs: number;
  rememberedAt: number;
  /** What the caller keeps beside the session (the user's public fields): it goes when the session goes. */
  attachment?: unknown;
}

export type MemoryAnswer = 'active' | 'revoked' | 'unknown' | 'unverified';

/** The one thing the memory says about itself: warnings (a pino logger fits). */
export interface WarningLog {
  warn(fields: object, message: string): void;
  warn(message: string): void;
}

export interface SessionMemoryOptions {
  logger?: WarningLog;
  /** The monotonic clock in ms, for the lease; tests move their own instead of sleeping. */
  now?: () => number;
  /** The wall clock, for sessions' expiry. */
  clock?: Clock;
  /** Told how long each revoking request spent in the barrier (append and wait), in seconds. */
  onBarrierPassed?: (seconds: number) => void;
}

export function createSessionMemory(feed: RevocationFeed, settings: SessionMemorySettings, { logger, now: monotonicNow = () => performance.now(), clock = systemClock, onBarrierPassed }: SessionMemoryOptions = {}) {
  const enabled = settings.leaseMs > 0;
  const pollEveryMs = Math.max(1, Math.floor(settings.leaseMs / 4));
  const active = new Map<string, ActiveEntry>();
  /** Session id -> the `seq` at which it became known dead here; insertion order = age. */
  const revoked = new Map<string, number>();
  /** Counts forgets; a read may fill memory only if nothing it could have missed was forgotten since. */
  let seq = 0;
  /**
   * Reads with an older ticket may not fill memory: what they might have missed is no longer recorded. It
   * starts above every ticket, so nothing is remembered before the first poll has found the feed's end.
   */
  let oldestAdmissibleRead = 1;
  /** The feed position read up to; undefined until the first poll has found the feed's end. */
  let feedPosition: number | undefined;
  let lastGoodPollStartedAt = Number.NEGATIVE_INFINITY;
  let lastPruneAt = monotonicNow();
  /** Revoked sessions whose feed entry could not be written yet; the poller keeps trying. */
  const unpublished: string[][] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = !enabled;
  let pollInFlight: Promise<void> | undefined;

  function isTrusted(now = monotonicNow()): boolean {
    return now - lastGoodPollStartedAt < settings.leaseMs;
  }

  /**
   * 'active' or 'revoked': memory alone may answer. 'unknown': read the database. 'unverified': remembered
   * active, but the lease has run out; wait for the next poll (whenPolled) and ask again.
   */
  function check(sessionId: string, userId: string): MemoryAnswer {
    if (!enabled) return 'unknown';
    if (revoked.has(sessionId)) return 'revoked';
    const entry = active.get(sessionId);
    if (!entry || entry.userId !== userId) return 'unknown';
    const now = monotonicNow();
    if (entry.expiresAtMs <= clock() || now - entry.rememberedAt >= REVALIDATE_AFTER_MS) {
      active.delete(sessionId);
      return 'unknown';
    }
    return isTrusted(now) ? 'active' : 'unverified';
  }

  /**
   * Keeps a value beside a remembered session, forgotten with it (revoked, expired, evicted or read
   * again). Nothing is kept for a session that is not remembered active.
   */
  function attach(sessionId: string, userId: string, value: unknown): void {
    const entry = active.get(sessionId);
    if (entry && entry.userId === userId) entry.attachment = value;
  }

  /** The value kept beside the session, while memory may still answer "active" for it. */
  function attachmentOf(sessionId: string, userId: string): unknown {
    return check(sessionId, userId) === 'active' ? active.get(sessionId)?.attachment : undefined;
  }

  /** Taken before a database read; the read's result may fill memory only if nothing was forgotten since. */
  function beginRead(): { ticket: number; startedAt: number } {
    return { ticket: seq, startedAt: monotonicNow() };
  }

  /**
   * Whether a request may take the answer of a read another request began at `startedAt`. Only while that
   * is less than a lease ago: a read that began before a revocation committed could answer "active", and
   * a request that starts a lease after the commit (after the revoking request answered) must not get it.
   */
  function mayShareRead(startedAt: number): boolean {
    return enabled && monotonicNow() - startedAt < settings.leaseMs;
  }

  function rememberActive(sessionId: string, userId: string, expiresAt: Date, read: { ticket: number }): void {
    const readTicket = read.ticket;
    // A revocation learnt after the read began may concern this very session: the revoked map says so,
    // unless the mark was evicted, and then oldestAdmissibleRead has moved past the ticket.
    if (!enabled || readTicket < oldestAdmissibleRead || revoked.has(sessionId)) return;
    if (active.size >= settings.maxEntries && !active.has(sessionId)) {
      // Oldest first: cheap, and an evicted session costs one read.
      active.delete(active.keys().next().value as string);
    }
    active.set(sessionId, { userId, expiresAtMs: expiresAt.getTime(), rememberedAt: monotonicNow() });
  }

  /** The session is dead for good: never answer "active" for it from memory again. */
  function rememberRevoked(sessionId: string): void {
    if (!enabled) return;
    active.delete(sessionId);
    seq += 1;
    revoked.delete(sessionId); // re-inserted, so the map stays ordered by age
    revoked.set(sessionId, seq);
    if (revoked.size > settings.maxEntries) {
      const [oldestId, oldestSeq] = revoked.entries().next().value as [string, number];
      revoked.delete(oldestId);
      oldestAdmissibleRead = Math.max(oldestAdmissibleRead, oldestSeq);
    }
  }

  /**
   * A revocation whose write failed may or may not have landed: forget the sessions without claiming they
   * are dead, and void the reads in flight, which no revoked mark would stop from remembering them again.
   */
  function forgetUncertain(sessionIds: string[]): void {
    if (!enabled) return;
    for (const sessionId of sessionIds) active.delete(sessionId);
    seq += 1;
    oldestAdmissibleRead = seq;
  }

  /** Forgets every active session, and voids every read in flight: the feed can no longer vouch for them. */
  function forgetAllActive(why: string): void {
    logger?.warn({ why }, 'session memory: forgetting every remembered session; they are read from the database again');
    active.clear();
    seq += 1;
    oldestAdmissibleRead = seq;
  }

  async function retryUnpublished(): Promise<void> {
    while (unpublished.length > 0) {
      await feed.append(unpublished[0]!);
      unpublished.shift();
    }
  }

  async function pollFeed(): Promise<void> {
    const startedAt = monotonicNow();
    if (feedPosition === undefined) {
      // Memory is empty: the feed's current end is all this instance needs to know. Only reads that begin
      // after this one may fill memory: a revocation they miss is appended above the end found here.
      seq += 1;
      oldestAdmissibleRead = seq;
      feedPosition = await feed.currentSeq();
      lastGoodPollStartedAt = Math.max(lastGoodPollStartedAt, startedAt);
      return;
    }
    const entries = await feed.readFrom(feedPosition);
    let next = 0;
    if (entries.length === 0) {
      // The feed holds nothing at or above our position: it was dropped or restored from a backup.
      forgetAllActive('the revocation feed restarted');
      feedPosition = await feed.currentSeq();
    } else if (entries[0]!.seq === feedPosition) {
      next = 1;
    } else if (entries[0]!.seq > feedPosition + 1) {
      // Our own position was pruned, and the one after it too: entries were dropped unread.
      forgetAllActive('this instance fell behind the revocation feed');
    }
    let expected = entries[next]?.seq ?? Number.NaN;
    for (const entry of entries.slice(next)) {
      // A gap is an entry committed after this query began: the next poll reads it and what follows.
      if (entry.seq !== expected) break;
      for (const sessionId of entry.sessionIds) rememberRevoked(sessionId);
      feedPosition = entry.seq;
      expected += 1;
    }
    lastGoodPollStartedAt = Math.max(lastGoodPollStartedAt, startedAt);
    if (unpublished.length > 0) await retryUnpublished();
    if (startedAt - lastPruneAt >= PRUNE_EVERY_MS) {
      lastPruneAt = startedAt;
      await feed.prune();
    }
  }

  /**
   * The running poll, or a new one. Requests whose sessions are remembered but unverified all wait on this
   * one query rather than each reading the database: under load that keeps the database free enough for
   * the poll to finish.
   */
  function whenPolled(): Promise<void> {
    pollInFlight ??= pollFeed()
      .catch((error: unknown) =>
        logger?.warn({ err: error }, 'session memory: revocation feed poll failed; requests read the database until one succeeds'),
      )
      .finally(() => {
        pollInFlight = undefined;
      });
    return pollInFlight;
  }

  /**
   * The barrier of a revoking request: the sessions are already revoked in the database; forget them here,
   * append them to the feed, and return once every other instance has either seen the entry or stopped
   * trusting its memory. A feed that cannot be written throws revocation_unconfirmed (a 503); the entry is appended later by the
   * poller, and the revocation itself already holds in the database.
   */
  async function publishRevocations(sessionIds: string[]): Promise<void> {
    for (const sessionId of sessionIds) rememberRevoked(sessionId);
    // Announced even with memory off here: other processes (instances, the operator command) may remember.
    if (sessionIds.length === 0) return;
    const startedAt = monotonicNow();
    let committedAt: number;
    try {
      await feed.append(sessionIds);
      committedAt = monotonicNow();
    } catch (error) {
      // Only a process that polls retries; one with memory off relies on the client's retry.
      if (enabled) unpublished.push(sessionIds);
      logger?.warn({ err: error }, 'revocation committed but not yet announced to other instances; retrying in the background');
      throw new SessionError('revocation_unconfirmed');
    }
    if (!enabled) return;
    const waitMs = committedAt + settings.leaseMs * LEASE_SAFETY_FACTOR + LEASE_SAFETY_MS - monotonicNow();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    onBarrierPassed?.((monotonicNow() - startedAt) / 1000);
  }

  /**
   * Polls start every leaseMs / 4, counted from the previous start, not its end: a poll slowed by a busy
   * database is followed at once by the next rather than a full interval later, so memory stays trusted
   * unless one poll takes most of the lease.
   */
  function scheduleNextPoll(previousStartedAt = monotonicNow()): void {
    if (stopped) return;
    const delay = Math.max(0, previousStartedAt + pollEveryMs - monotonicNow());
    timer = setTimeout(() => {
      const startedAt = monotonicNow();
      void whenPolled().finally(() => scheduleNextPoll(startedAt));
    }, delay);
    // The poller never keeps a process alive on its own.
    timer.unref();
  }

  function stop(): void {
    stopped = true;
    clearTimeout(timer);
    active.clear();
  }

  /** Milliseconds since the last successful poll started: how far behind the feed this instance may be. */
  function feedLagMs(): number {
    return monotonicNow() - lastGoodPollStartedAt;
  }

  // The first poll starts now, so that every read the instance makes is admissible once it has found the
  // feed's end; later polls follow every leaseMs / 4.
  if (enabled) void whenPolled();
  scheduleNextPoll();
  return {
    enabled,
    check,
    attach,
    attachmentOf,
    whenPolled,
    beginRead,
    mayShareRead,
    rememberActive,
    rememberRevoked,
    forgetUncertain,
    publishRevocations,
    feedLagMs,
    stop,
  };
}

export type SessionMemory = ReturnType<typeof createSessionMemory>;
