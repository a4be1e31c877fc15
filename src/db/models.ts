import type { Connection, Model } from 'mongoose';
import { createRateLimitHitModel, type RateLimitHitModel } from './rate-limit-hit-model';
import { createSessionEventModels, type SessionEventModels } from './session-event-models';
import { createSessionModels, type SessionModels } from './session-models';
import { createUserModel, type UserModel } from './user-model';

export interface Models extends SessionModels, SessionEventModels {
  User: UserModel;
  RateLimitHit: RateLimitHitModel;
}

export function createModels(connection: Connection): Models {
  return {
    User: createUserModel(connection),
    ...createSessionModels(connection),
    RateLimitHit: createRateLimitHitModel(connection),
    ...createSessionEventModels(connection),
  };
}

interface IndexSpec {
  model: Model<never>;
  keys: Record<string, 1 | -1>;
  options?: { unique?: boolean; expireAfterSeconds?: number; name?: string };
}

/** MongoDB's NotImplemented, which FerretDB v1 answers to index options it does not support (TTL among them). */
const NOT_IMPLEMENTED = 238;

function indexSpecs(models: Models): IndexSpec[] {
  const ttl = { expireAfterSeconds: 0 };
  const m = (model: Model<never> | Model<any>) => model as Model<never>; // eslint-disable-line @typescript-eslint/no-explicit-any
  return [
    { model: m(models.User), keys: { email: 1 }, options: { unique: true } },
    { model: m(models.Session), keys: { userId: 1, createdAt: -1 } },
    { model: m(models.Session), keys: { expiresAt: 1 }, options: ttl },
    { model: m(models.RefreshToken), keys: { sessionId: 1 } },
    { model: m(models.RefreshToken), keys: { expiresAt: 1 }, options: ttl },
    { model: m(models.RefreshTokenRotation), keys: { expiresAt: 1 }, options: ttl },
    { model: m(models.SessionRevocation), keys: { userId: 1 } },
    { model: m(models.SessionRevocation), keys: { expiresAt: 1 }, options: ttl },
    // A rate-limit count: the hits under one key within the window (src/http/rate-limit-hits.ts).
    { model: m(models.RateLimitHit), keys: { key: 1, at: 1 } },
    { model: m(models.RateLimitHit), keys: { expiresAt: 1 }, options: ttl },
    // A receiver's due session-end events, and the oldest pending one (src/events/event-delivery.ts);
    // FerretDB scans instead, over pending events only.
    { model: m(models.OutboxEvent), keys: { receiver: 1, nextAttemptAt: 1 } },
    { model: m(models.OutboxEvent), keys: { createdAt: 1 } },
    { model: m(models.FailedEvent), keys: { receiver: 1 } },
  ];
}

function errorCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? Number(error.code) : undefined;
}

/**
 * Creates the secondary indexes: users by email, a user's sessions, a user's revocations, a session's
 * refresh tokens, rate-limit counts, and expiry. Point reads by `_id` and the revocation feed (read and
 * pruned in `_id` order) use the `_id` index every collection has. Deleting an account removes refresh
 * tokens by `userId` and rotations by `sessionId`, which no index serves: rare, so those scan.
 *
 * TTL indexes let MongoDB delete expired sessions and tokens; where the server rejects them (FerretDB
 * v1) a plain index takes their place, and expiry is enforced in code everywhere anyway, so correctness
 * never depends on the TTL monitor.
 * Returns whether TTL indexes are active.
 */
export async function ensureIndexes(models: Models): Promise<{ ttl: boolean }> {
  let ttl = true;
  for (const { model, keys, options } of indexSpecs(models)) {
    try {
      await model.collection.createIndex(keys, options ?? {});
    } catch (error) {
      if (options?.expireAfterSeconds === undefined || errorCode(error) !== NOT_IMPLEMENTED) throw error;
      ttl = false;
      await model.collection.createIndex(keys, {});
    }
  }
  return { ttl };
}
