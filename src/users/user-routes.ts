import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { createUserController } from './user-controller';

/** Mounted at /api/v1/users. */
export function createUserRoutes(
  controller: ReturnType<typeof createUserController>,
  guards: { jsonBody: RequestHandler[]; requireAuth: RequestHandler; csrf: RequestHandler; expireCookiesOnUnauthenticated: ErrorRequestHandler },
): Router {
  const router = Router();
  router
    .route('/me')
    .get(guards.requireAuth, controller.me)
    .delete(guards.csrf, guards.requireAuth, guards.jsonBody, controller.deleteAccount, guards.expireCookiesOnUnauthenticated)
    .all(methodNotAllowed(['GET', 'DELETE']));
  router
    .route('/me/password')
    .post(guards.csrf, guards.requireAuth, guards.jsonBody, controller.changePassword)
    .all(methodNotAllowed(['POST']));
  return router;
}
