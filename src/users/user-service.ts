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

  return { getUser, changePassword };
}

export type UserService = ReturnType<typeof createUserService>;
