import type { RequestHandler } from 'express';
import type { AuditLog } from '../audit-log';
import type { Config } from '../config';
import { parseInput } from '../http/validate';
import type { SessionCore } from '../sessions/session-core';
import { logoutQuerySchema, sessionIdParamsSchema } from './auth-schemas';
import { authOf, provenSessionsOf } from './auth-middleware';
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

  const logout: RequestHandler = async (req, res) => {
    const { scope } = parseInput(logoutQuerySchema, req.query);
    const proven = provenSessionsOf(req);
    const ended = await core.logout(proven, scope);
    proven.forEach((caller, i) => {
      audit.record(req, 'logout', { scope, userId: caller.userId, sessionId: caller.sessionId, via: caller.via, revokedSessions: ended[i] });
    });
    const revokedSessions = ended.reduce((sum, count) => sum + count, 0);
    if (scope === 'local') {
      res.json({ success: true, message: 'Logged out successfully' });
      return;
    }
    const message = scope === 'global' ? 'Logged out of all sessions' : 'Logged out of all other sessions';
    res.json({ success: true, message, revokedSessions });
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

  return { endBrowserSessionFirst, logout, listSessions, revokeSession };
}
