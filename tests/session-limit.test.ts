import request from 'supertest';
import { loadConfig } from '../src/config';
import { cookiesOf, loginUser, PASSWORD, registerUser, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { isOperation, recordOperations, roundsUntilRaced } from './support/operation-log';
import { startTestApp, type TestApp } from './support/test-app';
import { createTestClock } from './support/test-clock';

/** SESSION_LIMIT_PER_USER: a sign-in beyond the limit revokes the user's least recently used sessions. */

const lines: string[] = [];
const evictions = () =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.audit === 'sessions_evicted');

const clock = createTestClock();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SESSION_LIMIT_PER_USER: '3', LOG_LEVEL: 'info' }, undefined, { logDestination: { write: (line: string) => void lines.push(line) }, clock: clock.now });
});
afterAll(() => t.close());

const activeSessionIds = async (user: Pick<SignedInUser, 'accessToken'>) =>
  ((await request(t.app).get('/api/v1/auth/sessions').set('Authorization', `Bearer ${user.accessToken}`)).body.sessions as Array<{ id: string }>).map((s) => s.id);
const works = async (user: Pick<SignedInUser, 'accessToken'>) =>
  (await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${user.accessToken}`)).status === 200;

describe('SESSION_LIMIT_PER_USER', () => {
  it('a sign-in beyond the limit revokes the least recently used session, and the audit log says which', async () => {
    const first = await registerUser(t.app);
    clock.advance(1000);
    const second = await loginUser(t.app, first.email);
    clock.advance(1000);
    const third = await loginUser(t.app, first.email);
    clock.advance(1000);
    // The oldest session is used again (a refresh), so the least recently used is now the second.
    const refreshed = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${first.refreshToken}`);
    expect(refreshed.status).toBe(200);
    clock.advance(1000);

    const fourth = await loginUser(t.app, first.email);
    expect(await works(second)).toBe(false);
    for (const device of [first, third, fourth]) expect(await works(device)).toBe(true);
    expect((await activeSessionIds(fourth)).sort()).toEqual([first.sessionId, third.sessionId, fourth.sessionId].sort());
    expect(await t.models.SessionRevocation.findById(second.sessionId).lean()).toMatchObject({ reason: 'session_limit' });
    expect(evictions()).toContainEqual(expect.objectContaining({ userId: first.id, sessionIds: [second.sessionId], limit: 3 }));
  });

  it('registration counts too, and the new session is the most recent, so never the one revoked', async () => {
    const user = await registerUser(t.app);
    for (let i = 0; i < 4; i += 1) {
      clock.advance(1000);
      const latest = await loginUser(t.app, user.email);
      expect(await works(latest)).toBe(true);
    }
    expect(await works(user)).toBe(false);
  });

  it('concurrent sign-ins may pass the limit only while they run: afterwards exactly the limit stays, the newest', async () => {
    // Until a round had several sign-ins make their sessions before the first of them listed the user's.
    await roundsUntilRaced(async () => {
      const user = await registerUser(t.app);
      const log = recordOperations(t.connection);
      let logins: request.Response[];
      try {
        logins = await Promise.all(Array.from({ length: 8 }, () => request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD })));
      } finally {
        log.stop();
      }
      for (const res of logins) expect(res.status).toBe(200);
      const survivors = await t.models.Session.find({ userId: user.id }).lean();
      const revoked = new Set((await t.models.SessionRevocation.find({ userId: user.id }, { _id: 1 }).lean()).map((r) => r._id.toString()));
      const active = survivors.filter((s) => !revoked.has(s._id.toString()));
      expect(survivors).toHaveLength(9);
      expect(active).toHaveLength(3);
      // The three kept are the most recent in the one order every sign-in used.
      const mostRecent = [...survivors]
        .sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime() || b.createdAt.getTime() - a.createdAt.getTime() || b._id.toString().localeCompare(a._id.toString()))
        .slice(0, 3)
        .map((s) => s._id.toString());
      expect(active.map((s) => s._id.toString()).sort()).toEqual(mostRecent.sort());
      // Every sign-in got tokens; those of revoked sessions no longer work.
      const working = await Promise.all(logins.map((res) => works({ accessToken: res.body.accessToken })));
      expect(working.filter(Boolean).length).toBeLessThanOrEqual(3);
      expect(cookiesOf(logins[0]!)[REFRESH_COOKIE]).toBeDefined();

      const ofUser = (filter: Record<string, unknown>) => String(filter.userId) === user.id;
      const [firstListing] = log.positions(isOperation('sessions', 'find', ofUser));
      return log.positions(isOperation('sessions', 'insertOne', ofUser)).filter((i) => i < firstListing!).length >= 2;
    });
  });

  it('0 means no limit', async () => {
    const unlimited = await startTestApp({ SESSION_LIMIT_PER_USER: '0' });
    try {
      const user = await registerUser(unlimited.app);
      for (let i = 0; i < 5; i += 1) await loginUser(unlimited.app, user.email);
      expect(await unlimited.models.SessionRevocation.countDocuments({ userId: user.id })).toBe(0);
    } finally {
      await unlimited.close();
    }
  });

  it('defaults to 100', () => {
    expect(loadConfig({}).sessionLimitPerUser).toBe(100);
    expect(() => loadConfig({ SESSION_LIMIT_PER_USER: '-1' })).toThrow(/SESSION_LIMIT_PER_USER/);
  });
});
