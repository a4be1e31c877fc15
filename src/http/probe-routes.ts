import { Router } from 'express';
import type { Connection } from 'mongoose';
import { isDatabaseReachable } from '../db/connection';
import { ApiError } from './api-error';
import { errors } from './errors';
import { methodNotAllowed } from './method-not-allowed';

/** A load balancer waits about this long for a probe; a slower database counts as not ready. */
const READINESS_PING_LIMIT_MS = 2_000;

/** Liveness and readiness probes for orchestrators and load balancers; GET (and so HEAD) only. */
export function createProbeRoutes(connection: Connection, dbOperationTimeoutMs: number): Router {
  const router = Router();
  router
    .route('/healthz')
    .get((_req, res) => {
      res.json({ success: true, status: 'ok' });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  router
    .route('/readyz')
    .get(async (_req, res) => {
      const ready = await isDatabaseReachable(connection, Math.min(dbOperationTimeoutMs, READINESS_PING_LIMIT_MS));
      // Through the error handler, so the 503 carries Retry-After like every other 503.
      if (!ready) throw new ApiError(errors.DATABASE_UNREACHABLE);
      res.json({ success: true, status: 'ready' });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
