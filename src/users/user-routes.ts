import { Router } from 'express';
import type { AuthRouteGuards } from '../auth/auth-routes';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { createUserController } from './user-controller';

/** Mounted at /api/v1/users. */
export function createUserRoutes(
  controller: ReturnType<typeof createUserController>,
  guards: Pick<AuthRouteGuards, 'jsonBody' | 'auth' | 'expireDeadCredentials'>,
): Router {
  const router = Router();
  const { auth } = guards;
  router
    .route('/me')
    .get(auth.requireAuth, controller.me)
    .delete(auth.csrf, auth.requireAuth, guards.jsonBody, controller.deleteAccount, guards.expireDeadCredentials)
    .all(methodNotAllowed(['GET', 'DELETE']));
  router
    .route('/me/password')
    .post(auth.csrf, auth.requireAuth, guards.jsonBody, controller.changePassword)
    .all(methodNotAllowed(['POST']));
  return router;
}
