import type { Request, RequestHandler, Response } from 'express';
import { emailFingerprint, type AuditLog } from '../audit-log';
import type { Config } from '../config';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import { RateLimitedError, recordRateLimited } from '../http/rate-limits';
import { parseInput } from '../http/validate';
import { loginSchema, registerSchema } from './auth-schemas';
import { looksLikeRefreshToken } from '../sessions/refresh-tokens';
import { SessionError } from '../sessions/session-errors';
import { readDeviceCookies, readRefreshCookies, setAccessCookie, setDeviceCookie, setRefreshCookie } from './cookies';
import { createDeviceCookies } from './device-cookies';
import type { ClientInfo, SignedIn, SignInService } from './sign-in-service';

function clientInfo(req: Request): ClientInfo {
  return { userAgent: req.get('user-agent') ?? '', ip: req.ip ?? '' };
}

function isInvalidCredentials(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'INVALID_CREDENTIALS';
}

/** Sign-in and refresh: HTTP in, one sign-in-service call, cookies and body out. */
export function createSignInController(deps: { config: Config; signIn: SignInService; audit: AuditLog }) {
  const { config, signIn, audit } = deps;
  const devices = createDeviceCookies(config);

  /** The device id of the first device cookie the request carries that was issued for `account`. */
  function knownDevice(req: Request, account: string): string | undefined {
    return readDeviceCookies(req, config)
      .map((value) => devices.deviceOf(value, account))
      .find((device) => device !== undefined);
  }

  function sendSignedIn(req: Request, res: Response, status: number, signedIn: SignedIn): void {
    if (signedIn.evictedSessionIds.length > 0) {
      audit.record(req, 'sessions_evicted', { userId: signedIn.user.id, sessionIds: signedIn.evictedSessionIds, limit: config.sessionLimitPerUser });
    }
    setAccessCookie(res, config, signedIn.accessToken, signedIn.expiresIn);
    setRefreshCookie(res, config, signedIn.refreshToken, signedIn.refreshMaxAge);
    // This browser has now proven the account's password: a device that has signed in (device-cookies.ts).
    setDeviceCookie(res, config, devices.issue(signedIn.user.email));
    res.status(status).json({ success: true, user: signedIn.user, accessToken: signedIn.accessToken, expiresIn: signedIn.expiresIn });
  }

  const register: RequestHandler = async (req, res) => {
    const input = parseInput(registerSchema, req.body ?? {});
    const signedIn = await signIn.register(input, clientInfo(req));
    audit.record(req, 'register', { userId: signedIn.user.id, sessionId: signedIn.sessionId });
    sendSignedIn(req, res, 201, signedIn);
  };

  const login: RequestHandler = async (req, res) => {
    const input = parseInput(loginSchema, req.body ?? {});
    const signedIn = await signIn.login(input, clientInfo(req), knownDevice(req, input.email)).catch((error: unknown) => {
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

  /** The refresh of the one token the request carries; a replayed token is audited before its 401. */
  async function refreshSoleToken(req: Request) {
    const refreshToken = soleRefreshToken(req);
    if (refreshToken instanceof ApiError) throw refreshToken;
    return signIn.refresh(refreshToken).catch((error: unknown) => {
      if (error instanceof SessionError && error.kind === 'refresh_token_reused' && error.session) {
        audit.record(req, 'refresh_reuse_detected', { userId: error.session.userId, sessionId: error.session.sessionId });
      }
      throw error;
    });
  }

  const refresh: RequestHandler = async (req, res) => {
    const result = await refreshSoleToken(req);
    audit.record(req, 'refresh', { userId: result.userId, sessionId: result.sessionId, rotated: result.refreshToken !== undefined });
    setAccessCookie(res, config, result.accessToken, result.expiresIn);
    // Only the request that won the rotation sets the refresh cookie; concurrent ones keep the winner's.
    if (result.refreshToken) setRefreshCookie(res, config, result.refreshToken, result.refreshMaxAge);
    res.json({ success: true, accessToken: result.accessToken, expiresIn: result.expiresIn });
  };

  return { register, login, refresh, carriesOneRefreshToken };
}
