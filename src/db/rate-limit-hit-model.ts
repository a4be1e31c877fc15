import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * One counted request of a rate limiter: an insert, never an update, so that counting is exact on
 * FerretDB too (why, and the counting itself: src/http/rate-limit-hits.ts).
 */

export interface RateLimitHitDocument {
  _id: Types.ObjectId;
  key: string;
  at: Date;
  /** For the TTL index (MongoDB) or the sweeper (FerretDB); counting never depends on it. */
  expiresAt: Date;
}

const rateLimitHitSchema = new Schema<RateLimitHitDocument>(
  {
    key: { type: String, required: true },
    at: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'rate_limit_hits', versionKey: false },
);

export type RateLimitHitModel = Model<RateLimitHitDocument>;

export function createRateLimitHitModel(connection: Connection): RateLimitHitModel {
  return connection.model<RateLimitHitDocument>('RateLimitHit', rateLimitHitSchema);
}
