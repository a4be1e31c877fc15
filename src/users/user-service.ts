import type { PasswordAttempts } from '../auth/password-attempts';
import type { SessionStore } from '../auth/session-store';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import { refuseBreachedPassword } from '../auth/breached-passwords';
import type { PasswordHasher } from '../auth/password';
import { toPublicUser, type PublicUser } from '../auth/public-user';
import type { UserModel } from '../db/user-model';

export function createUserService(deps: {
  User: UserModel;
  sessions: SessionStore;
  passwords: PasswordHasher;
  passwordAttempts: PasswordAttempts;
}) {
  const { User, sessions, passwords, passwordAttempts } = deps;

  async function getUser(userId: string): Promise<PublicUser> {
    const user = await User.findById(userId).lean();
    // A valid session of a user that no longer exists is no session at all.
    if (!user) throw new ApiError(errors.UNAUTHORIZED);
    return toPublicUser(user);
  }

  /**
   * Changes the password and signs every other device out; the caller's own session stays. A wrong
   * current password counts against this session's own budget (never the account-wide ceiling, which
   * someone else's guessing may have reached): a stolen session must not become an unlimited password
   * oracle, and the owner must not be locked out of what their session already proved. The new password is judged first, so a refused one costs no guess.
   */
  async function changePassword(
    userId: string,
    sessionId: string,
    input: { currentPassword: string; newPassword: string },
  ) {
    refuseBreachedPassword(input.newPassword);
    const user = await User.findById(userId).lean();
    if (!user) throw new ApiError(errors.UNAUTHORIZED);
    if (!(await passwordAttempts.verify({ session: sessionId }, user.passwordHash, input.currentPassword))) {
      throw new ApiError(errors.WRONG_CURRENT_PASSWORD);
    }
    await User.updateOne({ _id: user._id }, { $set: { passwordHash: await passwords.hashPassword(input.newPassword) } });
    return sessions.revokeOtherSessions(userId, sessionId, 'password_changed');
  }

  /**
   * Deletes the account, in an order where a failure at any step leaves a consistent account:
   * 1. every session is revoked (through the barrier): should the rest fail, the user can sign in again
   *    and retry;
   * 2. the user is deleted: from here on a sign-in still checking its password finds no user once it has
   *    made its session, and revokes that session itself (auth-service.ts);
   * 3. the sessions are revoked once more: a sign-in that saw the user before step 2 made its session
   *    before step 2 too, so this listing includes it;
   * 4. the sessions' own records go. Revocations stay until they expire: the feed and any database read
   *    still need them to answer "revoked".
   */
  async function deleteAccount(userId: string, sessionId: string, password: string): Promise<void> {
    const user = await User.findById(userId).lean();
    if (!user) throw new ApiError(errors.UNAUTHORIZED);
    // A guess, counted against this session's own budget (password-attempts.ts).
    if (!(await passwordAttempts.verify({ session: sessionId }, user.passwordHash, password))) {
      throw new ApiError(errors.WRONG_PASSWORD);
    }
    await sessions.revokeAllSessions(userId, 'account_deleted');
    await User.deleteOne({ _id: user._id });
    await sessions.revokeAllSessions(userId, 'account_deleted');
    await sessions.deleteSessionRecords(userId);
  }

  return { getUser, changePassword, deleteAccount };
}

export type UserService = ReturnType<typeof createUserService>;
