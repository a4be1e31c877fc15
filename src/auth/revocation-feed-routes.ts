import { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../audit-log';
import type { Config } from '../config';
import { methodNotAllowed } from '../http/method-not-allowed';
import type { SlidingWindow } from '../http/rate-limit-hits';
import { parseInput } from '../http/validate';
import { requireRelyingService } from './relying-services';
import type { RevocationFeed } from '../sessions/session-repository';

/**
 * GET /api/v1/revocations: the revocation feed (src/sessions/session-repository.ts, on MongoDB src/db/mongo-revocation-feed.ts) for registered relying
 * services, with the lease they must keep to (docs/SCALING.md, "Relying services"). `from` omitted: the
 * newest entry, where a new reader starts. `from` given: every entry from that one on, in order; a gap or
 * a first entry above `from + 1` mean what they mean to the instances' own poller (packages/verifier).
 */

export const revocationsQuerySchema = z.strictObject({
  from: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a feed position: a non-negative integer')
    .transform(Number)
    .optional(),
});

export function createRevocationFeedRoutes(deps: { feed: RevocationFeed; config: Pick<Config, 'relyingServices' | 'sessionMemory' | 'rateLimits'>; window: SlidingWindow; audit: AuditLog }): Router {
  const { feed, config, window, audit } = deps;
  const router = Router();
  const requireService = requireRelyingService({ services: config.relyingServices, window, limit: config.rateLimits.loginPerIp, audit });
  router
    .route('/revocations')
    .get(requireService, async (req, res) => {
      const { from } = parseInput(revocationsQuerySchema, req.query);
      const entries = await feed.readFrom(from ?? (await feed.currentSeq()));
      res.json({
        success: true,
        leaseMs: config.sessionMemory.leaseMs,
        entries: entries.map(({ seq, sessionIds }) => ({ seq, sessionIds })),
      });
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
