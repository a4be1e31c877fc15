import { Types } from 'mongoose';
import type { Clock } from '../clock';
import type { Session } from '../sessions/session';
import type { RefreshTokenRecord, RevocationRecord, RotationRecord, SessionRepository } from '../sessions/session-repository';
import { isDuplicateKeyError } from './errors';
import { createMongoRevocationFeed } from './mongo-revocation-feed';
import type { SessionDocument, SessionModels } from './session-models';

/**
 * The session core's storage on MongoDB (and FerretDB, which speaks its protocol): ObjectIds, the
 * collections of session-models.ts, and duplicate keys read as "this happened already". Every claim the
 * core relies on is an insert against a unique `_id`; nothing here is a conditional update.
 */

const oid = (id: string) => new Types.ObjectId(id);

function toSession(document: SessionDocument): Session {
  return {
    id: document._id.toString(),
    userId: document.userId.toString(),
    createdAt: document.createdAt,
    lastUsedAt: document.lastUsedAt,
    expiresAt: document.expiresAt,
    userAgent: document.userAgent,
    ip: document.ip,
  };
}

/** Runs an insert against a unique `_id`: true when it landed, false when that `_id` exists already. */
async function insertOnce(insert: () => Promise<unknown>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

export function createMongoSessionRepository(models: SessionModels, clock?: Clock): SessionRepository {
  const { Session, RefreshToken, RefreshTokenRotation, SessionRevocation } = models;

  return {
    newSessionId: () => new Types.ObjectId().toString(),

    async insertSession(session) {
      const { id, userId, ...fields } = session;
      await Session.create({ _id: oid(id), userId: oid(userId), ...fields });
    },

    async findSession(sessionId) {
      const document = await Session.findById(oid(sessionId)).lean<SessionDocument>();
      return document ? toSession(document) : undefined;
    },

    async recordSessionUse(sessionId, lastUsedAt, expiresAt) {
      // Descriptive fields only; $max keeps a late, out-of-order write from moving them backwards.
      await Session.updateOne({ _id: oid(sessionId) }, { $max: { lastUsedAt, expiresAt } });
    },

    async listUserSessions(userId, { endsAfter, createdAfter }) {
      const documents = await Session.find({ userId: oid(userId), expiresAt: { $gt: endsAfter }, createdAt: { $gt: createdAfter } })
        .sort({ createdAt: -1, _id: -1 })
        .lean<SessionDocument[]>();
      return documents.map(toSession);
    },

    async listEndedSessions(now, limit) {
      const documents = await Session.find({ expiresAt: { $lte: now } })
        .limit(limit)
        .lean<SessionDocument[]>();
      return documents.map(toSession);
    },

    async deleteSessions(sessionIds) {
      if (sessionIds.length > 0) await Session.deleteMany({ _id: { $in: sessionIds.map(oid) } });
    },

    async deleteUserSessions(userId) {
      const owner = oid(userId);
      const sessionIds = (await Session.find({ userId: owner }, { _id: 1 }).lean()).map((s) => s._id);
      await RefreshTokenRotation.deleteMany({ sessionId: { $in: sessionIds } });
      await RefreshToken.deleteMany({ userId: owner });
      await Session.deleteMany({ userId: owner });
    },

    async insertRefreshToken({ tokenHash, sessionId, userId, createdAt, expiresAt }: RefreshTokenRecord) {
      await RefreshToken.create({ _id: tokenHash, sessionId: oid(sessionId), userId: oid(userId), createdAt, expiresAt });
    },

    async findRefreshToken(tokenHash) {
      const record = await RefreshToken.findById(tokenHash).lean();
      if (!record) return undefined;
      const { _id, sessionId, userId, createdAt, expiresAt } = record;
      return { tokenHash: _id, sessionId: sessionId.toString(), userId: userId.toString(), createdAt, expiresAt };
    },

    async deleteRefreshToken(tokenHash) {
      await RefreshToken.deleteOne({ _id: tokenHash });
    },

    insertRotation({ tokenHash, sessionId, successorHash, rotatedAt, expiresAt }: RotationRecord) {
      return insertOnce(() => RefreshTokenRotation.create({ _id: tokenHash, sessionId: oid(sessionId), successorHash, rotatedAt, expiresAt }));
    },

    async findRotation(tokenHash) {
      const record = await RefreshTokenRotation.findById(tokenHash).lean();
      if (!record) return undefined;
      const { _id, sessionId, successorHash, rotatedAt, expiresAt } = record;
      return { tokenHash: _id, sessionId: sessionId.toString(), successorHash, rotatedAt, expiresAt };
    },

    insertRevocation({ sessionId, userId, reason, revokedAt, expiresAt }: RevocationRecord) {
      return insertOnce(() => SessionRevocation.create({ _id: oid(sessionId), userId: oid(userId), reason, revokedAt, expiresAt }));
    },

    async isRevoked(sessionId) {
      return (await SessionRevocation.exists({ _id: oid(sessionId) })) !== null;
    },

    async revokedAmong(sessionIds) {
      if (sessionIds.length === 0) return new Set();
      const revoked = await SessionRevocation.find({ _id: { $in: sessionIds.map(oid) } }, { _id: 1 }).lean();
      return new Set(revoked.map((r) => r._id.toString()));
    },

    feed: createMongoRevocationFeed(models, clock),
  };
}
