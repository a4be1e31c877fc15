import { Router } from 'express';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { AuthMiddleware } from './auth-middleware';
import { createForwardAuth } from './forward-auth';

/** Mounted at /api/v1/auth, beside the auth routes: `GET`/`HEAD /verify` for gateways (src/auth/forward-auth.ts). */
export function createVerifyRoutes(auth: AuthMiddleware): Router {
  const router = Router();
  const forward = createForwardAuth(auth);
  // Express answers HEAD with the GET handler, without the body.
  router
    .route('/verify')
    .get(auth.requireAuth, forward.rejectForwardedCrossSiteRequests, forward.answerVerified, forward.challengeUnauthenticated)
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
