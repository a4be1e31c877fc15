import type { Logger } from 'pino';
import type { SessionModels } from './session-models';

/**
 * An in-process memory of "session S of user U was active, and stays so until expiresAt unless revoked",
 * so that an authenticated request can skip its two database reads. A session stops being active only by
 * expiry (known here) or by revocation, an insert into `session_revocations` stamped with `revokedAt`.
 *
 * - Revocations made by this process forget the session at once (strict on this instance).
 * - Revocations made by other instances are learnt by polling `session_revocations` for recent `revokedAt`.
 * - The bound: the cache answers only while its last successful poll started less than `stalenessMs` ago.
 *   A revocation committed at T is seen by every poll that starts after T, so from T + stalenessMs on no
 *   instance answers from memory for that session. If polls fail or fall behind, the cache simply stops
 *   answering and every request reads the database again: slowness never stretches the bound.
 * - stalenessMs = 0 disables all of it: every request reads the database (strict everywhere).
 */

export interface SessionCacheSettings {
  /** 0 = no cache. */
  stalenessMs: number;
  maxEntries: number;
}

/**
 * Poll windows overlap by this much, so a revocation stamped by a clock up to this far behind ours, or
 * inserted this long after it was stamped, is still seen. Re-reading a few seconds of revocations is cheap.
 */
export const CLOCK_SKEW_MARGIN_MS = 5_000;
/** How long a "revoked here" mark is kept to refuse a slower, older read that would re-cache the session. */
const TOMBSTONE_KEEP_MS = 60_000;

interface Entry {
  userId: string;
  expiresAtMs: number;
}

export function createSessionCache(
  models: Pick<SessionModels, 'SessionRevocation'>,
  settings: SessionCacheSettings,
  logger?: Logger,
) {
  const enabled = settings.stalenessMs > 0;
  const entries = new Map<string, Entry>();
  /** Session id -> { seq at which it was forgotten, when }. */
  const tombstones = new Map<string, { seq: number; at: number }>();
  let seq = 0;
  /** Reads that began at or before this seq may not fill the cache (their tombstones were pruned). */
  let prunedUpTo = 0;
  // The cache starts empty, which is as good as a poll that has just found nothing.
  let lastGoodPollStartedAt = Date.now();
  let pollSince = lastGoodPollStartedAt - CLOCK_SKEW_MARGIN_MS;
  let timer: NodeJS.Timeout | undefined;
  let stopped = !enabled;

  function isTrusted(now: number): boolean {
    return enabled && now - lastGoodPollStartedAt < settings.stalenessMs;
  }

  /**
   * 'active': memory alone may say so. 'unknown': ask the database. 'unverified': remembered, but the last
   * poll is too old to vouch for it; wait for the next poll (whenPolled) rather than read the database.
   */
  function check(sessionId: string, userId: string): 'active' | 'unknown' | 'unverified' {
    const entry = entries.get(sessionId);
    if (!entry || entry.userId !== userId) return 'unknown';
    const now = Date.now();
    if (entry.expiresAtMs <= now) {
      entries.delete(sessionId);
      return 'unknown';
    }
    return isTrusted(now) ? 'active' : 'unverified';
  }

  /** Taken before a database read; the read's result may fill the cache only if nothing was revoked since. */
  function beginRead(): number {
    return seq;
  }

  function rememberActive(sessionId: string, userId: string, expiresAt: Date, readTicket: number): void {
    if (!enabled || readTicket < prunedUpTo) return;
    const tombstone = tombstones.get(sessionId);
    if (tombstone && tombstone.seq > readTicket) return;
    if (entries.size >= settings.maxEntries && !entries.has(sessionId)) {
      // Oldest insertion first: cheap, and an evicted session only costs one database read.
      entries.delete(entries.keys().next().value as string);
    }
    entries.set(sessionId, { userId, expiresAtMs: expiresAt.getTime() });
  }

  function pruneTombstones(now: number): void {
    for (const [sessionId, tombstone] of tombstones) {
      if (now - tombstone.at < TOMBSTONE_KEEP_MS && tombstones.size <= settings.maxEntries) break;
      tombstones.delete(sessionId);
      prunedUpTo = Math.max(prunedUpTo, tombstone.seq);
    }
  }

  /** The session is revoked: never answer for it from memory again. */
  function forget(sessionId: string): void {
    if (!enabled) return;
    entries.delete(sessionId);
    seq += 1;
    tombstones.delete(sessionId); // re-insert so the map stays ordered by age
    tombstones.set(sessionId, { seq, at: Date.now() });
    pruneTombstones(Date.now());
  }

  async function pollRevocations(): Promise<void> {
    const startedAt = Date.now();
    const revoked = await models.SessionRevocation.find({ revokedAt: { $gte: new Date(pollSince) } }, { _id: 1 }).lean();
    for (const revocation of revoked) {
      // Windows overlap (CLOCK_SKEW_MARGIN_MS): a session already forgotten here needs nothing more.
      const sessionId = revocation._id.toString();
      if (!tombstones.has(sessionId)) forget(sessionId);
    }
    pollSince = startedAt - CLOCK_SKEW_MARGIN_MS;
    lastGoodPollStartedAt = Math.max(lastGoodPollStartedAt, startedAt);
  }

  let pollInFlight: Promise<void> | undefined;

  /**
   * The running poll, or a new one. Requests whose sessions are remembered but unverified all wait on this
   * one query instead of each reading the database: under load that is what keeps the database free
   * enough for the poll to finish, rather than every request falling back onto it at once.
   */
  function whenPolled(): Promise<void> {
    pollInFlight ??= pollRevocations()
      .catch((error: unknown) => logger?.warn({ err: error }, 'session cache: revocation poll failed; requests read the database until one succeeds'))
      .finally(() => {
        pollInFlight = undefined;
      });
    return pollInFlight;
  }

  function scheduleNextPoll(): void {
    if (stopped) return;
    // Four polls per bound keep the cache trusted while a poll takes up to three quarters of it.
    timer = setTimeout(() => void whenPolled().finally(scheduleNextPoll), Math.max(1, Math.floor(settings.stalenessMs / 4)));
    // The poller never keeps a process alive on its own.
    timer.unref();
  }

  function stop(): void {
    stopped = true;
    clearTimeout(timer);
    entries.clear();
  }

  scheduleNextPoll();
  return { enabled, check, whenPolled, beginRead, rememberActive, forget, stop, size: () => entries.size };
}

export type SessionCache = ReturnType<typeof createSessionCache>;
