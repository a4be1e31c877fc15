import { Router, type RequestHandler } from 'express';
import { methodNotAllowed } from '../http/not-found';
import type { RateLimits } from '../http/rate-limits';
import type { createAuthController } from './auth-controller';

export interface AuthRouteGuards {
  /** Parses a JSON body (415 for other media types, 413 over the limit). */
  jsonBody: RequestHandler[];
  requireAuth: RequestHandler;
  /** 403 CSRF_REJECTED for cookie-authenticated requests from a foreign Origin (src/http/csrf.ts). */
  csrf: RequestHandler;
  /** The same check with no Bearer exemption: refresh authenticates by its cookie only. */
  refreshCsrf: RequestHandler;
  rateLimits: RateLimits;
}

/** Mounted at /api/v1/auth. */
export function createAuthRoutes(controller: ReturnType<typeof createAuthController>, guards: AuthRouteGuards): Router {
  const router = Router();
  const { rateLimits: limits, csrf } = guards;
  // Per-IP limits come before the body is read; failed passwords are counted per account where they are
  // checked (src/auth/password-attempts.ts).
  router.route('/register').post(limits.registerPerIp, guards.jsonBody, controller.register).all(methodNotAllowed(['POST']));
  router.route('/login').post(limits.loginPerIp, guards.jsonBody, controller.login).all(methodNotAllowed(['POST']));
  router.route('/refresh').post(guards.refreshCsrf, limits.refreshPerIp, controller.refresh).all(methodNotAllowed(['POST']));
  // No body parser: logout ignores whatever body it is sent.
  router.route('/logout').post(csrf, controller.logout).all(methodNotAllowed(['POST']));
  router.route('/sessions').get(guards.requireAuth, controller.listSessions).all(methodNotAllowed(['GET']));
  router
    .route('/sessions/:id')
    .delete(csrf, guards.requireAuth, controller.revokeSession)
    .all(methodNotAllowed(['DELETE']));
  return router;
}
