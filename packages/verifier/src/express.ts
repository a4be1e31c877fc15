import type { Request, RequestHandler, Response } from 'express';
import type { Verifier } from './verifier';

/**
 * Express middleware over a verifier: `Authorization: Bearer <access token>` of a live session, or 401;
 * 503 when the API cannot vouch for it in time. Only the Bearer header is read: a relying service on its
 * own host never receives the API's host-only cookie, and a header a browser never sends by itself
 * needs no CSRF defence.
 */

export interface RelyingAuth {
  userId: string;
  sessionId: string;
}

/** Who the caller is, for handlers behind requireSession (kept in res.locals, which nothing else claims). */
export function sessionOf(res: Response): RelyingAuth {
  const auth = res.locals.relyingAuth as RelyingAuth | undefined;
  if (!auth) throw new Error('sessionOf: the route is not behind requireSession');
  return auth;
}

function bearerOf(req: Request): string | undefined {
  return /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(req.get('authorization') ?? '')?.[1];
}

export function requireSession(verifier: Verifier): RequestHandler {
  return async (req, res, next) => {
    const token = bearerOf(req);
    const verdict = token ? await verifier.check(token) : { outcome: 'unauthorized' as const };
    if (verdict.outcome === 'ok') {
      res.locals.relyingAuth = { userId: verdict.userId, sessionId: verdict.sessionId } satisfies RelyingAuth;
      return next();
    }
    res.set('Cache-Control', 'no-store');
    if (verdict.outcome === 'unavailable') {
      res.status(503).set('Retry-After', '1').json({ success: false, code: 'SERVICE_UNAVAILABLE', message: 'The auth API cannot be reached; try again shortly' });
      return;
    }
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ success: false, code: 'UNAUTHORIZED', message: 'Authentication required' });
  };
}
