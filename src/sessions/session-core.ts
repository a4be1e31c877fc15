import { systemClock, type Clock } from '../clock';
import { generateRefreshToken, hashToken, looksLikeRefreshToken } from './refresh-tokens';
import { createRefreshRotation } from './refresh-rotation';
import type { LogoutScope, Session, SessionCaller, SessionEndReason, SessionSelector } from './session';
import { SessionError } from './session-errors';
import type { DurableSessionEnds, SessionEnds } from './session-events';
import { createSessionExpiry } from './session-expiry';
import { createSessionLifetime, type SessionLifetimeSettings } from './session-lifetime';
import type { SessionMemory } from './session-memory';
import type { SessionRepository } from './session-repository';
import { createRevocation } from './session-revocation';

/**
 * The session core: the one module that starts, authenticates, rotates, lists and ends sessions. It
 * speaks in sessions and callers, returns plain results and throws SessionError; it knows nothing of
 * HTTP, Express or the database driver (an ESLint rule and tests/architecture.test.ts keep it so). Every
 * session end, whatever its reason, passes through one door (session-revocation.ts) and emits one
 * SessionsEnded event.
 */

export interface SessionSettings extends SessionLifetimeSettings {
  refreshReuseGraceSeconds: number;
  /** SESSION_LIMIT_PER_USER; 0 = no limit. */
  sessionLimitPerUser: number;
}

export interface NewSession {
  userId: string;
  userAgent: string;
  ip: string;
}

export interface StartedSession {
  session: Session;
  refreshToken: string;
  /** Sessions of this user ended to keep within the limit, least recently used first. */
  evictedSessionIds: string[];
}

/** Where an authentication was answered, for metrics. */
export type CheckSource = 'memory' | 'revoked_memory' | 'database';

export interface SessionCoreDeps {
  repository: SessionRepository;
  memory: SessionMemory;
  settings: SessionSettings;
  ends: SessionEnds;
  /** What every session end writes inside its revocation (the event outbox); none by default. */
  durable?: DurableSessionEnds;
  clock?: Clock;
  onChecked?: (source: CheckSource) => void;
}

/**
 * Bounds what an authentication waits for (the feed poll in flight, then its own read) by one deadline per
 * request, so that a hung database answers within one bound, not two (src/http/request-deadline.ts).
 */
export type WithinDeadline = <T>(work: Promise<T>) => Promise<T>;

export function createSessionCore({ repository, memory, settings, ends, durable, clock = systemClock, onChecked }: SessionCoreDeps) {
  const lifetime = createSessionLifetime(settings);
  const revocation = createRevocation({ repository, memory, ends, durable, idleMs: lifetime.idleMs, clock });
  const { endSessionsNow } = revocation;

  /** The session if it exists, has not ended and was never revoked. */
  async function findLiveSession(sessionId: string): Promise<Session | undefined> {
    const [session, revoked] = await Promise.all([repository.findSession(sessionId), repository.isRevoked(sessionId)]);
    if (!session || revoked) return undefined;
    const live = lifetime.withEffectiveEnd(session);
    return live.expiresAt.getTime() > clock() ? live : undefined;
  }

  const rotation = createRefreshRotation({ repository, lifetime, revocation, findLiveSession, graceMs: settings.refreshReuseGraceSeconds * 1000, clock });
  const expiry = createSessionExpiry({ repository, lifetime, revocation, clock });

  /**
   * A new session and its first refresh token. `stillAllowed` runs once the session exists: should it say
   * no (the account was deleted while this sign-in checked its password), the session ends at once and
   * nothing is returned.
   */
  async function startSession(input: NewSession, stillAllowed: () => Promise<boolean> = async () => true): Promise<StartedSession | undefined> {
    const now = new Date(clock());
    const refreshToken = generateRefreshToken();
    const session: Session = {
      id: repository.newSessionId(),
      userId: input.userId,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: lifetime.nextExpiry(now, now),
      userAgent: input.userAgent.slice(0, 512),
      ip: input.ip.slice(0, 64),
    };
    const { id: sessionId, userId, expiresAt } = session;
    await repository.insertRefreshToken({ tokenHash: hashToken(refreshToken), sessionId, userId, createdAt: now, expiresAt });
    await repository.insertSession(session);
    if (!(await stillAllowed())) {
      await endSessionsNow(userId, [sessionId], 'account_deleted');
      return undefined;
    }
    return { session, refreshToken, evictedSessionIds: await endSessionsBeyondLimit(userId) };
  }

  /**
   * Keeps the user within the limit by ending all but the most recently used, in one total order
   * (lastUsedAt, then createdAt, then id). Concurrent sign-ins each list after creating their own session;
   * a session among the `limit` most recent of all is among the most recent of any list that contains it,
   * so no sign-in ends it, and the last sign-in to list sees every session and ends the rest. The count may
   * pass the limit only while sign-ins are in flight, by at most their number, and settles at exactly the
   * limit. (More concurrent sign-ins than the limit: the oldest of them may find its own session ended.)
   */
  async function endSessionsBeyondLimit(userId: string): Promise<string[]> {
    const limit = settings.sessionLimitPerUser;
    if (limit <= 0) return [];
    const live = await listSessions(userId);
    if (live.length <= limit) return [];
    const mostRecentFirst = live.sort(
      (a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime() || b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id),
    );
    const excess = mostRecentFirst.slice(limit).map((s) => s.id);
    await endSessionsNow(userId, excess, 'session_limit');
    return excess;
  }

  /**
   * The per-request check behind every access token: memory when it may answer, the database otherwise.
   * Concurrent first requests of one session share one read. Both waits end at the caller's deadline.
   */
  async function authenticate(caller: SessionCaller, withinDeadline: WithinDeadline = (work) => work): Promise<boolean> {
    const { sessionId, userId } = caller;
    let known = memory.check(sessionId, userId);
    if (known === 'unverified') {
      await withinDeadline(memory.whenPolled());
      known = memory.check(sessionId, userId);
    }
    if (known === 'active' || known === 'revoked') {
      onChecked?.(known === 'active' ? 'memory' : 'revoked_memory');
      return known === 'active';
    }
    onChecked?.('database');
    const session = await withinDeadline(readSharingReadsInFlight(sessionId));
    if (!session) {
      memory.rememberRevoked(sessionId);
      return false;
    }
    return session.userId === userId;
  }

  const readsInFlight = new Map<string, { startedAt: number; result: Promise<Session | undefined> }>();

  /** A read of the session, or the one already in flight for it while the memory allows sharing it. */
  function readSharingReadsInFlight(sessionId: string): Promise<Session | undefined> {
    const shared = readsInFlight.get(sessionId);
    if (shared && memory.mayShareRead(shared.startedAt)) return shared.result;
    const read = memory.beginRead();
    const result = findLiveSession(sessionId)
      .then((session) => {
        if (session) memory.rememberActive(sessionId, session.userId, session.expiresAt, read);
        return session;
      })
      .finally(() => {
        if (readsInFlight.get(sessionId)?.result === result) readsInFlight.delete(sessionId);
      });
    readsInFlight.set(sessionId, { startedAt: read.startedAt, result });
    return result;
  }

  /**
   * Keeps a value beside the caller's session in this instance's memory, and gives it back while the
   * memory may answer for the session: what a known session needs besides its liveness (the user's
   * public fields) then costs no read. It goes with the session, so a revocation, which passes the
   * barrier, also ends it on every instance. Whatever is kept must change only through a revocation.
   */
  function keepBesideSession(caller: SessionCaller, value: unknown): void {
    memory.attach(caller.sessionId, caller.userId, value);
  }

  function keptBesideSession(caller: SessionCaller): unknown {
    return memory.attachmentOf(caller.sessionId, caller.userId);
  }

  /** The caller a refresh token proves: its session's current token (or one rotated within the grace period). */
  async function authenticateRefreshToken(refreshToken: string): Promise<SessionCaller | undefined> {
    if (!looksLikeRefreshToken(refreshToken)) return undefined;
    const session = await rotation.findSessionByRefreshToken(refreshToken);
    return session ? { userId: session.userId, sessionId: session.id } : undefined;
  }

  /** The user's live sessions, newest first. */
  async function listSessions(userId: string): Promise<Session[]> {
    const nowMs = clock();
    const sessions = await repository.listUserSessions(userId, { endsAfter: new Date(nowMs), createdAfter: lifetime.absoluteCutoff(nowMs) });
    if (sessions.length === 0) return [];
    const revoked = await repository.revokedAmong(sessions.map((s) => s.id));
    return sessions.filter((s) => !revoked.has(s.id)).map(lifetime.withEffectiveEnd);
  }

  /**
   * Ends the selected sessions; returns how many this call ended. A single session must be a live one of
   * that user, else session_not_found: another user's session answers exactly like an unknown one, so ids
   * cannot be probed.
   */
  async function endSessions(selector: SessionSelector, reason: SessionEndReason): Promise<number> {
    if ('sessionId' in selector) {
      const target = await findLiveSession(selector.sessionId);
      if (!target || target.userId !== selector.userId) throw new SessionError('session_not_found');
      return (await endSessionsNow(selector.userId, [target.id], reason)).length;
    }
    const except = selector.except?.toLowerCase();
    const targets = (await listSessions(selector.userId)).map((s) => s.id).filter((id) => id !== except);
    return (await endSessionsNow(selector.userId, targets, reason)).length;
  }

  const LOGOUT_REASONS: Record<LogoutScope, SessionEndReason> = { local: 'logout', others: 'logout_others', global: 'logout_global' };

  /**
   * Logout for every session the request proved (several only when cookies were planted beside the real
   * ones: each is logged out, so a planted one cannot shield the real session). "others" spares the
   * caller's session; with several proven there is no telling which is the caller's: refused. Returns how
   * many sessions each proven caller's logout ended, in order.
   */
  async function logout(proven: SessionCaller[], scope: LogoutScope): Promise<number[]> {
    if (proven.length === 0 || (scope === 'others' && proven.length > 1)) throw new SessionError('not_authenticated');
    const ended: number[] = [];
    for (const { userId, sessionId } of proven) {
      // Local logout of a session that ended meanwhile (a concurrent logout) is done, not an error.
      ended.push(
        scope === 'local'
          ? (await endSessionsNow(userId, [sessionId], 'logout')).length
          : await endSessions({ userId, allSessions: true, ...(scope === 'others' ? { except: sessionId } : {}) }, LOGOUT_REASONS[scope]),
      );
    }
    return ended;
  }

  /** Forgets a deleted user's sessions, refresh tokens and rotations; their revocations stay until they expire. */
  function forgetUserSessions(userId: string): Promise<void> {
    return repository.deleteUserSessions(userId);
  }

  return {
    startSession,
    authenticate,
    authenticateRefreshToken,
    keepBesideSession,
    keptBesideSession,
    rotateRefreshToken: rotation.rotateRefreshToken,
    listSessions,
    endSessions,
    logout,
    forgetUserSessions,
    endExpiredSessions: expiry.endExpiredSessions,
    startExpirySweeps: expiry.startSweeping,
  };
}

export type SessionCore = ReturnType<typeof createSessionCore>;
