import type { PasswordAttempts } from '../auth/password-attempts';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import { refuseBreachedPassword } from '../auth/breached-passwords';
import type { PasswordHasher } from '../auth/password';
import { toPublicUser, type PublicUser } from '../auth/public-user';
import type { UserModel } from '../db/user-model';
import type { SessionCaller } from '../sessions/session';
import type { SessionCore } from '../sessions/session-core';
import { SessionError } from '../sessions/session-errors';

export function createUserService(deps: {
  User: UserModel;
  core: SessionCore;
  passwords: PasswordHasher;
  passwordAttempts: PasswordAttempts;
}) {
  const { User, core, passwords, passwordAttempts } = deps;

  /**
   * The caller's user. A session this instance remembers keeps the user's public fields beside it, so a
   * known session's user costs no read: account deletion ends every session through the revocation
   * barrier before the user is gone, and nothing else changes these fields (docs/SCALING.md).
   */
  async function getUser(caller: SessionCaller): Promise<PublicUser> {
    const kept = core.keptBesideSession(caller) as PublicUser | undefined;
    if (kept) return kept;
    const user = await User.findById(caller.userId).lean();
    // A valid session of a user that no longer exists is no session at all.
    if (!user) throw new SessionError('not_authenticated');
    const publicUser = toPublicUser(user);
    core.keepBesideSession(caller, publicUser);
    return publicUser;
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
    if (!user) throw new SessionError('not_authenticated');
    if (!(await passwordAttempts.verify({ session: sessionId }, user.passwordHash, input.currentPassword))) {
      throw new ApiError(errors.WRONG_CURRENT_PASSWORD);
    }
    await User.updateOne({ _id: user._id }, { $set: { passwordHash: await passwords.hashPassword(input.newPassword) } });
    return core.endSessions({ userId, allSessions: true, except: sessionId }, 'password_changed');
  }

  /**
   * Deletes the account, in an order where a failure at any step leaves a consistent account:
   * 1. every session ends (through the barrier): should the rest fail, the user can sign in again
   *    and retry;
   * 2. the user is deleted: from here on a sign-in still checking its password finds no user once it has
   *    made its session, and ends that session itself (sign-in-service.ts);
   * 3. the sessions are revoked once more: a sign-in that saw the user before step 2 made its session
   *    before step 2 too, so this listing includes it;
   * 4. the sessions' own records go. Revocations stay until they expire: the feed and any database read
   *    still need them to answer "revoked".
   */
  async function deleteAccount(userId: string, sessionId: string, password: string): Promise<void> {
    const user = await User.findById(userId).lean();
    if (!user) throw new SessionError('not_authenticated');
    // A guess, counted against this session's own budget (password-attempts.ts).
    if (!(await passwordAttempts.verify({ session: sessionId }, user.passwordHash, password))) {
      throw new ApiError(errors.WRONG_PASSWORD);
    }
    await core.endSessions({ userId, allSessions: true }, 'account_deleted');
    await User.deleteOne({ _id: user._id });
    await core.endSessions({ userId, allSessions: true }, 'account_deleted');
    await core.forgetUserSessions(userId);
  }

  return { getUser, changePassword, deleteAccount };
}

export type UserService = ReturnType<typeof createUserService>;
