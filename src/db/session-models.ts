import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { SessionEndReason } from '../sessions/session';

/**
 * Session state lives in five collections, split so that every claim that must never be undone is an
 * insert against a unique `_id`. On MongoDB any of these could be a conditional update, but FerretDB v1
 * implements findOneAndUpdate/updateOne as read, filter in process, rewrite the whole document: two
 * concurrent writers to one document can erase each other's changes. An insert against `_id` is atomic
 * on both, and nothing ever rewrites a claim document.
 *
 * - sessions: one per login; descriptive fields only (lastUsedAt, expiresAt, user agent, ip) that a lost
 *   concurrent update could at worst make a little stale, never revive.
 * - refresh_tokens: `_id` = SHA-256 of a refresh token the server issued; the raw token is never stored.
 * - refresh_token_rotations: `_id` = SHA-256 of a token that has been used; exactly one insert wins, so
 *   exactly one successor is ever issued for it.
 * - session_revocations: `_id` = session id; its existence is the revocation.
 * - revocation_feed: `_id` = a dense sequence number; the recent revocations, in the order every instance
 *   reads them to forget the sessions it remembers (mongo-revocation-feed.ts). Only recent entries are kept.
 */

export interface SessionDocument {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string;
  ip: string;
}

export interface RefreshTokenDocument {
  _id: string;
  sessionId: Types.ObjectId;
  userId: Types.ObjectId;
  createdAt: Date;
  expiresAt: Date;
}

export interface RefreshTokenRotationDocument {
  _id: string;
  sessionId: Types.ObjectId;
  successorHash: string;
  rotatedAt: Date;
  expiresAt: Date;
}

export interface SessionRevocationDocument {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  reason: SessionEndReason;
  revokedAt: Date;
  expiresAt: Date;
}

export interface RevocationFeedEntryDocument {
  /** 0, 1, 2, …: entry N is inserted only after entry N - 1 exists (mongo-revocation-feed.ts). */
  _id: number;
  sessionIds: string[];
  createdAt: Date;
  expiresAt: Date;
}

const sessionSchema = new Schema<SessionDocument>(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    userAgent: { type: String, default: '' },
    ip: { type: String, default: '' },
  },
  { collection: 'sessions', versionKey: false },
);

const refreshTokenSchema = new Schema<RefreshTokenDocument>(
  {
    _id: { type: String, required: true },
    sessionId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'refresh_tokens', versionKey: false },
);

const rotationSchema = new Schema<RefreshTokenRotationDocument>(
  {
    _id: { type: String, required: true },
    sessionId: { type: Schema.Types.ObjectId, required: true },
    successorHash: { type: String, required: true },
    rotatedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'refresh_token_rotations', versionKey: false },
);

const revocationSchema = new Schema<SessionRevocationDocument>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    reason: { type: String, required: true },
    revokedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'session_revocations', versionKey: false },
);

const revocationFeedSchema = new Schema<RevocationFeedEntryDocument>(
  {
    _id: { type: Number, required: true },
    sessionIds: { type: [String], required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'revocation_feed', versionKey: false },
);

export interface SessionModels {
  Session: Model<SessionDocument>;
  RefreshToken: Model<RefreshTokenDocument>;
  RefreshTokenRotation: Model<RefreshTokenRotationDocument>;
  SessionRevocation: Model<SessionRevocationDocument>;
  RevocationFeedEntry: Model<RevocationFeedEntryDocument>;
}

export function createSessionModels(connection: Connection): SessionModels {
  return {
    Session: connection.model<SessionDocument>('Session', sessionSchema),
    RefreshToken: connection.model<RefreshTokenDocument>('RefreshToken', refreshTokenSchema),
    RefreshTokenRotation: connection.model<RefreshTokenRotationDocument>('RefreshTokenRotation', rotationSchema),
    SessionRevocation: connection.model<SessionRevocationDocument>('SessionRevocation', revocationSchema),
    RevocationFeedEntry: connection.model<RevocationFeedEntryDocument>('RevocationFeedEntry', revocationFeedSchema),
  };
}
