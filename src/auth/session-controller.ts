import type { RequestHandler } from 'express';
import type { AuditLog } from '../audit-log';
import type { Config } from '../config';
import { parseInput } from '../http/validate';
import { logoutQuerySchema, sessionIdParamsSchema } from './auth-schemas';
import { authOf, provenSessionsOf } from './auth-middleware';
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

  const logout: RequestHandler = async (req, res) => {
    const { scope } = parseInput(logoutQuerySchema, req.query);
    let revokedSessions = 0;
    for (const caller of sessions.sessionsToLogOut(provenSessionsOf(req), scope)) {
      const revoked = await sessions.logout(caller, scope);
      audit.record(req, 'logout', { scope, userId: caller.userId, sessionId: caller.sessionId, via: caller.via, revokedSessions: revoked });
      revokedSessions += revoked;
    }
    if (scope === 'local') {
      res.json({ success: true, message: 'Logged out successfully' });
      return;
    }
    const message = scope === 'global' ? 'Logged out of all sessions' : 'Logged out of all other sessions';
    res.json({ success: true, message, revokedSessions });
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

  return { endBrowserSessionFirst, logout, listSessions, revokeSession };
}
