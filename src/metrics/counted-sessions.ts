import type { Counter } from 'prom-client';
import { RefreshTokenReusedError, type SessionStore } from '../auth/session-store';

/**
 * The session store with every revocation counted by reason, as many as were actually revoked (a
 * revocation of a session already revoked counts nothing). Its public revoke functions are the only
 * ways in for the API, the password change and the operator command; the one revocation the store makes
 * by itself, of a session whose refresh token was replayed, surfaces as RefreshTokenReusedError.
 */
export function countRevocations(sessions: SessionStore, revocations: Counter<'reason'>): SessionStore {
  return {
    ...sessions,
    async revokeSession(sessionId, userId, reason) {
      const revoked = await sessions.revokeSession(sessionId, userId, reason);
      if (revoked) revocations.inc({ reason });
      return revoked;
    },
    async revokeOtherSessions(userId, currentSessionId, reason) {
      const count = await sessions.revokeOtherSessions(userId, currentSessionId, reason);
      revocations.inc({ reason }, count);
      return count;
    },
    async revokeAllSessions(userId, reason) {
      const count = await sessions.revokeAllSessions(userId, reason);
      revocations.inc({ reason }, count);
      return count;
    },
    async rotateRefreshToken(refreshToken) {
      try {
        return await sessions.rotateRefreshToken(refreshToken);
      } catch (error) {
        if (error instanceof RefreshTokenReusedError) revocations.inc({ reason: 'refresh_token_reused' });
        throw error;
      }
    },
  };
}
