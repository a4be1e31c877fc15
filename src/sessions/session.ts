/**
 * The session core's vocabulary: what a session is, how one ends and what the end tells. Plain data
 * (ids as lower-case hex strings, times as Dates), so the rules never depend on how storage spells them.
 */

export interface Session {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  /** The idle timeout from the last use, never past the absolute end. */
  expiresAt: Date;
  userAgent: string;
  ip: string;
}

/** A user and one of their sessions: what a valid credential proves. */
export interface SessionCaller {
  userId: string;
  sessionId: string;
}

/** Every way a session ends, in the words receivers of session-end events read (docs/API.md). */
export const SESSION_END_REASONS = [
  'logout',
  'logout_others',
  'logout_global',
  'session_deleted',
  'password_changed',
  'admin_revoked',
  'account_deleted',
  'session_limit',
  'idle_expired',
  'absolute_expired',
  'refresh_reuse',
] as const;

export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/** Who ended it (the CAEP `initiating_entity`). */
export type Initiator = 'user' | 'admin' | 'policy' | 'system';

const INITIATORS: Record<SessionEndReason, Initiator> = {
  logout: 'user',
  logout_others: 'user',
  logout_global: 'user',
  session_deleted: 'user',
  password_changed: 'user',
  account_deleted: 'user',
  admin_revoked: 'admin',
  session_limit: 'policy',
  idle_expired: 'policy',
  absolute_expired: 'policy',
  refresh_reuse: 'system',
};

export function initiatorOf(reason: SessionEndReason): Initiator {
  return INITIATORS[reason];
}

/** What the core tells its listeners each time sessions end: emitted once per end, after it is committed. */
export interface SessionsEnded {
  userId: string;
  sessionIds: string[];
  reason: SessionEndReason;
  at: Date;
  initiatedBy: Initiator;
}

/** Which sessions to end. */
export type SessionSelector =
  /** One session, which must be the user's. */
  | { userId: string; sessionId: string }
  /** Every live session of the user, but `except` (the caller's own) when given. */
  | { userId: string; allSessions: true; except?: string };

export type LogoutScope = 'local' | 'others' | 'global';
