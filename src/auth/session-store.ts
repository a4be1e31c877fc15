import { Types } from 'mongoose';
import { ApiError } from '../http/api-error';
import type { SessionCache } from './session-cache';
import type { RevocationReason, SessionDocument, SessionModels } from './session-models';
import { generateRefreshToken, hashToken } from './tokens';

/**
 * The session core: create, validate, rotate and revoke. Every "this happened once" fact is an insert
 * against a unique `_id` (see session-models.ts), so it holds on MongoDB and on FerretDB alike.
 */

export interface SessionStoreSettings {
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
}

export interface NewSession {
  userId: string;
  userAgent: string;
  ip: string;
}

export type RotationResult =
  /** This request won the rotation: it carries the one successor refresh token. */
  | { outcome: 'rotated'; session: SessionDocument; refreshToken: string }
  /** The token was rotated moments ago by a concurrent request (another tab): no new refresh token. */
  | { outcome: 'within-grace'; session: SessionDocument };

const DUPLICATE_KEY = 11000;
/** Revocations outlive any session they guard, so an expired revocation never revives a session. */
const REVOCATION_MARGIN_MS = 60 * 60 * 1000;

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === DUPLICATE_KEY;
}

/** Carries which session was revoked, for the audit log; the client sees only the ApiError. */
export class RefreshTokenReusedError extends ApiError {
  constructor(
    readonly sessionId: string,
    readonly userId: string,
  ) {
    super(401, 'REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been revoked');
  }
}

const invalidRefreshToken = () => ApiError.unauthorized('Refresh token is invalid, expired or revoked');

/** Without a cache every check reads the database; the refresh path always does, with or without one. */
export function createSessionStore(models: SessionModels, settings: SessionStoreSettings, cache?: SessionCache) {
  const { Session, RefreshToken, RefreshTokenRotation, SessionRevocation } = models;
  const refreshTtlMs = settings.refreshTokenTtlSeconds * 1000;
  const graceMs = settings.refreshReuseGraceSeconds * 1000;

  async function issueRefreshToken(session: Pick<SessionDocument, '_id' | 'userId'>, now: Date) {
    const refreshToken = generateRefreshToken();
    const tokenHash = hashToken(refreshToken);
    await RefreshToken.create({
      _id: tokenHash,
      sessionId: session._id,
      userId: session.userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + refreshTtlMs),
    });
    return { refreshToken, tokenHash };
  }

  async function createSession(input: NewSession): Promise<{ session: SessionDocument; refreshToken: string }> {
    const now = new Date();
    const ids = { _id: new Types.ObjectId(), userId: new Types.ObjectId(input.userId) };
    const { refreshToken, tokenHash } = await issueRefreshToken(ids, now);
    const session: SessionDocument = {
      ...ids,
      refreshTokenHash: tokenHash,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + refreshTtlMs),
      userAgent: input.userAgent.slice(0, 512),
      ip: input.ip.slice(0, 64),
    };
    await Session.create(session);
    return { session, refreshToken };
  }

  /** The session if it exists, belongs to the user (when given), has not expired and was never revoked. */
  async function findActiveSession(sessionId: string, userId?: string): Promise<SessionDocument | undefined> {
    const [session, revoked] = await Promise.all([
      Session.findById(sessionId).lean<SessionDocument>(),
      SessionRevocation.exists({ _id: sessionId }),
    ]);
    if (!session || revoked) return undefined;
    if (session.expiresAt.getTime() <= Date.now()) return undefined;
    if (userId !== undefined && session.userId.toString() !== userId) return undefined;
    return session;
  }

  /**
   * The per-request check behind the auth middleware: the session cache when it may answer (see
   * session-cache.ts for its staleness bound), the database otherwise.
   */
  async function isSessionActive(sessionId: string, userId: string): Promise<boolean> {
    if (!cache?.enabled) return (await findActiveSession(sessionId, userId)) !== undefined;
    let known = cache.check(sessionId, userId);
    if (known === 'unverified') {
      await cache.whenPolled();
      known = cache.check(sessionId, userId);
    }
    if (known === 'active') return true;
    const readTicket = cache.beginRead();
    const session = await findActiveSession(sessionId, userId);
    if (session) cache.rememberActive(sessionId, userId, session.expiresAt, readTicket);
    return session !== undefined;
  }

  async function findRefreshTokenRecord(refreshToken: string) {
    const tokenHash = hashToken(refreshToken);
    const record = await RefreshToken.findById(tokenHash).lean();
    if (!record || record.expiresAt.getTime() <= Date.now()) return undefined;
    return { tokenHash, record };
  }

  /**
   * The session a refresh token belongs to, for logout by cookie alone: the token must be the session's
   * current one, or one rotated away within the grace period (a tab that has not seen the new cookie yet).
   */
  async function findSessionByRefreshToken(refreshToken: string): Promise<SessionDocument | undefined> {
    const found = await findRefreshTokenRecord(refreshToken);
    if (!found) return undefined;
    const rotation = await RefreshTokenRotation.findById(found.tokenHash).lean();
    if (rotation && Date.now() - rotation.rotatedAt.getTime() > graceMs) return undefined;
    return findActiveSession(found.record.sessionId.toString());
  }

  async function revokeSession(sessionId: string, userId: string, reason: RevocationReason): Promise<boolean> {
    const now = new Date();
    try {
      await SessionRevocation.create({
        _id: new Types.ObjectId(sessionId),
        userId: new Types.ObjectId(userId),
        reason,
        revokedAt: now,
        expiresAt: new Date(now.getTime() + refreshTtlMs + REVOCATION_MARGIN_MS),
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false; // already revoked: revocation is idempotent
      throw error;
    } finally {
      // After the insert, so that a read begun before it cannot re-cache the session (session-cache.ts).
      cache?.forget(sessionId);
    }
  }

  /** The user's sessions that are still usable, newest first. */
  async function listActiveSessions(userId: string): Promise<SessionDocument[]> {
    const sessions = await Session.find({ userId: new Types.ObjectId(userId), expiresAt: { $gt: new Date() } })
      .sort({ createdAt: -1, _id: -1 })
      .lean<SessionDocument[]>();
    if (sessions.length === 0) return [];
    const revoked = await SessionRevocation.find({ _id: { $in: sessions.map((s) => s._id) } }, { _id: 1 }).lean();
    const revokedIds = new Set(revoked.map((r) => r._id.toString()));
    return sessions.filter((s) => !revokedIds.has(s._id.toString()));
  }

  async function revokeSessionsWhere(userId: string, keep: (id: string) => boolean, reason: RevocationReason): Promise<number> {
    const targets = (await listActiveSessions(userId)).filter((s) => !keep(s._id.toString()));
    const results = await Promise.all(targets.map((s) => revokeSession(s._id.toString(), userId, reason)));
    return results.filter(Boolean).length;
  }

  function revokeOtherSessions(userId: string, currentSessionId: string, reason: RevocationReason): Promise<number> {
    return revokeSessionsWhere(userId, (id) => id === currentSessionId, reason);
  }

  function revokeAllSessions(userId: string, reason: RevocationReason): Promise<number> {
    return revokeSessionsWhere(userId, () => false, reason);
  }

  /**
   * Swaps a refresh token for its successor. The claim "this token is used now" is the insert of its
   * rotation record: exactly one concurrent request wins it and issues the one successor. The others
   * see the record: within the grace period they get an access token only; after it, the token has been
   * replayed, and the whole session is revoked (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).
   */
  async function rotateRefreshToken(refreshToken: string): Promise<RotationResult> {
    const found = await findRefreshTokenRecord(refreshToken);
    if (!found) throw invalidRefreshToken();
    const sessionId = found.record.sessionId.toString();
    const session = await findActiveSession(sessionId);
    if (!session) throw invalidRefreshToken();

    const now = new Date();
    const successor = generateRefreshToken();
    const successorHash = hashToken(successor);
    try {
      await RefreshTokenRotation.create({
        _id: found.tokenHash,
        sessionId: session._id,
        successorHash,
        rotatedAt: now,
        expiresAt: found.record.expiresAt,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return settleLostRotation(found.tokenHash, session);
    }

    const expiresAt = new Date(now.getTime() + refreshTtlMs);
    await RefreshToken.create({ _id: successorHash, sessionId: session._id, userId: session.userId, createdAt: now, expiresAt });
    // Descriptive fields only; $max keeps a late, out-of-order write from moving them backwards.
    await Session.updateOne(
      { _id: session._id },
      { $set: { refreshTokenHash: successorHash }, $max: { lastUsedAt: now, expiresAt } },
    );
    return { outcome: 'rotated', session: { ...session, lastUsedAt: now, expiresAt, refreshTokenHash: successorHash }, refreshToken: successor };
  }

  async function settleLostRotation(tokenHash: string, session: SessionDocument): Promise<RotationResult> {
    const rotation = await RefreshTokenRotation.findById(tokenHash).lean();
    const rotatedAt = rotation?.rotatedAt.getTime() ?? 0;
    if (Date.now() - rotatedAt <= graceMs) return { outcome: 'within-grace', session };
    await revokeSession(session._id.toString(), session.userId.toString(), 'refresh_token_reused');
    throw new RefreshTokenReusedError(session._id.toString(), session.userId.toString());
  }

  return {
    createSession,
    findActiveSession,
    isSessionActive,
    findSessionByRefreshToken,
    rotateRefreshToken,
    revokeSession,
    revokeOtherSessions,
    revokeAllSessions,
    listActiveSessions,
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
