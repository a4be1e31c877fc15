import type { Session, SessionEndReason } from './session';

/** The three lifetimes a session lives by, in seconds (REFRESH_TOKEN_TTL and friends: docs/API.md). */
export interface SessionLifetimeSettings {
  /** The idle timeout: a session not refreshed for this long ends. */
  refreshTokenTtlSeconds: number;
  /** A session ends this long after it was created, however often it is refreshed. */
  sessionAbsoluteLifetimeSeconds: number;
}

export function createSessionLifetime(settings: SessionLifetimeSettings) {
  const idleMs = settings.refreshTokenTtlSeconds * 1000;
  const absoluteMs = settings.sessionAbsoluteLifetimeSeconds * 1000;

  /** The idle timeout counted from `now`, never past the session's absolute end. */
  function nextExpiry(createdAt: Date, now: Date): Date {
    return new Date(Math.min(now.getTime() + idleMs, createdAt.getTime() + absoluteMs));
  }

  /**
   * The session with `expiresAt` as it stands under today's settings: a lifetime shortened since the
   * session was written shortens it too.
   */
  function withEffectiveEnd(session: Session): Session {
    const end = Math.min(session.expiresAt.getTime(), session.createdAt.getTime() + absoluteMs);
    return end === session.expiresAt.getTime() ? session : { ...session, expiresAt: new Date(end) };
  }

  function isLive(session: Session, nowMs: number): boolean {
    return withEffectiveEnd(session).expiresAt.getTime() > nowMs;
  }

  /** Why an ended session ended by itself: its absolute lifetime, or the idle timeout that came first. */
  function expiryReason(session: Session): Extract<SessionEndReason, 'idle_expired' | 'absolute_expired'> {
    return session.createdAt.getTime() + absoluteMs <= session.expiresAt.getTime() ? 'absolute_expired' : 'idle_expired';
  }

  /** Sessions created before this are past their absolute lifetime. */
  function absoluteCutoff(nowMs: number): Date {
    return new Date(nowMs - absoluteMs);
  }

  return { idleMs, nextExpiry, withEffectiveEnd, isLive, expiryReason, absoluteCutoff };
}

export type SessionLifetime = ReturnType<typeof createSessionLifetime>;
