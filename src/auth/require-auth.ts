import type { Request, RequestHandler } from 'express';
import type { Config } from '../config';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import { readAccessCookies, readRefreshCookies } from './cookies';
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

export function createAuthenticator(sessions: SessionStore, tokenSettings: AccessTokenSettings, config: Pick<Config, 'cookies'>) {
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

  /** The caller identified by a valid access token whose session is still active, if any. */
  async function authenticateAccessToken(req: Request): Promise<AuthContext | undefined> {
    const source = readAccessToken(req);
    if (!source || 'invalid' in source) return undefined;
    return authenticateToken(source.token, source.via);
  }

  async function authenticateToken(token: string, via: AuthContext['via']): Promise<AuthContext | undefined> {
    const claims = verifyAccessToken(tokenSettings, token);
    if (!claims) return undefined;
    return (await sessions.isSessionActive(claims.sessionId, claims.userId)) ? { ...claims, via } : undefined;
  }

  /** The session whose current refresh token this is (or was, within the rotation grace period). */
  async function authenticateRefreshToken(token: string): Promise<AuthContext | undefined> {
    if (!looksLikeRefreshToken(token)) return undefined;
    const session = await sessions.findSessionByRefreshToken(token);
    return session ? { userId: session.userId.toString(), sessionId: session._id.toString(), via: 'refresh-cookie' } : undefined;
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
   * Every active session a logout request proves. With an Authorization header, only the header counts.
   * Otherwise every access cookie value and then every refresh cookie value is tried (a bounded few): a
   * planted cookie, valid or not, in front of the real one must not make the real session survive the
   * logout. Logout also accepts the refresh cookie alone, for clients that hold nothing else.
   */
  async function authenticateForLogout(req: Request): Promise<AuthContext[]> {
    if (readBearerToken(req)) {
      const byHeader = await authenticateAccessToken(req);
      return byHeader ? [byHeader] : [];
    }
    const proven = new Map<string, AuthContext>();
    const remember = (caller: AuthContext | undefined) => {
      if (caller && !proven.has(caller.sessionId)) proven.set(caller.sessionId, caller);
    };
    for (const token of readAccessCookies(req, config)) remember(await authenticateToken(token, 'access-cookie'));
    for (const token of readRefreshCookies(req, config)) remember(await authenticateRefreshToken(token));
    return [...proven.values()];
  }

  const requireAuth: RequestHandler = async (req, _res, next) => {
    const auth = await authenticateAccessToken(req);
    if (!auth) throw new ApiError(errors.UNAUTHORIZED);
    req.auth = auth;
    next();
  };

  return { authenticateAccessToken, authenticateForLogout, carriesSignedBearerToken, requireAuth };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

/** For handlers behind requireAuth. */
export function authOf(req: Request): AuthContext {
  if (!req.auth) throw new ApiError(errors.UNAUTHORIZED);
  return req.auth;
}
