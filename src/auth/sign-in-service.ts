import { isDuplicateKeyError } from '../db/errors';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import type { UserModel } from '../db/user-model';
import type { Session } from '../sessions/session';
import type { SessionCore } from '../sessions/session-core';
import { refuseBreachedPassword } from './breached-passwords';
import type { PasswordHasher } from './password';
import { toPublicUser, type PublicUser } from './public-user';
import type { LoginInput, RegisterInput } from './auth-schemas';
import type { PasswordAttempts } from './password-attempts';
import { signAccessToken, type AccessTokenSettings } from './tokens';

export interface ClientInfo {
  userAgent: string;
  ip: string;
}

/** What the cookies and the body of a sign-in or refresh carry; lifetimes in seconds. */
export interface IssuedTokens {
  accessToken: string;
  /** The access token's lifetime: ACCESS_TOKEN_TTL, or less when the session ends sooner. */
  expiresIn: number;
  /** Only for the request that won a rotation (and every sign-in). */
  refreshToken?: string;
  /** The refresh cookie's Max-Age: the idle timeout, or less when the session ends sooner. */
  refreshMaxAge: number;
}

export interface SignedIn extends IssuedTokens {
  user: PublicUser;
  sessionId: string;
  refreshToken: string;
  /** Sessions of this user revoked to keep within SESSION_LIMIT_PER_USER, least recently used first. */
  evictedSessionIds: string[];
}

const invalidCredentials = () => new ApiError(errors.INVALID_CREDENTIALS);

/** Register, sign in and refresh: the user records and passwords here, the session rules in the core. */
export function createSignInService(deps: {
  User: UserModel;
  core: SessionCore;
  passwords: PasswordHasher;
  passwordAttempts: PasswordAttempts;
  tokenSettings: AccessTokenSettings;
}) {
  const { User, core, passwords, passwordAttempts, tokenSettings } = deps;

  async function issueTokens(session: Session, refreshToken?: string): Promise<IssuedTokens> {
    const claims = { userId: session.userId, sessionId: session.id };
    const { token, expiresIn } = await signAccessToken(tokenSettings, claims, session.expiresAt.getTime());
    // Counted from when the session was last stamped (this sign-in or rotation), never past its end.
    const refreshMaxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - session.lastUsedAt.getTime()) / 1000));
    return { accessToken: token, expiresIn, refreshMaxAge, ...(refreshToken ? { refreshToken } : {}) };
  }

  async function startSession(user: Parameters<typeof toPublicUser>[0], client: ClientInfo): Promise<SignedIn> {
    // An account deleted while this sign-in checked its password: the deletion lists the sessions again
    // after removing the user, so either it lists this one or the user is gone by now (user-service.ts).
    const userStillExists = async () => (await User.exists({ _id: user._id })) !== null;
    const started = await core.startSession({ userId: user._id.toString(), ...client }, userStillExists);
    if (!started) throw invalidCredentials();
    const { session, refreshToken, evictedSessionIds } = started;
    return { user: toPublicUser(user), sessionId: session.id, ...(await issueTokens(session)), refreshToken, evictedSessionIds };
  }

  async function register(input: RegisterInput, client: ClientInfo): Promise<SignedIn> {
    refuseBreachedPassword(input.password);
    const passwordHash = await passwords.hashPassword(input.password);
    try {
      const user = await User.create({ email: input.email, passwordHash, ...(input.name ? { name: input.name } : {}) });
      return await startSession(user, client);
    } catch (error) {
      // The unique index decides, so two racing registrations of one email cannot both succeed.
      if (isDuplicateKeyError(error)) {
        throw new ApiError(errors.EMAIL_TAKEN);
      }
      throw error;
    }
  }

  /** `device`: the device id of a valid device cookie for this email (device-cookies.ts), if one was sent. */
  async function login(input: LoginInput, client: ClientInfo, device?: string): Promise<SignedIn> {
    const user = await User.findOne({ email: input.email }).lean();
    // Same work, same count and same answer whether the email is unknown or the password wrong.
    const attempt = { account: input.email, ip: client.ip, ...(device === undefined ? {} : { device }) };
    const valid = await passwordAttempts.verify(attempt, user?.passwordHash, input.password);
    if (!user || !valid) throw invalidCredentials();
    return startSession(user, client);
  }

  /** A new access token always; a new refresh token only for the request that won the rotation. */
  async function refresh(refreshToken: string): Promise<IssuedTokens & { userId: string; sessionId: string }> {
    const rotation = await core.rotateRefreshToken(refreshToken);
    const ids = { userId: rotation.session.userId, sessionId: rotation.session.id };
    return { ...ids, ...(await issueTokens(rotation.session, rotation.outcome === 'rotated' ? rotation.refreshToken : undefined)) };
  }

  return { register, login, refresh };
}

export type SignInService = ReturnType<typeof createSignInService>;
