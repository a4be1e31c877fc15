import type { Session } from '../../src/sessions/session';
import type { SessionRepository } from '../../src/sessions/session-repository';

/**
 * What every SessionRepository must do, as the session core relies on it (src/sessions/session-repository.ts).
 * Run against MongoDB on the real database (session-repository.mongo.test.ts) and against the in-memory
 * implementation the rule tests use (session-repository.memory.test.ts).
 */
export interface ContractSubject {
  repository: SessionRepository;
  close(): Promise<void>;
}

const MINUTE = 60_000;

export function describeSessionRepositoryContract(name: string, open: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract: ${name}`, () => {
    let subject: ContractSubject;
    let repo: SessionRepository;
    beforeAll(async () => {
      subject = await open();
      repo = subject.repository;
    });
    afterAll(() => subject.close());

    const at = (offsetMs: number) => new Date(Date.UTC(2026, 0, 1) + offsetMs);
    let users = 0;
    const newUserId = () => `${'a'.repeat(16)}${(users++).toString(16).padStart(8, '0')}`;
    function newSession(userId: string, fields: Partial<Session> = {}): Session {
      return { id: repo.newSessionId(), userId, createdAt: at(0), lastUsedAt: at(0), expiresAt: at(10 * MINUTE), userAgent: 'agent', ip: '127.0.0.1', ...fields };
    }
    const hash = (n: number) => n.toString(16).padStart(64, '0');
    let hashes = 1;
    const newHash = () => hash(hashes++ * 1000);

    describe('sessions', () => {
      it('hands out distinct ids in lower-case hex and reads a session back as it was written', async () => {
        const ids = new Set(Array.from({ length: 50 }, () => repo.newSessionId()));
        expect(ids.size).toBe(50);
        for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
        const session = newSession(newUserId());
        await repo.insertSession(session);
        expect(await repo.findSession(session.id)).toEqual(session);
        expect(await repo.findSession(session.id.toUpperCase())).toEqual(session);
        expect(await repo.findSession(repo.newSessionId())).toBeUndefined();
      });

      it('moves lastUsedAt and expiresAt forward only', async () => {
        const session = newSession(newUserId());
        await repo.insertSession(session);
        await repo.recordSessionUse(session.id, at(5 * MINUTE), at(20 * MINUTE));
        await repo.recordSessionUse(session.id, at(1 * MINUTE), at(15 * MINUTE));
        expect(await repo.findSession(session.id)).toMatchObject({ lastUsedAt: at(5 * MINUTE), expiresAt: at(20 * MINUTE) });
      });

      it("lists a user's sessions in the window, newest first", async () => {
        const userId = newUserId();
        const old = newSession(userId, { createdAt: at(0) });
        const newer = newSession(userId, { createdAt: at(2 * MINUTE) });
        const ended = newSession(userId, { createdAt: at(3 * MINUTE), expiresAt: at(4 * MINUTE) });
        const tooOld = newSession(userId, { createdAt: at(-MINUTE) });
        const someoneElses = newSession(newUserId());
        for (const s of [old, newer, ended, tooOld, someoneElses]) await repo.insertSession(s);
        const listed = await repo.listUserSessions(userId, { endsAfter: at(5 * MINUTE), createdAfter: at(-1) });
        expect(listed.map((s) => s.id)).toEqual([newer.id, old.id]);
      });

      it('lists sessions past their stored end, up to the limit, and deletes them', async () => {
        const userId = newUserId();
        const ended = newSession(userId, { createdAt: at(100 * MINUTE), expiresAt: at(101 * MINUTE) });
        const endedNow = newSession(userId, { createdAt: at(100 * MINUTE), expiresAt: at(102 * MINUTE) });
        const live = newSession(userId, { createdAt: at(50 * MINUTE), expiresAt: at(102 * MINUTE + 1) });
        for (const s of [ended, endedNow, live]) await repo.insertSession(s);
        const listed = (await repo.listEndedSessions(at(102 * MINUTE), 1000)).map((s) => s.id);
        expect(listed).toEqual(expect.arrayContaining([ended.id, endedNow.id]));
        expect(listed).not.toContain(live.id);
        expect(await repo.listEndedSessions(at(102 * MINUTE), 1)).toHaveLength(1);
        await repo.deleteSessions([ended.id, endedNow.id]);
        expect(await repo.findSession(ended.id)).toBeUndefined();
        expect(await repo.findSession(live.id)).toBeDefined();
      });

      it("forgets a user's sessions, refresh tokens and rotations, but keeps their revocations", async () => {
        const userId = newUserId();
        const session = newSession(userId);
        const other = newSession(newUserId());
        for (const s of [session, other]) await repo.insertSession(s);
        const [token, otherToken] = [newHash(), newHash()];
        await repo.insertRefreshToken({ tokenHash: token, sessionId: session.id, userId, createdAt: at(0), expiresAt: at(MINUTE) });
        await repo.insertRefreshToken({ tokenHash: otherToken, sessionId: other.id, userId: other.userId, createdAt: at(0), expiresAt: at(MINUTE) });
        await repo.insertRotation({ tokenHash: token, sessionId: session.id, successorHash: newHash(), rotatedAt: at(0), expiresAt: at(MINUTE) });
        await repo.insertRevocation({ sessionId: session.id, userId, reason: 'account_deleted', revokedAt: at(0), expiresAt: at(MINUTE) });
        await repo.deleteUserSessions(userId);
        expect(await repo.findSession(session.id)).toBeUndefined();
        expect(await repo.findRefreshToken(token)).toBeUndefined();
        expect(await repo.findRotation(token)).toBeUndefined();
        expect(await repo.isRevoked(session.id)).toBe(true);
        expect(await repo.findSession(other.id)).toBeDefined();
        expect(await repo.findRefreshToken(otherToken)).toBeDefined();
      });
    });

    describe('refresh tokens and rotations', () => {
      it('stores a refresh token by its hash, reads it back and deletes it', async () => {
        const record = { tokenHash: newHash(), sessionId: repo.newSessionId(), userId: newUserId(), createdAt: at(0), expiresAt: at(MINUTE) };
        await repo.insertRefreshToken(record);
        expect(await repo.findRefreshToken(record.tokenHash)).toEqual(record);
        await repo.deleteRefreshToken(record.tokenHash);
        expect(await repo.findRefreshToken(record.tokenHash)).toBeUndefined();
      });

      it('lets exactly one of many concurrent claims of a token win', async () => {
        const tokenHash = newHash();
        const sessionId = repo.newSessionId();
        const claims = await Promise.all(
          Array.from({ length: 10 }, (_, i) => repo.insertRotation({ tokenHash, sessionId, successorHash: hash(i), rotatedAt: at(i), expiresAt: at(MINUTE) })),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
        const winner = claims.indexOf(true);
        expect(await repo.findRotation(tokenHash)).toEqual({ tokenHash, sessionId, successorHash: hash(winner), rotatedAt: at(winner), expiresAt: at(MINUTE) });
      });
    });

    describe('revocations', () => {
      it('revokes a session once: the first insert says so, every later one does not', async () => {
        const sessionId = repo.newSessionId();
        const userId = newUserId();
        const revocation = { sessionId, userId, reason: 'logout' as const, revokedAt: at(0), expiresAt: at(MINUTE) };
        expect(await repo.isRevoked(sessionId)).toBe(false);
        const results = await Promise.all(Array.from({ length: 8 }, () => repo.insertRevocation(revocation)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await repo.insertRevocation({ ...revocation, reason: 'logout_global' })).toBe(false);
        expect(await repo.isRevoked(sessionId)).toBe(true);
        const live = repo.newSessionId();
        expect(await repo.revokedAmong([sessionId, live])).toEqual(new Set([sessionId]));
        expect(await repo.revokedAmong([])).toEqual(new Set());
      });
    });

    describe('the revocation feed', () => {
      it('numbers entries densely, reads from a position on, and never loses a session named in an append', async () => {
        const start = await repo.feed.currentSeq();
        expect(await repo.feed.currentSeq()).toBe(start);
        const first = await repo.feed.append(['s-1']);
        expect(first).toBe(start + 1);
        const concurrent = await Promise.all(['s-2', 's-3', 's-4'].map((id) => repo.feed.append([id])));
        for (const seq of concurrent) expect(seq).toBeGreaterThan(first);
        const entries = await repo.feed.readFrom(start + 1);
        expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: entries.length }, (_, i) => start + 1 + i));
        expect(entries.flatMap((e) => e.sessionIds).sort()).toEqual(['s-1', 's-2', 's-3', 's-4']);
        expect(await repo.feed.currentSeq()).toBe(entries.at(-1)!.seq);
      });

      it('prunes from the bottom only and always keeps the newest entry', async () => {
        await repo.feed.append(['p-1']);
        const last = await repo.feed.append(['p-2']);
        await repo.feed.prune(new Date(Date.now() + 24 * 60 * MINUTE));
        const kept = await repo.feed.readFrom(0);
        expect(kept.map((e) => e.seq)).toEqual([last]);
        expect(await repo.feed.currentSeq()).toBe(last);
        expect(await repo.feed.append(['p-3'])).toBe(last + 1);
      });
    });
  });
}
