import type { Request, RequestHandler, Response } from 'express';
import { emailFingerprint, type AuditLog } from '../audit-log';
import type { Config } from '../config';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import { RateLimitedError, recordRateLimited } from '../http/rate-limits';
import { parseInput } from '../http/validate';
import { loginSchema, logoutQuerySchema, registerSchema, sessionIdParamsSchema } from './auth-schemas';
import type { AuthService, ClientInfo, SignedIn } from './auth-service';
import { endBrowserSession, expireAuthCookies, readRefreshCookies, setAccessCookie, setRefreshCookie } from './cookies';
import { authOf, type Authenticator } from './require-auth';
import { RefreshTokenReusedError, type SessionStore } from './session-store';
import { looksLikeRefreshToken } from './tokens';

function clientInfo(req: Request): ClientInfo {
  return { userAgent: req.get('user-agent') ?? '', ip: req.ip ?? '' };
}

function isInvalidCredentials(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'INVALID_CREDENTIALS';
}

export function createAuthController(deps: {
  config: Config;
  auth: AuthService;
  sessions: SessionStore;
  authenticator: Authenticator;
  audit: AuditLog;
}) {
  const { config, auth, sessions, authenticator, audit } = deps;

  function sendSignedIn(req: Request, res: Response, status: number, signedIn: SignedIn): void {
    if (signedIn.evictedSessionIds.length > 0) {
      audit.record(req, 'sessions_evicted', { userId: signedIn.user.id, sessionIds: signedIn.evictedSessionIds, limit: config.sessionLimitPerUser });
    }
    setAccessCookie(res, config, signedIn.accessToken, signedIn.expiresIn);
    setRefreshCookie(res, config, signedIn.refreshToken, signedIn.refreshMaxAge);
    res.status(status).json({ success: true, user: signedIn.user, accessToken: signedIn.accessToken, expiresIn: signedIn.expiresIn });
  }

  const register: RequestHandler = async (req, res) => {
    const input = parseInput(registerSchema, req.body ?? {});
    const signedIn = await auth.register(input, clientInfo(req));
    audit.record(req, 'register', { userId: signedIn.user.id, sessionId: signedIn.sessionId });
    sendSignedIn(req, res, 201, signedIn);
  };

  const login: RequestHandler = async (req, res) => {
    const input = parseInput(loginSchema, req.body ?? {});
    const signedIn = await auth.login(input, clientInfo(req)).catch((error: unknown) => {
      if (isInvalidCredentials(error)) audit.record(req, 'login_failed', { account: emailFingerprint(input.email) });
      if (error instanceof RateLimitedError) recordRateLimited(audit, req, error.limiter);
      throw error;
    });
    audit.record(req, 'login', { userId: signedIn.user.id, sessionId: signedIn.sessionId });
    sendSignedIn(req, res, 200, signedIn);
  };

  /**
   * The one well-formed refresh token the request carries, or why it is refused without the database. Two
   * different refresh cookies mean one was planted (cookie tossing): refreshing with the first would sign
   * the browser into whichever session the planter chose.
   */
  function soleRefreshToken(req: Request): string | ApiError {
    const [refreshToken, ...others] = readRefreshCookies(req, config);
    if (others.length > 0) return new ApiError(errors.REFRESH_AMBIGUOUS);
    if (!looksLikeRefreshToken(refreshToken)) return new ApiError(errors.REFRESH_MISSING);
    return refreshToken;
  }

  function carriesOneRefreshToken(req: Request): boolean {
    return typeof soleRefreshToken(req) === 'string';
  }

  /** A refresh token that does not work is of no use to the browser: its cookies are expired with the 401. */
  async function refreshOrEndBrowserSession(req: Request, res: Response) {
    try {
      const refreshToken = soleRefreshToken(req);
      if (refreshToken instanceof ApiError) throw refreshToken;
      return await auth.refresh(refreshToken);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) expireAuthCookies(res, config);
      if (error instanceof RefreshTokenReusedError) {
        audit.record(req, 'refresh_reuse_detected', { userId: error.userId, sessionId: error.sessionId });
      }
      throw error;
    }
  }

  const refresh: RequestHandler = async (req, res) => {
    const result = await refreshOrEndBrowserSession(req, res);
    audit.record(req, 'refresh', { userId: result.userId, sessionId: result.sessionId, rotated: result.refreshToken !== undefined });
    setAccessCookie(res, config, result.accessToken, result.expiresIn);
    // Only the request that won the rotation sets the refresh cookie; concurrent ones keep the winner's.
    if (result.refreshToken) setRefreshCookie(res, config, result.refreshToken, result.refreshMaxAge);
    res.json({ success: true, accessToken: result.accessToken, expiresIn: result.expiresIn });
  };

  const logout: RequestHandler = async (req, res) => {
    const { scope } = parseInput(logoutQuerySchema, req.query);
    // Ending this browser's session does not depend on the database: the cookies go first, so even a
    // failed revocation leaves the browser logged out. "others" keeps the caller signed in.
    if (scope !== 'others') endBrowserSession(res, config);
    const callers = await authenticator.authenticateForLogout(req);
    // "others" spares the caller's session; with several proven (planted cookies) there is no one to spare.
    if (callers.length === 0 || (scope === 'others' && callers.length > 1)) {
      // Credentials that do not work are of no use to the browser either.
      if (scope === 'others') expireAuthCookies(res, config);
      throw new ApiError(errors.UNAUTHORIZED);
    }
    req.auth = callers[0];
    let revokedSessions = 0;
    for (const caller of callers) {
      const revoked = await auth.logout(caller, scope);
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
    const caller = authOf(req);
    const active = await sessions.listActiveSessions(caller.userId);
    res.json({
      success: true,
      sessions: active.map((s) => ({
        id: s._id.toString(),
        current: s._id.toString() === caller.sessionId,
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
    // Another user's session answers exactly like an unknown one, so ids cannot be probed.
    const target = await sessions.findActiveSession(id, caller.userId);
    if (!target) throw new ApiError(errors.SESSION_NOT_FOUND);
    await sessions.revokeSession(id, caller.userId, 'session_revoked');
    if (id === caller.sessionId) endBrowserSession(res, config);
    res.json({ success: true, message: 'Session revoked' });
  };

  return { register, login, refresh, carriesOneRefreshToken, logout, listSessions, revokeSession };
}
