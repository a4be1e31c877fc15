import type { Logger } from 'pino';
import { SESSION_RECORD_GRACE_SECONDS, type Models } from './models';

/**
 * Deletes expired sessions, refresh tokens, rotations, revocations and rate-limit hits where the server
 * has no TTL monitor (FerretDB v1). Correctness never depends on it: every read checks expiry in code.
 * It only keeps the collections from growing without bound (and, on FerretDB, every query scans its
 * whole collection, so it also keeps the queries' cost down). Sessions are left an hour past their end,
 * as MongoDB's TTL index leaves them: the session core's expiry sweep ends them with their event and
 * deletes them itself well before.
 */
export async function deleteExpiredDocuments(models: Models, now = new Date()): Promise<number> {
  const expired = { expiresAt: { $lte: now } };
  const results = await Promise.all([
    models.Session.deleteMany({ expiresAt: { $lte: new Date(now.getTime() - SESSION_RECORD_GRACE_SECONDS * 1000) } }),
    models.RefreshToken.deleteMany(expired),
    models.RefreshTokenRotation.deleteMany(expired),
    models.SessionRevocation.deleteMany(expired),
    models.RateLimitHit.deleteMany(expired),
  ]);
  return results.reduce((sum, result) => sum + result.deletedCount, 0);
}

export function startExpiredDocumentSweeper(models: Models, logger: Logger, intervalMs: number): () => void {
  const timer = setInterval(() => {
    deleteExpiredDocuments(models)
      .then((deleted) => deleted > 0 && logger.debug({ deleted }, 'deleted expired documents'))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not delete expired documents'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
