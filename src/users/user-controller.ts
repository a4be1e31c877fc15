import type { RequestHandler } from 'express';
import type { AuditLog } from '../audit-log';
import { authOf } from '../auth/require-auth';
import { RateLimitedError, recordRateLimited } from '../http/rate-limits';
import { parseInput } from '../http/validate';
import type { UserService } from './user-service';
import { changePasswordSchema } from './user-schemas';

export function createUserController(users: UserService, audit: AuditLog) {
  const me: RequestHandler = async (req, res) => {
    res.json({ success: true, user: await users.getUser(authOf(req).userId) });
  };

  const changePassword: RequestHandler = async (req, res) => {
    const caller = authOf(req);
    const input = parseInput(changePasswordSchema, req.body ?? {});
    const revokedSessions = await users
      .changePassword(caller.userId, caller.sessionId, input, { ip: req.ip ?? '' })
      .catch((error: unknown) => {
        if (error instanceof RateLimitedError) recordRateLimited(audit, req, error.limiter);
        throw error;
      });
    res.json({ success: true, message: 'Password changed; other sessions have been signed out', revokedSessions });
  };

  return { me, changePassword };
}
