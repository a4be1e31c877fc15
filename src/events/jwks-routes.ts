import { Router } from 'express';
import type { EventSigningKey } from './event-signing-key';

/**
 * GET /.well-known/jwks.json: the public key that verifies session-end events (RFC 7517 key set). The access
 * tokens' keys join it where they are asymmetric (branch `relying` builds the shared registry); until then
 * this route serves the event key alone. Without a key (production, no SESSION_EVENT_SIGNING_KEY) the set is
 * empty.
 */
export function createJwksRoutes(signingKey: () => Promise<EventSigningKey | undefined>): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', async (_req, res) => {
    const key = await signingKey();
    // Receivers cache the set; a rotated key must still reach them within minutes.
    res.set('Cache-Control', 'public, max-age=300');
    res.json({ keys: key ? [key.publicJwk] : [] });
  });
  return router;
}
