import request from 'supertest';
import { createAuditLog } from '../src/audit-log';
import { createLogger } from '../src/logger';
import { createSessionAdmin } from '../src/operator/session-admin';
import type { SessionEndReason, SessionsEnded } from '../src/sessions/session';
import { bearer, loginUser, PASSWORD, registerUser, type SignedInUser, cookiesOf } from './support/auth-helpers';
import { createTestClock } from './support/test-clock';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Every way a session ends, on the real database: each produces exactly one SessionsEnded event naming the
 * sessions that ended, its reason and who initiated it, and the stored revocation says the same.
 */

const clock = createTestClock();
let t: TestApp;
const events: SessionsEnded[] = [];
beforeAll(async () => {
  t = await startTestApp({ SESSION_LIMIT_PER_USER: '3', REFRESH_TOKEN_TTL: '1h', SESSION_ABSOLUTE_LIFETIME: '3h', REFRESH_REUSE_GRACE_SECONDS: '10' }, undefined, {
    clock: clock.now,
  });
  t.ends.listen((event) => events.push(event));
});
afterAll(() => t.close());

const eventsOf = (user: SignedInUser) => events.filter((event) => event.userId === user.id);

/** Exactly one event for the user: these sessions, this reason, this initiator; and the revocations agree. */
async function expectOneEnd(user: SignedInUser, sessionIds: string[], reason: SessionEndReason, initiatedBy: string): Promise<void> {
  const ended = eventsOf(user);
  expect(ended).toEqual([{ userId: user.id, sessionIds: expect.arrayContaining(sessionIds), reason, at: expect.any(Date), initiatedBy }]);
  expect(ended[0]!.sessionIds).toHaveLength(sessionIds.length);
  for (const sessionId of sessionIds) expect((await t.models.SessionRevocation.findById(sessionId).lean())?.reason).toBe(reason);
}

describe('one event for every session end', () => {
  it('logout (local): the caller’s session, by the user', async () => {
    const user = await registerUser(t.app);
    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);
    await expectOneEnd(user, [user.sessionId], 'logout', 'user');
  });

  it('logout of the others: every other session, in one event', async () => {
    const user = await registerUser(t.app);
    const [laptop, phone] = [await loginUser(t.app, user.email), await loginUser(t.app, user.email)];
    expect((await request(t.app).post('/api/v1/auth/logout?scope=others').set(...bearer(user))).body.revokedSessions).toBe(2);
    await expectOneEnd(user, [laptop.sessionId, phone.sessionId], 'logout_others', 'user');
  });

  it('global logout: every session, the caller’s included', async () => {
    const user = await registerUser(t.app);
    const laptop = await loginUser(t.app, user.email);
    expect((await request(t.app).post('/api/v1/auth/logout?scope=global').set(...bearer(user))).body.revokedSessions).toBe(2);
    await expectOneEnd(user, [user.sessionId, laptop.sessionId], 'logout_global', 'user');
  });

  it('DELETE /auth/sessions/:id: that session, as session_deleted', async () => {
    const user = await registerUser(t.app);
    const phone = await loginUser(t.app, user.email);
    expect((await request(t.app).delete(`/api/v1/auth/sessions/${phone.sessionId}`).set(...bearer(user))).status).toBe(200);
    await expectOneEnd(user, [phone.sessionId], 'session_deleted', 'user');
  });

  it('a password change: the other sessions', async () => {
    const user = await registerUser(t.app);
    const phone = await loginUser(t.app, user.email);
    const res = await request(t.app).post('/api/v1/users/me/password').set(...bearer(user)).send({ currentPassword: PASSWORD, newPassword: 'another long passphrase 42' });
    expect(res.status).toBe(200);
    await expectOneEnd(user, [phone.sessionId], 'password_changed', 'user');
  });

  it('a replayed refresh token past the grace period: its session, by the system', async () => {
    const user = await registerUser(t.app);
    const refresh = () => request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${user.cookieNames.refresh}=${user.refreshToken}`);
    expect((await refresh()).status).toBe(200);
    clock.advance(11_000);
    expect((await refresh()).body.code).toBe('REFRESH_TOKEN_REUSED');
    await expectOneEnd(user, [user.sessionId], 'refresh_reuse', 'system');
  });

  it('account deletion: every session, once, though the deletion ends them twice over', async () => {
    const user = await registerUser(t.app);
    const laptop = await loginUser(t.app, user.email);
    expect((await request(t.app).delete('/api/v1/users/me').set(...bearer(user)).send({ password: PASSWORD })).status).toBe(200);
    await expectOneEnd(user, [user.sessionId, laptop.sessionId], 'account_deleted', 'user');
  });

  it('the session limit: the least recently used session, by policy', async () => {
    const user = await registerUser(t.app);
    for (let i = 0; i < 3; i += 1) {
      clock.advance(1000);
      await loginUser(t.app, user.email);
    }
    await expectOneEnd(user, [user.sessionId], 'session_limit', 'policy');
  });

  it('an operator’s revoke: every session, by an admin', async () => {
    const user = await registerUser(t.app);
    const admin = createSessionAdmin({ User: t.models.User, core: t.core, audit: createAuditLog(createLogger('silent')), operator: 'test' });
    expect((await admin.revokeSessions(user.email)).revoked).toBe(1);
    await expectOneEnd(user, [user.sessionId], 'admin_revoked', 'admin');
  });

  it('the idle timeout: the session ends with idle_expired once the sweep finds it, and only once', async () => {
    const user = await registerUser(t.app);
    clock.advance(60 * 60_000 + 3_000);
    await t.core.endExpiredSessions();
    await t.core.endExpiredSessions();
    await expectOneEnd(user, [user.sessionId], 'idle_expired', 'policy');
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(401);
  });

  it('the absolute lifetime: a session refreshed all along ends with absolute_expired', async () => {
    const user = await registerUser(t.app);
    let refreshToken = user.refreshToken;
    for (let i = 0; i < 5; i += 1) {
      clock.advance(35 * 60_000);
      const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${user.cookieNames.refresh}=${refreshToken}`);
      expect(res.status).toBe(200);
      refreshToken = cookiesOf(res)[user.cookieNames.refresh]!.value;
    }
    clock.advance(3 * 60 * 60_000 - 5 * 35 * 60_000 + 3_000);
    await t.core.endExpiredSessions();
    await expectOneEnd(user, [user.sessionId], 'absolute_expired', 'policy');
  });
});
