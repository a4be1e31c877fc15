import { Router, type RequestHandler } from 'express';
import { methodNotAllowed } from '../http/method-not-allowed';
import { validateBody } from '../http/validate';
import { loginSchema, registerSchema } from './auth-schemas';
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
  // Bodies are validated before the per-IP limits count them: input that could never sign in costs no
  // database work, and a limiter that finds the database hung answers 503 within the one bound
  // (DB_OPERATION_TIMEOUT_MS). Failed passwords are counted per account where they are checked
  // (src/auth/password-attempts.ts).
  router
    .route('/register')
    .post(guards.jsonBody, validateBody(registerSchema), limits.registerPerIp, controller.register)
    .all(methodNotAllowed(['POST']));
  router
    .route('/login')
    .post(guards.jsonBody, validateBody(loginSchema), limits.loginPerIp, controller.login)
    .all(methodNotAllowed(['POST']));
  // A refresh without exactly one well-formed token is refused by the controller without the database,
  // so the per-IP limit counts (and needs the database for) only the ones that could succeed.
  const refreshPerIp: RequestHandler = (req, res, next) =>
    controller.carriesOneRefreshToken(req) ? limits.refreshPerIp(req, res, next) : next();
  router.route('/refresh').post(guards.refreshCsrf, refreshPerIp, controller.refresh).all(methodNotAllowed(['POST']));
  // No body parser: logout ignores whatever body it is sent.
  router.route('/logout').post(csrf, controller.logout).all(methodNotAllowed(['POST']));
  router.route('/sessions').get(guards.requireAuth, controller.listSessions).all(methodNotAllowed(['GET']));
  router
    .route('/sessions/:id')
    .delete(csrf, guards.requireAuth, controller.revokeSession)
    .all(methodNotAllowed(['DELETE']));
  return router;
}
