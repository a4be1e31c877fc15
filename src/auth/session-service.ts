import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import type { LogoutScope } from './auth-schemas';
import type { SessionStore } from './session-store';
import { looksLikeRefreshToken, verifyAccessToken, type AccessClaims, type AccessTokenSettings } from './tokens';

/**
 * What a caller can do with sessions, in the words of the API: validate a token, list, revoke, log out.
 * The auth middleware validates through it and the controllers act through it; only this service talks
 * to the session store on their behalf, so a request enters the store from one side, top-down.
 */

/** A session a request's credentials prove, as its user and session ids. */
export type SessionCaller = AccessClaims;

export interface SessionView {
  id: string;
  /** The session of the credentials that made the request. */
  current: boolean;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string;
  ip: string;
}

export function createSessionService(store: SessionStore, tokenSettings: AccessTokenSettings) {
  /** The caller of a signed, unexpired access token whose session is still active. */
  async function validateAccessToken(token: string): Promise<SessionCaller | undefined> {
    const claims = await verifyAccessToken(tokenSettings, token);
    if (!claims) return undefined;
    return (await store.isSessionActive(claims.sessionId, claims.userId)) ? claims : undefined;
  }

  /**
   * A Bearer token this server signed, judged without the database: whether its session is active is the
   * route's authentication to find out (the CSRF check's exemption, src/auth/auth-middleware.ts).
   */
  async function isSignedAccessToken(token: string): Promise<boolean> {
    return (await verifyAccessToken(tokenSettings, token)) !== undefined;
  }

  /** The session whose current refresh token this is (or was, within the rotation grace period). */
  async function validateRefreshToken(token: string): Promise<SessionCaller | undefined> {
    if (!looksLikeRefreshToken(token)) return undefined;
    const session = await store.findSessionByRefreshToken(token);
    return session ? { userId: session.userId.toString(), sessionId: session._id.toString() } : undefined;
  }

  /** The caller's user's active sessions, newest first, the caller's own marked. */
  async function listSessions(caller: SessionCaller): Promise<SessionView[]> {
    const active = await store.listActiveSessions(caller.userId);
    return active.map((s) => ({
      id: s._id.toString(),
      current: s._id.toString() === caller.sessionId,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      expiresAt: s.expiresAt,
      userAgent: s.userAgent,
      ip: s.ip,
    }));
  }

  /**
   * Revokes one of the caller's user's sessions. Another user's session answers exactly like an unknown
   * one, so ids cannot be probed. Returns whether it was the caller's own.
   */
  async function revokeSession(caller: SessionCaller, sessionId: string): Promise<{ wasCurrent: boolean }> {
    const target = await store.findActiveSession(sessionId, caller.userId);
    if (!target) throw new ApiError(errors.SESSION_NOT_FOUND);
    await store.revokeSession(sessionId, caller.userId, 'session_revoked');
    // The id as stored (lower-case hex), not as typed.
    return { wasCurrent: target._id.toString() === caller.sessionId };
  }

  /**
   * The sessions one logout acts for: every one the request proved (several only when cookies were planted
   * beside the real ones: each is logged out, so a planted one cannot shield the real session). "others"
   * spares the caller's session; with several proven there is no telling which is the caller's: refused.
   */
  function sessionsToLogOut<Caller extends SessionCaller>(proven: Caller[], scope: LogoutScope): Caller[] {
    if (proven.length === 0 || (scope === 'others' && proven.length > 1)) throw new ApiError(errors.UNAUTHORIZED);
    return proven;
  }

  /** Revokes the caller's session, the others, or all; returns how many sessions this call revoked. */
  async function logout(caller: SessionCaller, scope: LogoutScope): Promise<number> {
    switch (scope) {
      case 'local':
        return (await store.revokeSession(caller.sessionId, caller.userId, 'logout')) ? 1 : 0;
      case 'others':
        return store.revokeOtherSessions(caller.userId, caller.sessionId, 'logout_others');
      case 'global':
        return store.revokeAllSessions(caller.userId, 'logout_global');
    }
  }

  return { validateAccessToken, isSignedAccessToken, validateRefreshToken, listSessions, revokeSession, sessionsToLogOut, logout };
}

export type SessionService = ReturnType<typeof createSessionService>;
