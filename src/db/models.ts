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
/** MongoDB's IndexOptionsConflict: an index on these keys exists with other options (an older TTL). */
const INDEX_OPTIONS_CONFLICT = 85;

/**
 * A session's record outlives its end by this long before the TTL monitor (or the sweeper) deletes it:
 * the session core's expiry sweep must find it first, to end it with its event (src/sessions/session-expiry.ts).
 */
export const SESSION_RECORD_GRACE_SECONDS = 60 * 60;

function indexSpecs(models: Models): IndexSpec[] {
  const ttl = { expireAfterSeconds: 0 };
  const m = (model: Model<never> | Model<any>) => model as Model<never>; // eslint-disable-line @typescript-eslint/no-explicit-any
  return [
    { model: m(models.User), keys: { email: 1 }, options: { unique: true } },
    { model: m(models.Session), keys: { userId: 1, createdAt: -1 } },
    { model: m(models.Session), keys: { expiresAt: 1 }, options: { expireAfterSeconds: SESSION_RECORD_GRACE_SECONDS } },
    { model: m(models.RefreshToken), keys: { sessionId: 1 } },
    // Account deletion removes a user's refresh tokens, and the rotations of their sessions.
    { model: m(models.RefreshToken), keys: { userId: 1 } },
    { model: m(models.RefreshTokenRotation), keys: { sessionId: 1 } },
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
 * refresh tokens, a user's refresh tokens and a session's rotations (account deletion), rate-limit counts,
 * and expiry. Point reads by `_id` and the revocation feed (read and pruned in `_id` order) use the `_id`
 * index every collection has.
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
      if (options?.expireAfterSeconds === undefined) throw error;
      if (errorCode(error) === INDEX_OPTIONS_CONFLICT) {
        // A database made by an earlier version, with another TTL: change it in place.
        await model.db.db!.command({ collMod: model.collection.collectionName, index: { keyPattern: keys, expireAfterSeconds: options.expireAfterSeconds } });
        continue;
      }
      if (errorCode(error) !== NOT_IMPLEMENTED) throw error;
      ttl = false;
      await model.collection.createIndex(keys, {});
    }
  }
  return { ttl };
}
