import type { Request, RequestHandler } from 'express';
import type { AuditLog } from '../audit-log';
import type { Config } from '../config';
import { parseInput } from '../http/validate';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import { logoutQuerySchema, sessionIdParamsSchema, type LogoutScope } from './auth-schemas';
import { authOf, provenSessionsOf, type AuthContext } from './auth-middleware';
import { endBrowserSession } from './cookies';
import type { SessionService } from './session-service';

/** Logout and the caller's sessions: HTTP in, one session-service call, HTTP out. */
export function createSessionController(deps: { config: Config; sessions: SessionService; audit: AuditLog }) {
  const { config, sessions, audit } = deps;

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

  /** Logs out every session the request proved, each audited; how many sessions that revoked. */
  async function logOutProvenSessions(req: Request, proven: AuthContext[], scope: LogoutScope): Promise<number> {
    let revokedSessions = 0;
    for (const caller of proven) {
      const revoked = await sessions.logout(caller, scope);
      audit.record(req, 'logout', { scope, userId: caller.userId, sessionId: caller.sessionId, via: caller.via, revokedSessions: revoked });
      revokedSessions += revoked;
    }
    return revokedSessions;
  }

  const logout: RequestHandler = async (req, res) => {
    const { scope } = parseInput(logoutQuerySchema, req.query);
    const revokedSessions = await logOutProvenSessions(req, sessions.sessionsToLogOut(provenSessionsOf(req), scope), scope);
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
    await logOutProvenSessions(req, req.provenSessions, 'local');
    throw new ApiError(errors.REFRESH_AMBIGUOUS);
  };

  const listSessions: RequestHandler = async (req, res) => {
    const active = await sessions.listSessions(authOf(req));
    res.json({
      success: true,
      sessions: active.map((s) => ({
        ...s,
        createdAt: s.createdAt.toISOString(),
        lastUsedAt: s.lastUsedAt.toISOString(),
        expiresAt: s.expiresAt.toISOString(),
      })),
    });
  };

  const revokeSession: RequestHandler = async (req, res) => {
    const { id } = parseInput(sessionIdParamsSchema, req.params);
    const { wasCurrent } = await sessions.revokeSession(authOf(req), id);
    if (wasCurrent) endBrowserSession(res, config);
    res.json({ success: true, message: 'Session revoked' });
  };

  return { endBrowserSessionFirst, logout, refuseSeveralRefreshTokens, listSessions, revokeSession };
}
