import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { methodNotAllowed } from '../http/method-not-allowed';
import { validateBody } from '../http/validate';
import type { RateLimits } from '../http/rate-limits';
import type { AuthMiddleware } from './auth-middleware';
import { loginSchema, registerSchema } from './auth-schemas';
import type { createSessionController } from './session-controller';
import type { createSignInController } from './sign-in-controller';

export interface AuthRouteGuards {
  /** Parses a JSON body (415 for other media types, 413 over the limit). */
  jsonBody: RequestHandler[];
  auth: AuthMiddleware;
  rateLimits: RateLimits;
  /** After the handler: credentials found dead are of no use to the browser (session-error-mapping.ts). */
  expireDeadCredentials: ErrorRequestHandler;
}

/** Mounted at /api/v1/auth. */
export function createAuthRoutes(
  controllers: { signIn: ReturnType<typeof createSignInController>; sessions: ReturnType<typeof createSessionController> },
  guards: AuthRouteGuards,
): Router {
  const router = Router();
  const { signIn, sessions } = controllers;
  const { rateLimits: limits, auth } = guards;
  // Bodies are validated before the per-IP limits count them: input that could never sign in costs no
  // database work, and a limiter that finds the database hung answers 503 within the one bound
  // (DB_OPERATION_TIMEOUT_MS). Failed passwords are counted per account where they are checked
  // (src/auth/password-attempts.ts).
  router
    .route('/register')
    .post(guards.jsonBody, validateBody(registerSchema), limits.registerPerIp, signIn.register)
    .all(methodNotAllowed(['POST']));
  router
    .route('/login')
    .post(guards.jsonBody, validateBody(loginSchema), limits.loginPerIp, signIn.login)
    .all(methodNotAllowed(['POST']));
  // A refresh without exactly one well-formed token is refused by the controller without the database,
  // so the per-IP limit counts (and needs the database for) only the ones that could succeed.
  const refreshPerIp: RequestHandler = (req, res, next) =>
    signIn.carriesOneRefreshToken(req) ? limits.refreshPerIp(req, res, next) : next();
  // A refresh token that does not work is of no use to the browser: its cookies are expired with the 401.
  // Several different refresh tokens: every session they prove is logged out first, and the refresh refused.
  router
    .route('/refresh')
    .post(
      auth.refreshCsrf,
      auth.proveSessionsOfSeveralRefreshTokens,
      sessions.refuseSeveralRefreshTokens,
      refreshPerIp,
      signIn.refresh,
      guards.expireDeadCredentials,
    )
    .all(methodNotAllowed(['POST']));
  // No body parser: logout ignores whatever body it is sent. The browser's cookies end before the caller
  // is authenticated, so a logout that fails later (401, 503) still leaves the browser logged out.
  router
    .route('/logout')
    .post(auth.csrf, sessions.endBrowserSessionFirst, auth.requireLogoutCredentials, sessions.logout, guards.expireDeadCredentials)
    .all(methodNotAllowed(['POST']));
  router.route('/sessions').get(auth.requireAuth, sessions.listSessions).all(methodNotAllowed(['GET']));
  router
    .route('/sessions/:id')
    .delete(auth.csrf, auth.requireAuth, sessions.revokeSession)
    .all(methodNotAllowed(['DELETE']));
  return router;
}
