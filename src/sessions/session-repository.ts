import type { Session, SessionEndReason } from './session';

/**
 * Storage under the session core. Every "this happened once" fact is an insert against a unique key
 * (a refresh token's rotation, a session's revocation, a feed number), which both MongoDB and FerretDB
 * make atomic; nothing the rules depend on is a conditional update. The MongoDB implementation is
 * src/db/mongo-session-repository.ts; tests/session-repository-contract.ts holds every implementation to
 * the same contract.
 */

export interface RefreshTokenRecord {
  /** SHA-256 of the token, hex; the raw token is never stored. */
  tokenHash: string;
  sessionId: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface RotationRecord {
  /** The hash of the token that was used. */
  tokenHash: string;
  sessionId: string;
  successorHash: string;
  rotatedAt: Date;
  expiresAt: Date;
}

export interface RevocationRecord {
  sessionId: string;
  userId: string;
  reason: SessionEndReason;
  revokedAt: Date;
  /** Kept at least until every refresh token of the session has expired. */
  expiresAt: Date;
}

export interface FeedEntry {
  seq: number;
  sessionIds: string[];
}

/**
 * Recent revocations in one dense order every instance reads (the lease argument: docs/SCALING.md).
 * Entry N exists only once N - 1 does; an insert that landed late never appears below a reader's position.
 */
export interface RevocationFeed {
  /** The newest entry's number; on an empty feed, writes entry 0 first. */
  currentSeq(): Promise<number>;
  /** Appends an entry naming these sessions; resolves with its number once committed. */
  append(sessionIds: string[]): Promise<number>;
  /**
   * Entries from `seq` on (itself included while kept), in order; they may end at a missing number (an
   * entry still committing), which a reader never steps over anyway.
   */
  readFrom(seq: number): Promise<FeedEntry[]>;
  /** Drops old entries from the bottom, never the newest; returns how many. */
  prune(now?: Date): Promise<number>;
}

export interface SessionRepository {
  /** A fresh session id in the store's own form (lower-case hex), unique without a round trip. */
  newSessionId(): string;
  insertSession(session: Session): Promise<void>;
  findSession(sessionId: string): Promise<Session | undefined>;
  /** Moves lastUsedAt and expiresAt forward only (a late write never moves them back). */
  recordSessionUse(sessionId: string, lastUsedAt: Date, expiresAt: Date): Promise<void>;
  /** The user's sessions ending after `endsAfter` and created after `createdAfter`, newest first. */
  listUserSessions(userId: string, window: { endsAfter: Date; createdAfter: Date }): Promise<Session[]>;
  /**
   * Up to `limit` sessions whose stored end has passed (`expiresAt <= now`): one range on the `expiresAt`
   * index, on MongoDB and on the embedded FerretDB alike (its patch set pushes date ranges down).
   */
  listEndedSessions(now: Date, limit: number): Promise<Session[]>;
  /** Removes these sessions' records (sessions that ended by themselves: session-expiry.ts). */
  deleteSessions(sessionIds: string[]): Promise<void>;
  /** Removes the user's sessions, refresh tokens and rotations (account deletion); revocations stay. */
  deleteUserSessions(userId: string): Promise<void>;

  insertRefreshToken(record: RefreshTokenRecord): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  deleteRefreshToken(tokenHash: string): Promise<void>;

  /** The claim that a refresh token is used now: true for the one insert that wins, false when it exists. */
  insertRotation(record: RotationRecord): Promise<boolean>;
  findRotation(tokenHash: string): Promise<RotationRecord | undefined>;

  /** True when this call revoked the session, false when it was revoked already. */
  insertRevocation(record: RevocationRecord): Promise<boolean>;
  isRevoked(sessionId: string): Promise<boolean>;
  /** Which of these sessions are revoked. */
  revokedAmong(sessionIds: string[]): Promise<Set<string>>;

  feed: RevocationFeed;
}
