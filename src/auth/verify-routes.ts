import { Router, type RequestHandler } from 'express';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { AuthMiddleware } from './auth-middleware';
import { createForwardAuth } from './forward-auth';

/**
 * Mounted at /api/v1/auth ahead of the app's browser-facing middleware (request logs, helmet, CORS): a
 * gateway asks this before every request it forwards, and its answer reaches no browser as such. Every
 * answer is no-store, as on the rest of /api/v1. The handlers are in src/auth/forward-auth.ts.
 */
export function createVerifyRoutes(auth: AuthMiddleware): Router {
  const router = Router();
  const forward = createForwardAuth(auth);
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  // Express answers HEAD with the GET handler, without the body.
  router
    .route('/verify')
    .get(noStore, auth.requireAuth, forward.rejectForwardedCrossSiteRequests, forward.answerVerified, forward.challengeUnauthenticated)
    .all(noStore, methodNotAllowed(['GET', 'HEAD']));
  return router;
}
