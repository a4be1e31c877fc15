import { isDuplicateKeyError } from '../db/errors';
import { ApiError } from '../http/api-error';
import type { PasswordHasher } from '../users/password';
import { toPublicUser, type PublicUser, type UserModel } from '../users/user-model';
import type { LoginInput, LogoutScope, RegisterInput } from './auth-schemas';
import type { AuthContext } from './require-auth';
import type { SessionStore } from './session-store';
import { signAccessToken, type AccessTokenSettings } from './tokens';

export interface ClientInfo {
  userAgent: string;
  ip: string;
}

export interface SignedIn {
  user: PublicUser;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
}

export function createAuthService(deps: {
  User: UserModel;
  sessions: SessionStore;
  passwords: PasswordHasher;
  tokenSettings: AccessTokenSettings;
}) {
  const { User, sessions, passwords, tokenSettings } = deps;

  async function startSession(user: Parameters<typeof toPublicUser>[0], client: ClientInfo): Promise<SignedIn> {
    const { session, refreshToken } = await sessions.createSession({ userId: user._id.toString(), ...client });
    const accessToken = signAccessToken(tokenSettings, { userId: user._id.toString(), sessionId: session._id.toString() });
    return { user: toPublicUser(user), sessionId: session._id.toString(), accessToken, refreshToken };
  }

  async function register(input: RegisterInput, client: ClientInfo): Promise<SignedIn> {
    const passwordHash = await passwords.hashPassword(input.password);
    try {
      const user = await User.create({ email: input.email, passwordHash, ...(input.name ? { name: input.name } : {}) });
      return await startSession(user, client);
    } catch (error) {
      // The unique index decides, so two racing registrations of one email cannot both succeed.
      if (isDuplicateKeyError(error)) {
        throw new ApiError(409, 'EMAIL_TAKEN', 'An account with this email already exists');
      }
      throw error;
    }
  }

  async function login(input: LoginInput, client: ClientInfo): Promise<SignedIn> {
    const user = await User.findOne({ email: input.email }).lean();
    // Same work and same answer whether the email is unknown or the password wrong.
    const valid = await passwords.verifyPassword(user?.passwordHash, input.password);
    if (!user || !valid) throw new ApiError(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect');
    return startSession(user, client);
  }

  /** A new access token always; a new refresh token only for the request that won the rotation. */
  async function refresh(refreshToken: string): Promise<{ accessToken: string; refreshToken?: string }> {
    const rotation = await sessions.rotateRefreshToken(refreshToken);
    const accessToken = signAccessToken(tokenSettings, {
      userId: rotation.session.userId.toString(),
      sessionId: rotation.session._id.toString(),
    });
    return rotation.outcome === 'rotated' ? { accessToken, refreshToken: rotation.refreshToken } : { accessToken };
  }

  /** Revokes the caller's session, the others, or all; returns how many sessions this call revoked. */
  async function logout(caller: AuthContext, scope: LogoutScope): Promise<number> {
    switch (scope) {
      case 'local':
        return (await sessions.revokeSession(caller.sessionId, caller.userId, 'logout')) ? 1 : 0;
      case 'others':
        return sessions.revokeOtherSessions(caller.userId, caller.sessionId, 'logout_others');
      case 'global':
        return sessions.revokeAllSessions(caller.userId, 'logout_global');
    }
  }

  return { register, login, refresh, logout };
}

export type AuthService = ReturnType<typeof createAuthService>;
