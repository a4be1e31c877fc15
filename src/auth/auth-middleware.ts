import type { Request, RequestHandler } from 'express';
import type { AuditLog } from '../audit-log';
import type { Config } from '../config';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import { withinRequestDeadline } from '../http/request-deadline';
import type { SessionCaller } from '../sessions/session';
import type { SessionCore } from '../sessions/session-core';
import { SessionError } from '../sessions/session-errors';
import { readAccessCookies, readRefreshCookies } from './cookies';
import { verifyAccessToken, type AccessTokenSettings } from './tokens';

/**
 * The middleware in front of every authenticated route: the CSRF check, then who the caller is. Every
 * protected route authenticates here, in its chain, before its controller runs:
 * - `requireAuth`: an access token (Bearer header, or the access cookie) of a live session;
 * - `requireLogoutCredentials`: the same, or the refresh cookie alone (logout only).
 * The token's signature and claims are checked here (tokens.ts); whether its session lives, by the
 * session core. A caller that proves nothing is refused with the core's `not_authenticated`.
 */

export interface AuthContext extends SessionCaller {
  /** How the caller proved who it is; recorded in the audit log. */
  via: 'bearer' | 'access-cookie' | 'refresh-cookie';
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by requireAuth. */
      auth?: AuthContext;
      /** Set by requireLogoutCredentials (and by proveSessionsOfSeveralRefreshTokens): every live session the request's credentials prove. */
      provenSessions?: AuthContext[];
    }
  }
}

type TokenSource = { token: string; via: 'bearer' | 'access-cookie' } | { invalid: true } | undefined;

/**
 * The Bearer token; undefined only when there is no Authorization header at all. The header must be
 * exactly `Bearer <token>`: other schemes, spacing or a repeated header are refused rather than guessed
 * at, so no two parsers along the way can disagree on which token was meant.
 */
function readBearerToken(req: Request): TokenSource {
  let headerCount = 0;
  // Counted in the raw headers, without building a list: this runs on every authenticated request.
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'authorization') headerCount += 1;
  if (headerCount === 0) return undefined;
  if (headerCount > 1) return { invalid: true };
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(req.headers.authorization ?? '');
  return match ? { token: match[1]!, via: 'bearer' } : { invalid: true };
}

/**
 * CSRF defence for the state-changing routes a browser authenticates with cookies (refresh, logout,
 * session revoke, password change, account deletion). SameSite=Lax cookies already stay home on
 * cross-site POSTs, but not from a sibling subdomain (same site, other origin), and not under
 * SameSite=None; so the request's Origin, or without it the Referer, must be this server's own origin or
 * one listed in CORS_ORIGINS (OWASP CSRF cheat sheet, "verifying origin with standard headers").
 *
 * Not subject to it:
 * - on routes that authenticate by an access token, requests whose `Authorization: Bearer …` carries a
 *   token this server signed (`exemptIf`): a browser never attaches that by itself, a page of another
 *   origin cannot add it without a CORS preflight that it fails, and with a header present the cookies
 *   are not looked at, so the request acts with that token or not at all. Any other Authorization header
 *   (a junk Bearer, Basic credentials a browser remembers and attaches by itself) exempts nothing.
 *   Refresh reads only its cookie, so it gets no exemption at all.
 * - requests with neither header: browsers send Origin on every cross-origin POST and DELETE, so these
 *   come from non-browser clients (curl, mobile apps), which are not exposed to CSRF.
 */
function rejectCrossSiteRequests(allowedOrigins: readonly string[], audit: AuditLog, exemptIf: (req: Request) => boolean | Promise<boolean>): RequestHandler {
  const allowed = new Set(allowedOrigins.map((origin) => originOf(origin) ?? origin));
  return async (req, _res, next) => {
    if (await exemptIf(req)) return next();
    const origin = req.get('origin');
    const referer = req.get('referer');
    const claimed = origin ?? referer;
    if (claimed === undefined) return next();
    // "null" (sandboxed frames, some redirects) and anything unparsable count as foreign.
    const source = originOf(claimed);
    if (source !== undefined && (source === ownOrigin(req) || allowed.has(source))) return next();
    // Of a Referer only its origin is logged: its path and query may carry things that do not belong in logs.
    audit.record(req, 'csrf_rejected', {
      method: req.method,
      path: req.baseUrl + req.path,
      from: origin !== undefined ? 'origin' : 'referer',
      origin: origin !== undefined ? origin.slice(0, 200) : (source ?? 'unparsable'),
    });
    throw new ApiError(errors.CSRF_REJECTED);
  };
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** This server's own origin as the client addressed it (protocol respects trust proxy). */
function ownOrigin(req: Request): string | undefined {
  const host = req.get('host');
  return host ? originOf(`${req.protocol}://${host}`) : undefined;
}

export function createAuthMiddleware(core: SessionCore, tokenSettings: AccessTokenSettings, config: Pick<Config, 'cookies' | 'corsOrigins'>, audit: AuditLog) {
  /**
   * Where the access token comes from. An Authorization header, whatever it holds, is the only credential
   * looked at: the cookies are not consulted once one is present. Two different access cookies (one
   * planted by a sibling subdomain) are ambiguous, so neither is trusted.
   */
  function readAccessToken(req: Request): TokenSource {
    const bearer = readBearerToken(req);
    if (bearer) return bearer;
    const values = readAccessCookies(req, config);
    if (values.length > 1) return { invalid: true };
    return values.length === 1 ? { token: values[0]!, via: 'access-cookie' } : undefined;
  }

  /** The caller of a signed, unexpired access token whose session is live. */
  async function callerOfAccessToken(req: Request, token: string, via: AuthContext['via']): Promise<AuthContext | undefined> {
    const claims = await verifyAccessToken(tokenSettings, token);
    return claims && (await core.authenticate(claims, withinRequestDeadline(req))) ? { ...claims, via } : undefined;
  }

  async function callerOfRefreshToken(token: string): Promise<AuthContext | undefined> {
    const caller = await core.authenticateRefreshToken(token);
    return caller ? { ...caller, via: 'refresh-cookie' } : undefined;
  }

  const requireAuth: RequestHandler = async (req, _res, next) => {
    const source = readAccessToken(req);
    const caller = source && 'token' in source ? await callerOfAccessToken(req, source.token, source.via) : undefined;
    if (!caller) throw new SessionError('not_authenticated');
    req.auth = caller;
    next();
  };

  /**
   * Every live session a logout request proves. With an Authorization header, only the header counts.
   * Otherwise every access cookie value and then every refresh cookie value is tried (a bounded few): a
   * planted cookie, valid or not, in front of the real one must not make the real session survive the
   * logout. The refresh cookie alone is enough, for clients that hold nothing else.
   */
  async function proveSessions(req: Request): Promise<AuthContext[]> {
    const bearer = readBearerToken(req);
    if (bearer) {
      const caller = 'token' in bearer ? await callerOfAccessToken(req, bearer.token, 'bearer') : undefined;
      return caller ? [caller] : [];
    }
    return provenByCookies(req, readAccessCookies(req, config), readRefreshCookies(req, config));
  }

  /** Every active session the cookie values prove, each once. */
  async function provenByCookies(req: Request, accessTokens: string[], refreshTokens: string[]): Promise<AuthContext[]> {
    const proven = new Map<string, AuthContext>();
    const remember = (caller: AuthContext | undefined) => {
      if (caller && !proven.has(caller.sessionId)) proven.set(caller.sessionId, caller);
    };
    for (const token of accessTokens) remember(await callerOfAccessToken(req, token, 'access-cookie'));
    for (const token of refreshTokens) remember(await callerOfRefreshToken(token));
    return [...proven.values()];
  }

  const requireLogoutCredentials: RequestHandler = async (req, _res, next) => {
    const proven = await proveSessions(req);
    if (proven.length === 0) throw new SessionError('not_authenticated');
    req.provenSessions = proven;
    next();
  };

  /**
   * Refresh, when the request carries several different refresh tokens (one planted): every active
   * session they prove, as logout proves them, for the session controller to end (refuseSeveralRefreshTokens).
   * One token or none: nothing set, the refresh goes on.
   */
  const proveSessionsOfSeveralRefreshTokens: RequestHandler = async (req, _res, next) => {
    const refreshTokens = readRefreshCookies(req, config);
    if (refreshTokens.length > 1) req.provenSessions = await provenByCookies(req, [], refreshTokens);
    next();
  };

  /** A Bearer token this server signed: enough to exempt a request from the CSRF check (see above). */
  async function carriesSignedBearerToken(req: Request): Promise<boolean> {
    const source = readBearerToken(req);
    // Judged without the database: whether its session lives is the route's authentication to find out.
    return source !== undefined && 'token' in source && (await verifyAccessToken(tokenSettings, source.token)) !== undefined;
  }

  return {
    requireAuth,
    requireLogoutCredentials,
    proveSessionsOfSeveralRefreshTokens,
    /** 403 CSRF_REJECTED for cookie-authenticated requests from a foreign Origin. */
    csrf: rejectCrossSiteRequests(config.corsOrigins, audit, carriesSignedBearerToken),
    /** The same check with no Bearer exemption: refresh authenticates by its cookie only. */
    refreshCsrf: rejectCrossSiteRequests(config.corsOrigins, audit, () => false),
  };
}

export type AuthMiddleware = ReturnType<typeof createAuthMiddleware>;

/** For handlers behind requireAuth. */
export function authOf(req: Request): AuthContext {
  if (!req.auth) throw new SessionError('not_authenticated');
  return req.auth;
}

/** For handlers behind requireLogoutCredentials. */
export function provenSessionsOf(req: Request): AuthContext[] {
  if (!req.provenSessions) throw new SessionError('not_authenticated');
  return req.provenSessions;
}
