/**
 * Why the session core refused. Plain errors with a kind: src/auth/session-error-mapping.ts turns each
 * into the HTTP answer and decides what becomes of the browser's cookies, so the rules never speak HTTP.
 */
export type SessionErrorKind =
  /** The credentials prove no live session (or prove several where only one may act). */
  | 'not_authenticated'
  /** The refresh token is unknown, expired, or its session has ended. */
  | 'refresh_token_invalid'
  /** The refresh token was used before, past the grace period: its session has just been ended. */
  | 'refresh_token_reused'
  /** No live session of this user has that id. */
  | 'session_not_found'
  /** The revocation is committed, but not yet announced to every instance; a retry completes it. */
  | 'revocation_unconfirmed';

export class SessionError extends Error {
  override name = 'SessionError';

  constructor(
    readonly kind: SessionErrorKind,
    /** The session concerned, where the refusal ended or named one (for the audit log). */
    readonly session?: { userId: string; sessionId: string },
  ) {
    super(kind);
  }
}
