import type { SessionStore } from '../auth/session-store';
import { ApiError } from '../http/api-error';
import type { PasswordHasher } from './password';
import { toPublicUser, type PublicUser, type UserModel } from './user-model';

export function createUserService(deps: { User: UserModel; sessions: SessionStore; passwords: PasswordHasher }) {
  const { User, sessions, passwords } = deps;

  async function getUser(userId: string): Promise<PublicUser> {
    const user = await User.findById(userId).lean();
    // A valid session of a user that no longer exists is no session at all.
    if (!user) throw ApiError.unauthorized();
    return toPublicUser(user);
  }

  /** Changes the password and signs every other device out; the caller's own session stays. */
  async function changePassword(userId: string, sessionId: string, input: { currentPassword: string; newPassword: string }) {
    const user = await User.findById(userId).lean();
    if (!user) throw ApiError.unauthorized();
    if (!(await passwords.verifyPassword(user.passwordHash, input.currentPassword))) {
      throw new ApiError(401, 'INVALID_CREDENTIALS', 'Current password is incorrect');
    }
    await User.updateOne({ _id: user._id }, { $set: { passwordHash: await passwords.hashPassword(input.newPassword) } });
    return sessions.revokeOtherSessions(userId, sessionId, 'password_changed');
  }

  /**
   * Deletes the account: the user first, so that a sign-in still checking its password finds no user
   * once it has made its session (auth-service.ts); then every session through the revocation barrier;
   * then the sessions' own records. Revocations stay until they expire: the feed and any database read
   * still need them to answer "revoked".
   */
  async function deleteAccount(userId: string, password: string): Promise<void> {
    const user = await User.findById(userId).lean();
    if (!user) throw ApiError.unauthorized();
    if (!(await passwords.verifyPassword(user.passwordHash, password))) {
      throw new ApiError(401, 'INVALID_CREDENTIALS', 'Password is incorrect');
    }
    await User.deleteOne({ _id: user._id });
    await sessions.revokeAllSessions(userId, 'account_deleted');
    await sessions.deleteSessionRecords(userId);
  }

  return { getUser, changePassword, deleteAccount };
}

export type UserService = ReturnType<typeof createUserService>;
