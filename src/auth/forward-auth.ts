import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ApiError } from '../http/api-error';
import { authOf, type AuthMiddleware } from './auth-middleware';
import { toHttpError } from './session-error-mapping';

/**
 * Forward auth (`GET`/`HEAD /api/v1/auth/verify`): a gateway (nginx `auth_request`, Traefik
 * `ForwardAuth`, Envoy, Caddy) asks before each request it forwards whether the request's access token
 * belongs to a live session. The token is read and checked by `requireAuth`, exactly as on every protected
 * route, so a session this instance knows answers from memory and the revocation barrier holds here too.
 * The answer goes to the gateway, never to the browser's session: this route sets and expires no cookie.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The method of the request the gateway is asking about: Traefik sends `X-Forwarded-Method`, the usual
 * nginx configuration `X-Original-Method` (docs/INTEGRATION.md). When both are present and one names a
 * state-changing method, that one counts, so two headers cannot be played against each other. Without
 * either, the method of this request itself (GET or HEAD): a gateway must forward the method for the
 * CSRF check to see state-changing requests, which the documented configurations do.
 */
function originalMethodOf(req: Request): string {
  const named = [req.get('x-forwarded-method'), req.get('x-original-method')]
    .filter((value): value is string => value !== undefined)
    .map((value) => value.trim().toUpperCase());
  return named.find((method) => !SAFE_METHODS.has(method)) ?? named[0] ?? req.method;
}

export function createForwardAuth(auth: AuthMiddleware) {
  /**
   * After requireAuth: a token read from the access cookie on a state-changing original request gets the
   * same Origin check as the API's own state-changing routes (403 CSRF_REJECTED). A Bearer token is never
   * attached by a browser on its own, so it needs none.
   */
  const rejectForwardedCrossSiteRequests: RequestHandler = (req, res, next) => {
    if (authOf(req).via !== 'access-cookie' || SAFE_METHODS.has(originalMethodOf(req))) return next();
    return auth.csrf(req, res, next);
  };

  /** 200 with who the caller is, in the body and in headers a gateway can copy onto the forwarded request. */
  const answerVerified: RequestHandler = (req, res) => {
    const { userId, sessionId } = authOf(req);
    res.set({ 'X-Auth-User-Id': userId, 'X-Auth-Session-Id': sessionId });
    res.json({ success: true, userId, sessionId });
  };

  /** RFC 6750 §3: a 401 names the scheme it wants. */
  const challengeUnauthenticated: ErrorRequestHandler = (error, _req, res, next) => {
    const answer = toHttpError(error);
    if (answer instanceof ApiError && answer.status === 401) res.set('WWW-Authenticate', 'Bearer');
    next(answer);
  };

  return { rejectForwardedCrossSiteRequests, answerVerified, challengeUnauthenticated };
}
