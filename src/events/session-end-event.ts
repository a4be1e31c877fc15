import type { RevocationReason } from '../db/session-models';

/**
 * What the session core says whenever sessions end (issue 17's one event per session end). The outbox
 * (session-event-outbox.ts) turns each one into a signed event per ended session per receiver.
 */
export type SessionEndReason =
  | 'logout'
  | 'logout_others'
  | 'logout_global'
  | 'session_deleted'
  | 'password_changed'
  | 'admin_revoked'
  | 'account_deleted'
  | 'session_limit'
  | 'idle_expired'
  | 'absolute_expired'
  | 'refresh_reuse';

export type InitiatingEntity = 'user' | 'admin' | 'policy' | 'system';

export interface SessionsEnded {
  userId: string;
  sessionIds: string[];
  reason: SessionEndReason;
  at: Date;
  initiatedBy: InitiatingEntity;
}

/** Who ends a session for each reason: the CAEP `initiating_entity` of its event. */
export const INITIATED_BY = {
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
} as const satisfies Record<SessionEndReason, InitiatingEntity>;

export const SESSION_END_REASONS = Object.keys(INITIATED_BY) as SessionEndReason[];

/** Today's stored revocation reasons under their event names (the session core renames them). */
const EVENT_REASON = {
  logout: 'logout',
  logout_others: 'logout_others',
  logout_global: 'logout_global',
  session_revoked: 'session_deleted',
  refresh_token_reused: 'refresh_reuse',
  password_changed: 'password_changed',
  account_deleted: 'account_deleted',
  session_limit: 'session_limit',
  admin_revoked: 'admin_revoked',
} as const satisfies Record<RevocationReason, SessionEndReason>;

/** The event for sessions a revocation has just committed. */
export function sessionsRevoked(userId: string, sessionIds: string[], reason: RevocationReason, at: Date): SessionsEnded {
  const eventReason = EVENT_REASON[reason];
  return { userId, sessionIds, reason: eventReason, at, initiatedBy: INITIATED_BY[eventReason] };
}
