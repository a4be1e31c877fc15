import { Router } from 'express';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { PublicKeySet } from './public-keys';

/** How long a verifier may keep the set; a new key is listed (accepted, not yet signing) at least this long before it signs (docs/SECURITY.md). */
export const JWKS_MAX_AGE_SECONDS = 300;

/** GET /.well-known/jwks.json on the public port, where verifiers conventionally look: the public keys, short-cacheable. */
export function createJwksRoutes(publicKeys: PublicKeySet): Router {
  const router = Router();
  router
    .route('/.well-known/jwks.json')
    .get(async (_req, res) => {
      const body = await publicKeys.jwks();
      res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      res.json(body);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
