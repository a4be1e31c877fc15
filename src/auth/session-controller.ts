import type { Request, RequestHandler } from 'express';
import type { AuditLog } from '../audit-log';
import type { Config } from '../config';
import { parseInput } from '../http/validate';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import type { LogoutScope } from '../sessions/session';
import type { SessionCore } from '../sessions/session-core';
import { logoutQuerySchema, sessionIdParamsSchema } from './auth-schemas';
import { authOf, provenSessionsOf, type AuthContext } from './auth-middleware';
import { endBrowserSession } from './cookies';

/** Logout and the caller's sessions: HTTP in, one session-core call, HTTP out. */
export function createSessionController(deps: { config: Config; core: SessionCore; audit: AuditLog }) {
  const { config, core, audit } = deps;

  /**
   * Logout's first step, before its authentication: ending this browser's session does not depend on the
   * database, so the cookies go (with Clear-Site-Data) first, and even a logout that then fails leaves the
   * browser logged out. "others" keeps the caller signed in, so its cookies stay.
   */
  const endBrowserSessionFirst: RequestHandler = (req, res, next) => {
    const { scope } = parseInput(logoutQuerySchema, req.query);
    if (scope !== 'others') endBrowserSession(res, config);
    next();
  };

  /** Logs out every session the request proved (one core call), each audited; how many sessions that ended. */
  async function logOutProvenSessions(req: Request, proven: AuthContext[], scope: LogoutScope): Promise<number> {
    const ended = await core.logout(proven, scope);
    proven.forEach((caller, i) => {
      audit.record(req, 'logout', { scope, userId: caller.userId, sessionId: caller.sessionId, via: caller.via, revokedSessions: ended[i] });
    });
    return ended.reduce((sum, count) => sum + count, 0);
  }

  const logout: RequestHandler = async (req, res) => {
    const { scope } = parseInput(logoutQuerySchema, req.query);
    const revokedSessions = await logOutProvenSessions(req, provenSessionsOf(req), scope);
    if (scope === 'local') {
      res.json({ success: true, message: 'Logged out successfully' });
      return;
    }
    const message = scope === 'global' ? 'Logged out of all sessions' : 'Logged out of all other sessions';
    res.json({ success: true, message, revokedSessions });
  };

  /**
   * Refresh with several different refresh tokens: one was planted (cookie tossing), and refreshing with
   * any would let the planter choose the session. Every session they prove is logged out, as logout
   * would (the planter's included, so that a planted cookie the browser keeps is dead), and the refresh
   * is refused; the route's error step expires the cookies, planted variants included (cookies.ts).
   */
  const refuseSeveralRefreshTokens: RequestHandler = async (req, _res, next) => {
    if (!req.provenSessions) return next();
    if (req.provenSessions.length > 0) await logOutProvenSessions(req, req.provenSessions, 'local');
    throw new ApiError(errors.REFRESH_AMBIGUOUS);
  };

  const listSessions: RequestHandler = async (req, res) => {
    const caller = authOf(req);
    const live = await core.listSessions(caller.userId);
    res.json({
      success: true,
      sessions: live.map((s) => ({
        id: s.id,
        current: s.id === caller.sessionId,
        createdAt: s.createdAt.toISOString(),
        lastUsedAt: s.lastUsedAt.toISOString(),
        expiresAt: s.expiresAt.toISOString(),
        userAgent: s.userAgent,
        ip: s.ip,
      })),
    });
  };

  const revokeSession: RequestHandler = async (req, res) => {
    const caller = authOf(req);
    const { id } = parseInput(sessionIdParamsSchema, req.params);
    await core.endSessions({ userId: caller.userId, sessionId: id }, 'session_deleted');
    // The id as stored (lower-case hex), not as typed.
    if (id.toLowerCase() === caller.sessionId.toLowerCase()) endBrowserSession(res, config);
    res.json({ success: true, message: 'Session revoked' });
  };

  return { endBrowserSessionFirst, logout, refuseSeveralRefreshTokens, listSessions, revokeSession };
}
