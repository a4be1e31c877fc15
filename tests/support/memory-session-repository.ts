import { randomBytes } from 'node:crypto';
import type { Session } from '../../src/sessions/session';
import type { FeedEntry, RefreshTokenRecord, RevocationFeed, RevocationRecord, RotationRecord, SessionRepository } from '../../src/sessions/session-repository';

/**
 * A SessionRepository in memory, for fast tests of the session rules (tests/session-core.test.ts). It is
 * held to the very contract the MongoDB implementation is (tests/session-repository-contract.ts), so a
 * rule proved on it holds on the real one. Copies go in and out, as a database's would.
 */

const copy = <T extends object>(value: T): T => structuredClone(value);

function createMemoryFeed(retentionMs: number, clock: () => number): RevocationFeed {
  const entries = new Map<number, FeedEntry & { createdAt: number }>();
  const newest = () => (entries.size === 0 ? undefined : Math.max(...entries.keys()));
  return {
    async currentSeq() {
      const seq = newest();
      if (seq !== undefined) return seq;
      entries.set(0, { seq: 0, sessionIds: [], createdAt: clock() });
      return 0;
    },
    async append(sessionIds) {
      const seq = (newest() ?? -1) + 1;
      entries.set(seq, { seq, sessionIds: [...sessionIds], createdAt: clock() });
      return seq;
    },
    async readFrom(seq) {
      return [...entries.values()]
        .filter((entry) => entry.seq >= seq)
        .sort((a, b) => a.seq - b.seq)
        .map(({ seq: n, sessionIds }) => ({ seq: n, sessionIds: [...sessionIds] }));
    },
    async prune(now = new Date(clock())) {
      const expired = [...entries.values()].filter((entry) => entry.createdAt + retentionMs < now.getTime()).map((entry) => entry.seq);
      if (expired.length === 0) return 0;
      const below = Math.max(...expired);
      let removed = 0;
      for (const seq of [...entries.keys()]) {
        if (seq < below) {
          entries.delete(seq);
          removed += 1;
        }
      }
      return removed;
    },
  };
}

export function createMemorySessionRepository({ clock = () => Date.now(), feedRetentionMs = 60_000 } = {}): SessionRepository {
  const sessions = new Map<string, Session>();
  const refreshTokens = new Map<string, RefreshTokenRecord>();
  const rotations = new Map<string, RotationRecord>();
  const revocations = new Map<string, RevocationRecord>();

  function insertOnce<T>(map: Map<string, T>, key: string, value: T): boolean {
    if (map.has(key)) return false;
    map.set(key, copy(value as object) as T);
    return true;
  }

  return {
    newSessionId: () => randomBytes(12).toString('hex'),
    async insertSession(session) {
      if (!insertOnce(sessions, session.id, session)) throw new Error(`duplicate session ${session.id}`);
    },
    async findSession(sessionId) {
      const session = sessions.get(sessionId.toLowerCase());
      return session && copy(session);
    },
    async recordSessionUse(sessionId, lastUsedAt, expiresAt) {
      const session = sessions.get(sessionId);
      if (!session) return;
      if (lastUsedAt > session.lastUsedAt) session.lastUsedAt = new Date(lastUsedAt);
      if (expiresAt > session.expiresAt) session.expiresAt = new Date(expiresAt);
    },
    async listUserSessions(userId, { endsAfter, createdAfter }) {
      return [...sessions.values()]
        .filter((s) => s.userId === userId && s.expiresAt > endsAfter && s.createdAt > createdAfter)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
        .map(copy);
    },
    async listEndedSessions(now, limit) {
      return [...sessions.values()]
        .filter((s) => s.expiresAt <= now)
        .slice(0, limit)
        .map(copy);
    },
    async deleteSessions(sessionIds) {
      for (const id of sessionIds) sessions.delete(id);
    },
    async deleteUserSessions(userId) {
      const owned = new Set([...sessions.values()].filter((s) => s.userId === userId).map((s) => s.id));
      for (const [hash, rotation] of rotations) if (owned.has(rotation.sessionId)) rotations.delete(hash);
      for (const [hash, token] of refreshTokens) if (token.userId === userId) refreshTokens.delete(hash);
      for (const id of owned) sessions.delete(id);
    },
    async insertRefreshToken(record) {
      if (!insertOnce(refreshTokens, record.tokenHash, record)) throw new Error('duplicate refresh token');
    },
    async findRefreshToken(tokenHash) {
      const record = refreshTokens.get(tokenHash);
      return record && copy(record);
    },
    async deleteRefreshToken(tokenHash) {
      refreshTokens.delete(tokenHash);
    },
    async insertRotation(record) {
      return insertOnce(rotations, record.tokenHash, record);
    },
    async findRotation(tokenHash) {
      const record = rotations.get(tokenHash);
      return record && copy(record);
    },
    async insertRevocation(record) {
      return insertOnce(revocations, record.sessionId, record);
    },
    async isRevoked(sessionId) {
      return revocations.has(sessionId.toLowerCase());
    },
    async revokedAmong(sessionIds) {
      return new Set(sessionIds.filter((id) => revocations.has(id)));
    },
    feed: createMemoryFeed(feedRetentionMs, clock),
  };
}
