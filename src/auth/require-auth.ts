import type { Request, RequestHandler } from 'express';
import type { Config } from '../config';
import { ApiError } from '../http/api-error';
import { authCookieNames } from './cookies';
import type { SessionStore } from './session-store';
import { looksLikeRefreshToken, verifyAccessToken, type AccessTokenSettings } from './tokens';

export interface AuthContext {
  userId: string;
  sessionId: string;
  /** How the caller proved who it is; CSRF checks apply only to cookie-borne credentials. */
  via: 'bearer' | 'access-cookie' | 'refresh-cookie';
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      auth?: AuthContext;
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
  const headerCount = req.rawHeaders.filter((value, i) => i % 2 === 0 && value.toLowerCase() === 'authorization').length;
  if (headerCount === 0) return undefined;
  if (headerCount > 1) return { invalid: true };
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(req.headers.authorization ?? '');
  return match ? { token: match[1]!, via: 'bearer' } : { invalid: true };
}

/**
 * Where the access token comes from. An Authorization header, whatever it holds, is the only credential
 * looked at: the cookie is not consulted once one is present.
 */
function readAccessToken(req: Request, cookieName: string): TokenSource {
  const bearer = readBearerToken(req);
  if (bearer) return bearer;
  const cookie: unknown = req.cookies?.[cookieName];
  return typeof cookie === 'string' && cookie.length > 0 ? { token: cookie, via: 'access-cookie' } : undefined;
}

export function createAuthenticator(sessions: SessionStore, tokenSettings: AccessTokenSettings, config: Pick<Config, 'cookies'>) {
  const cookieNames = authCookieNames(config.cookies);

  /** The caller identified by a valid access token whose session is still active, if any. */
  async function authenticateAccessToken(req: Request): Promise<AuthContext | undefined> {
    const source = readAccessToken(req, cookieNames.access);
    if (!source || 'invalid' in source) return undefined;
    const claims = verifyAccessToken(tokenSettings, source.token);
    if (!claims) return undefined;
    return (await sessions.isSessionActive(claims.sessionId, claims.userId)) ? { ...claims, via: source.via } : undefined;
  }

  /**
   * A Bearer token this server signed, judged without the database. Enough to exempt a request from the
   * CSRF check: a browser never attaches one by itself, and since the header is then the only credential
   * looked at, the request acts with this token or not at all (an inactive session gets 401).
   */
  function carriesSignedBearerToken(req: Request): boolean {
    const source = readBearerToken(req);
    return source !== undefined && 'token' in source && verifyAccessToken(tokenSettings, source.token) !== undefined;
  }

  /**
   * Logout also accepts the refresh cookie of an active session, for clients that hold nothing else; but
   * not once an Authorization header is present, which is then the only credential looked at.
   */
  async function authenticateForLogout(req: Request): Promise<AuthContext | undefined> {
    const byAccessToken = await authenticateAccessToken(req);
    if (byAccessToken || readBearerToken(req)) return byAccessToken;
    const refreshToken: unknown = req.cookies?.[cookieNames.refresh];
    if (!looksLikeRefreshToken(refreshToken)) return undefined;
    const session = await sessions.findSessionByRefreshToken(refreshToken);
    return session ? { userId: session.userId.toString(), sessionId: session._id.toString(), via: 'refresh-cookie' } : undefined;
  }

  const requireAuth: RequestHandler = async (req, _res, next) => {
    const auth = await authenticateAccessToken(req);
    if (!auth) throw ApiError.unauthorized();
    req.auth = auth;
    next();
  };

  return { authenticateAccessToken, authenticateForLogout, carriesSignedBearerToken, requireAuth };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

/** For handlers behind requireAuth. */
export function authOf(req: Request): AuthContext {
  if (!req.auth) throw ApiError.unauthorized();
  return req.auth;
}
