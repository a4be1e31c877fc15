import type { Clock } from '../clock';
import { generateRefreshToken, hashToken } from './refresh-tokens';
import type { Session } from './session';
import { SessionError } from './session-errors';
import type { SessionLifetime } from './session-lifetime';
import type { Revocation } from './session-revocation';
import type { SessionRepository } from './session-repository';

export type RotationResult =
  /** This request won the rotation: it carries the one successor refresh token. */
  | { outcome: 'rotated'; session: Session; refreshToken: string }
  /** The token was rotated moments ago by a concurrent request (another tab): no new refresh token. */
  | { outcome: 'within-grace'; session: Session };

/**
 * Swaps a refresh token for its successor. The claim "this token is used now" is the insert of its
 * rotation record: exactly one concurrent request wins it and issues the one successor. The others see the
 * record: within the grace period they get an access token only; after it, the token has been replayed,
 * and the whole session ends (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).
 */
export function createRefreshRotation(deps: {
  repository: SessionRepository;
  lifetime: SessionLifetime;
  revocation: Revocation;
  findLiveSession: (sessionId: string) => Promise<Session | undefined>;
  graceMs: number;
  clock: Clock;
}) {
  const { repository, lifetime, revocation, findLiveSession, graceMs, clock } = deps;

  async function findLiveRecord(refreshToken: string) {
    const tokenHash = hashToken(refreshToken);
    const record = await repository.findRefreshToken(tokenHash);
    return record && record.expiresAt.getTime() > clock() ? record : undefined;
  }

  /**
   * The session whose current refresh token this is, or was within the grace period (a tab that has not
   * seen the new cookie yet): what logout by refresh cookie alone acts on.
   */
  async function findSessionByRefreshToken(refreshToken: string): Promise<Session | undefined> {
    const record = await findLiveRecord(refreshToken);
    if (!record) return undefined;
    const rotation = await repository.findRotation(record.tokenHash);
    if (rotation && clock() - rotation.rotatedAt.getTime() > graceMs) return undefined;
    return findLiveSession(record.sessionId);
  }

  async function rotateRefreshToken(refreshToken: string): Promise<RotationResult> {
    const record = await findLiveRecord(refreshToken);
    if (!record) throw new SessionError('refresh_token_invalid');
    const session = await findLiveSession(record.sessionId);
    if (!session) throw new SessionError('refresh_token_invalid');

    // Every write the caller's retry would need comes before the claim. Should any of them fail, there is
    // no claim yet, and the same refresh token simply works again once the database is back; were the
    // claim first, the retry would find the token used and end the session as stolen.
    const now = new Date(clock());
    const expiresAt = lifetime.nextExpiry(session.createdAt, now);
    const successor = generateRefreshToken();
    const successorHash = hashToken(successor);
    await repository.insertRefreshToken({ tokenHash: successorHash, sessionId: session.id, userId: session.userId, createdAt: now, expiresAt });
    await repository.recordSessionUse(session.id, now, expiresAt);
    let claimed: boolean;
    try {
      claimed = await repository.insertRotation({
        tokenHash: record.tokenHash,
        sessionId: session.id,
        successorHash,
        rotatedAt: now,
        expiresAt: record.expiresAt,
      });
    } catch (error) {
      await repository.deleteRefreshToken(successorHash).catch(() => undefined);
      throw error;
    }
    if (claimed) return { outcome: 'rotated', session: { ...session, lastUsedAt: now, expiresAt }, refreshToken: successor };
    // The successor was never handed out: nobody can present it, and only the claim's winner has one.
    await repository.deleteRefreshToken(successorHash).catch(() => undefined);
    return settleLostRotation(record.tokenHash, session);
  }

  async function settleLostRotation(tokenHash: string, session: Session): Promise<RotationResult> {
    const rotation = await repository.findRotation(tokenHash);
    const rotatedAt = rotation?.rotatedAt.getTime() ?? 0;
    if (clock() - rotatedAt <= graceMs) return { outcome: 'within-grace', session };
    await revocation.endSessionsNow(session.userId, [session.id], 'refresh_reuse');
    throw new SessionError('refresh_token_reused', { userId: session.userId, sessionId: session.id });
  }

  return { findSessionByRefreshToken, rotateRefreshToken };
}
