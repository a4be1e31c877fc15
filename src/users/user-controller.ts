import type { Request, RequestHandler } from 'express';
import type { AuditLog } from '../audit-log';
import { endBrowserSession } from '../auth/cookies';
import { authOf } from '../auth/auth-middleware';
import type { Config } from '../config';
import { RateLimitedError, recordRateLimited } from '../http/rate-limits';
import { parseInput } from '../http/validate';
import type { UserService } from './user-service';
import { changePasswordSchema, deleteAccountSchema } from './user-schemas';

export function createUserController(deps: { config: Config; users: UserService; audit: AuditLog }) {
  const { config, users, audit } = deps;

  /** A password check refused by its failure budget is audited, then answered as the 429 it is. */
  const auditRefusal = (req: Request) => (error: unknown) => {
    if (error instanceof RateLimitedError) recordRateLimited(audit, req, error.limiter);
    throw error;
  };

  const me: RequestHandler = async (req, res) => {
    res.json({ success: true, user: await users.getUser(authOf(req)) });
  };

  const changePassword: RequestHandler = async (req, res) => {
    const caller = authOf(req);
    const input = parseInput(changePasswordSchema, req.body ?? {});
    const revokedSessions = await users
      .changePassword(caller.userId, caller.sessionId, input)
      .catch(auditRefusal(req));
    res.json({ success: true, message: 'Password changed; other sessions have been signed out', revokedSessions });
  };

  const deleteAccount: RequestHandler = async (req, res) => {
    const caller = authOf(req);
    const { password } = parseInput(deleteAccountSchema, req.body ?? {});
    await users.deleteAccount(caller.userId, caller.sessionId, password).catch(auditRefusal(req));
    audit.record(req, 'account_deleted', { userId: caller.userId, sessionId: caller.sessionId });
    endBrowserSession(res, config);
    res.json({ success: true, message: 'Account deleted' });
  };

  return { me, changePassword, deleteAccount };
}
