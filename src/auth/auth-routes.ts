import { Router, type RequestHandler } from 'express';
import { methodNotAllowed } from '../http/not-found';
import type { createAuthController } from './auth-controller';

export interface AuthRouteGuards {
  /** Parses a JSON body (415 for other media types, 413 over the limit). */
  jsonBody: RequestHandler[];
  requireAuth: RequestHandler;
}

/** Mounted at /api/v1/auth. */
export function createAuthRoutes(controller: ReturnType<typeof createAuthController>, guards: AuthRouteGuards): Router {
  const router = Router();
  router.route('/register').post(guards.jsonBody, controller.register).all(methodNotAllowed(['POST']));
  router.route('/login').post(guards.jsonBody, controller.login).all(methodNotAllowed(['POST']));
  router.route('/refresh').post(controller.refresh).all(methodNotAllowed(['POST']));
  // No body parser: logout ignores whatever body it is sent.
  router.route('/logout').post(controller.logout).all(methodNotAllowed(['POST']));
  router.route('/sessions').get(guards.requireAuth, controller.listSessions).all(methodNotAllowed(['GET']));
  router.route('/sessions/:id').delete(guards.requireAuth, controller.revokeSession).all(methodNotAllowed(['DELETE']));
  return router;
}
