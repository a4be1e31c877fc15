import type { AuditLog } from '../audit-log';
import { emailSchema } from '../auth/auth-schemas';
import { isObjectIdHex } from '../db/object-id';
import type { UserModel } from '../db/user-model';
import type { Session } from '../sessions/session';
import type { SessionCore } from '../sessions/session-core';
import { SessionError } from '../sessions/session-errors';

/**
 * What support staff do to a user's sessions when an account is compromised (OWASP ASVS 7.4.5): see
 * them, end one, end all. Through the session core the API itself uses, so a revocation here is exactly
 * a logout there (every instance refuses the session's tokens), and audited as `admin_revoked`.
 */

/** A refusal the operator should read: one line, no stack. */
export class OperatorError extends Error {
  override name = 'OperatorError';
}

export interface RevokedSessions {
  email: string;
  revoked: number;
  /** Set when one session was named. */
  sessionId?: string;
}

export function createSessionAdmin(deps: { User: UserModel; core: SessionCore; audit: AuditLog; operator: string }) {
  const { User, core, audit, operator } = deps;

  /** The user an email names, normalised as login normalises it. */
  async function findUser(email: string) {
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) throw new OperatorError(`"${email}" is not an email address`);
    const user = await User.findOne({ email: parsed.data }, { _id: 1, email: 1 }).lean();
    if (!user) throw new OperatorError(`no user with the email ${parsed.data}`);
    return { userId: user._id.toString(), email: user.email };
  }

  async function listSessions(email: string): Promise<{ email: string; sessions: Session[] }> {
    const user = await findUser(email);
    return { email: user.email, sessions: await core.listSessions(user.userId) };
  }

  /** All of the user's active sessions, or only `sessionId`, which must be one of them. */
  async function revokeSessions(email: string, sessionId?: string): Promise<RevokedSessions> {
    const user = await findUser(email);
    let revoked: number;
    if (sessionId === undefined) {
      revoked = await core.endSessions({ userId: user.userId, allSessions: true }, 'admin_revoked');
    } else {
      const noSuchSession = new OperatorError(`${user.email} has no active session ${sessionId}`);
      if (!isObjectIdHex(sessionId)) throw noSuchSession;
      revoked = await core.endSessions({ userId: user.userId, sessionId }, 'admin_revoked').catch((error: unknown) => {
        throw error instanceof SessionError && error.kind === 'session_not_found' ? noSuchSession : error;
      });
      // Ended by someone else in between counts as not active any more.
      if (revoked === 0) throw noSuchSession;
    }
    audit.record(undefined, 'admin_revoked', { operator, userId: user.userId, ...(sessionId ? { sessionId } : {}), revokedSessions: revoked });
    return { email: user.email, revoked, ...(sessionId ? { sessionId } : {}) };
  }

  return { listSessions, revokeSessions };
}
