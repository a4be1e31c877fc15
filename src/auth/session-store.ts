import { Types } from 'mongoose';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import { systemClock, type Clock } from '../clock';
import { isDuplicateKeyError } from '../db/errors';
import type { SessionMemory } from './session-memory';
import type { RevocationReason, SessionDocument, SessionModels } from '../db/session-models';
import { generateRefreshToken, hashToken } from './tokens';
import { sessionsRevoked, type SessionsEnded } from '../events/session-end-event';

/**
 * The session core: create, validate, rotate and revoke. Every "this happened once" fact is an insert
 * against a unique `_id` (see db/session-models.ts), so it holds on MongoDB and on FerretDB alike.
 */

export interface SessionStoreSettings {
  /** The idle timeout: a session not refreshed for this long ends. */
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
  /** A session ends this long after it was created, however often it is refreshed. */
  sessionAbsoluteLifetimeSeconds: number;
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

/** What the session core reports as it works, for metrics; every hook is optional. */
export interface SessionEvents {
  /** `count` sessions were revoked by this call (already revoked ones are not counted). */
  revoked?(reason: RevocationReason, count: number): void;
  /** Where an authenticated request's session check was answered. */
  checked?(source: 'memory' | 'revoked_memory' | 'database'): void;
  /**
   * The sessions about to be revoked, before the revocation inserts: the event outbox (src/events/) writes
   * them as intents, delivered only once their revocation exists. Awaited; its failure fails the revocation.
   */
  ending?(ending: SessionsEnded): Promise<void>;
  /** The sessions whose revocation is now committed (already revoked ones included). */
  ended?(ended: SessionsEnded): void;
}

/** Revocations outlive any session they guard, so an expired revocation never revives a session. */
const REVOCATION_MARGIN_MS = 60 * 60 * 1000;

/** Carries which session was revoked, for the audit log; the client sees only the ApiError. */
export class RefreshTokenReusedError extends ApiError {
  constructor(
    readonly sessionId: string,
    readonly userId: string,
  ) {
    super(errors.REFRESH_REUSED);
  }
}

const invalidRefreshToken = () => new ApiError(errors.REFRESH_INVALID);

/**
 * With memory enabled, a known session costs no database round trip; the refresh path always reads the
 * database. Every revocation passes the memory's barrier before it returns (session-memory.ts).
 */
export function createSessionStore(
  models: SessionModels,
  settings: SessionStoreSettings,
  memory: SessionMemory,
  { clock = systemClock, events = {} }: { clock?: Clock; events?: SessionEvents } = {},
) {
  const { Session, RefreshToken, RefreshTokenRotation, SessionRevocation } = models;
  const refreshTtlMs = settings.refreshTokenTtlSeconds * 1000;
  const graceMs = settings.refreshReuseGraceSeconds * 1000;
  const absoluteLifetimeMs = settings.sessionAbsoluteLifetimeSeconds * 1000;

  /** The idle timeout counted from `now`, never past the session's absolute end. */
  function nextExpiry(createdAt: Date, now: Date): Date {
    return new Date(Math.min(now.getTime() + refreshTtlMs, createdAt.getTime() + absoluteLifetimeMs));
  }

  /**
   * The session with `expiresAt` as it stands under today's settings: a lifetime shortened since the
   * session was written shortens it too.
   */
  function withEffectiveEnd(session: SessionDocument): SessionDocument {
    const end = Math.min(session.expiresAt.getTime(), session.createdAt.getTime() + absoluteLifetimeMs);
    return end === session.expiresAt.getTime() ? session : { ...session, expiresAt: new Date(end) };
  }

  async function issueRefreshToken(session: Pick<SessionDocument, '_id' | 'userId'>, now: Date, expiresAt: Date) {
    const refreshToken = generateRefreshToken();
    const tokenHash = hashToken(refreshToken);
    await RefreshToken.create({ _id: tokenHash, sessionId: session._id, userId: session.userId, createdAt: now, expiresAt });
    return { refreshToken, tokenHash };
  }

  async function createSession(input: NewSession): Promise<{ session: SessionDocument; refreshToken: string }> {
    const now = new Date(clock());
    const ids = { _id: new Types.ObjectId(), userId: new Types.ObjectId(input.userId) };
    const expiresAt = nextExpiry(now, now);
    const { refreshToken } = await issueRefreshToken(ids, now, expiresAt);
    const session: SessionDocument = {
      ...ids,
      createdAt: now,
      lastUsedAt: now,
      expiresAt,
      userAgent: input.userAgent.slice(0, 512),
      ip: input.ip.slice(0, 64),
    };
    await Session.create(session);
    return { session, refreshToken };
  }

  /** The session if it exists, has not expired and was never revoked: undefined means dead for good. */
  async function findLiveSession(sessionId: string): Promise<SessionDocument | undefined> {
    const [session, revoked] = await Promise.all([
      Session.findById(sessionId).lean<SessionDocument>(),
      SessionRevocation.exists({ _id: sessionId }),
    ]);
    if (!session || revoked) return undefined;
    const live = withEffectiveEnd(session);
    return live.expiresAt.getTime() > clock() ? live : undefined;
  }

  /** The live session, if it belongs to the user (when given). */
  async function findActiveSession(sessionId: string, userId?: string): Promise<SessionDocument | undefined> {
    const session = await findLiveSession(sessionId);
    return session && (userId === undefined || session.userId.toString() === userId) ? session : undefined;
  }

  /** The per-request check behind the auth middleware: memory when it may answer, the database otherwise. */
  async function isSessionActive(sessionId: string, userId: string): Promise<boolean> {
    let known = memory.check(sessionId, userId);
    if (known === 'unverified') {
      await memory.whenPolled();
      known = memory.check(sessionId, userId);
    }
    if (known === 'active' || known === 'revoked') {
      events.checked?.(known === 'active' ? 'memory' : 'revoked_memory');
      return known === 'active';
    }
    events.checked?.('database');
    const session = await readSessionOnce(sessionId);
    if (!session) {
      memory.rememberRevoked(sessionId);
      return false;
    }
    return session.userId.toString() === userId;
  }

  /** Reads in flight by session id: concurrent first requests of one session share one read. */
  const readsInFlight = new Map<string, { startedAt: number; result: Promise<SessionDocument | undefined> }>();

  function readSessionOnce(sessionId: string): Promise<SessionDocument | undefined> {
    const shared = readsInFlight.get(sessionId);
    if (shared && memory.mayShareRead(shared.startedAt)) return shared.result;
    const read = memory.beginRead();
    const result = findLiveSession(sessionId)
      .then((session) => {
        if (session) memory.rememberActive(sessionId, session.userId.toString(), session.expiresAt, read);
        return session;
      })
      .finally(() => {
        if (readsInFlight.get(sessionId)?.result === result) readsInFlight.delete(sessionId);
      });
    readsInFlight.set(sessionId, { startedAt: read.startedAt, result });
    return result;
  }

  async function findRefreshTokenRecord(refreshToken: string) {
    const tokenHash = hashToken(refreshToken);
    const record = await RefreshToken.findById(tokenHash).lean();
    if (!record || record.expiresAt.getTime() <= clock()) return undefined;
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
    if (rotation && clock() - rotation.rotatedAt.getTime() > graceMs) return undefined;
    return findActiveSession(found.record.sessionId.toString());
  }

  /** True when this call revoked it, false when it was revoked already. */
  async function insertRevocation(sessionId: string, userId: string, reason: RevocationReason): Promise<boolean> {
    const now = new Date(clock());
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
      if (isDuplicateKeyError(error)) return false; // already revoked: revocation is idempotent
      throw error;
    }
  }

  /**
   * Revokes the sessions and returns, once no instance can accept them any more, how many this call
   * revoked. Sessions revoked before are announced again: a retry after a failed announcement completes it.
   */
  async function revokeSessions(userId: string, ids: string[], reason: RevocationReason): Promise<number> {
    // As stored (lower-case hex), however the caller typed it: memory and the feed compare strings.
    const sessionIds = ids.map((id) => new Types.ObjectId(id).toString());
    await events.ending?.(sessionsRevoked(userId, sessionIds, reason, new Date(clock())));
    const results = await Promise.allSettled(sessionIds.map((sessionId) => insertRevocation(sessionId, userId, reason)));
    const committed = sessionIds.filter((_, i) => results[i]!.status === 'fulfilled');
    const failed = sessionIds.filter((_, i) => results[i]!.status === 'rejected');
    memory.forgetUncertain(failed);
    await memory.publishRevocations(committed);
    events.ended?.(sessionsRevoked(userId, committed, reason, new Date(clock())));
    const revoked = results.filter((result) => result.status === 'fulfilled' && result.value).length;
    if (revoked > 0) events.revoked?.(reason, revoked);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return revoked;
  }

  async function revokeSession(sessionId: string, userId: string, reason: RevocationReason): Promise<boolean> {
    return (await revokeSessions(userId, [sessionId], reason)) > 0;
  }

  /** The user's sessions that are still usable, newest first. */
  async function listActiveSessions(userId: string): Promise<SessionDocument[]> {
    const now = clock();
    const sessions = await Session.find({
      userId: new Types.ObjectId(userId),
      expiresAt: { $gt: new Date(now) },
      createdAt: { $gt: new Date(now - absoluteLifetimeMs) },
    })
      .sort({ createdAt: -1, _id: -1 })
      .lean<SessionDocument[]>();
    if (sessions.length === 0) return [];
    const revoked = await SessionRevocation.find({ _id: { $in: sessions.map((s) => s._id) } }, { _id: 1 }).lean();
    const revokedIds = new Set(revoked.map((r) => r._id.toString()));
    return sessions.filter((s) => !revokedIds.has(s._id.toString())).map(withEffectiveEnd);
  }

  async function revokeSessionsWhere(userId: string, keep: (id: string) => boolean, reason: RevocationReason): Promise<number> {
    const targets = (await listActiveSessions(userId)).map((s) => s._id.toString()).filter((id) => !keep(id));
    return revokeSessions(userId, targets, reason);
  }

  /**
   * Keeps the user within `limit` active sessions (0 = no limit) by revoking all but the `limit` most
   * recently used, in one total order (lastUsedAt, then createdAt, then id). Concurrent sign-ins each list
   * after creating their own session; a session among the `limit` most recent of all is among the most
   * recent of any list that contains it, so no sign-in revokes it, and the last sign-in to list sees every
   * session and revokes the rest. The count may pass the limit only while sign-ins are in flight, by at
   * most their number, and settles at exactly the limit. (More concurrent sign-ins than the limit: the
   * oldest of them may find its own new session revoked at once.)
   */
  async function revokeSessionsBeyondLimit(userId: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const active = await listActiveSessions(userId);
    if (active.length <= limit) return [];
    const mostRecentFirst = active.sort(
      (a, b) =>
        b.lastUsedAt.getTime() - a.lastUsedAt.getTime() ||
        b.createdAt.getTime() - a.createdAt.getTime() ||
        b._id.toString().localeCompare(a._id.toString()),
    );
    const excess = mostRecentFirst.slice(limit).map((s) => s._id.toString());
    await revokeSessions(userId, excess, 'session_limit');
    return excess;
  }

  /** Removes a deleted user's sessions, refresh tokens and rotations; their revocations stay until they expire. */
  async function deleteSessionRecords(userId: string): Promise<void> {
    const owner = new Types.ObjectId(userId);
    const sessionIds = (await Session.find({ userId: owner }, { _id: 1 }).lean()).map((s) => s._id);
    await RefreshTokenRotation.deleteMany({ sessionId: { $in: sessionIds } });
    await RefreshToken.deleteMany({ userId: owner });
    await Session.deleteMany({ userId: owner });
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

    // Every write the caller's retry would need comes before the claim. Should any of them fail, there is
    // no claim yet, and the same refresh token simply works again once the database is back; were the
    // claim first, the retry would find the token used and revoke the session as stolen.
    const now = new Date(clock());
    const expiresAt = nextExpiry(session.createdAt, now);
    const successor = generateRefreshToken();
    const successorHash = hashToken(successor);
    await RefreshToken.create({ _id: successorHash, sessionId: session._id, userId: session.userId, createdAt: now, expiresAt });
    // Descriptive fields only; $max keeps a late, out-of-order write from moving them backwards.
    await Session.updateOne({ _id: session._id }, { $max: { lastUsedAt: now, expiresAt } });
    try {
      await RefreshTokenRotation.create({
        _id: found.tokenHash,
        sessionId: session._id,
        successorHash,
        rotatedAt: now,
        expiresAt: found.record.expiresAt,
      });
    } catch (error) {
      // The successor was never handed out: nobody can present it, and only the claim's winner has one.
      await RefreshToken.deleteOne({ _id: successorHash }).catch(() => undefined);
      if (!isDuplicateKeyError(error)) throw error;
      return settleLostRotation(found.tokenHash, session);
    }
    return { outcome: 'rotated', session: { ...session, lastUsedAt: now, expiresAt }, refreshToken: successor };
  }

  async function settleLostRotation(tokenHash: string, session: SessionDocument): Promise<RotationResult> {
    const rotation = await RefreshTokenRotation.findById(tokenHash).lean();
    const rotatedAt = rotation?.rotatedAt.getTime() ?? 0;
    if (clock() - rotatedAt <= graceMs) return { outcome: 'within-grace', session };
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
    revokeSessionsBeyondLimit,
    deleteSessionRecords,
    listActiveSessions,
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
