import { Types } from 'mongoose';
import request from 'supertest';
import { bearer, cookiesOf, expectAuthCookiesExpired, loginUser, PASSWORD, registerUser, type SignedInUser } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const me = (user: SignedInUser) => request(t.app).get('/api/v1/users/me').set(...bearer(user));
const refreshWith = (user: SignedInUser) => request(t.app).post('/api/v1/auth/refresh').set('Cookie', `refreshToken=${user.refreshToken}`);

/** One user signed in on three devices. */
async function threeDevices() {
  const laptop = await registerUser(t.app);
  const phone = await loginUser(t.app, laptop.email, PASSWORD, 'phone');
  const tablet = await loginUser(t.app, laptop.email, PASSWORD, 'tablet');
  return { laptop, phone, tablet };
}

async function expectWorks(user: SignedInUser, works: boolean) {
  expect((await me(user)).status).toBe(works ? 200 : 401);
}

describe('POST /api/v1/auth/logout?scope=', () => {
  it('others: revokes every other session, keeps the current one and its cookies', async () => {
    const { laptop, phone, tablet } = await threeDevices();
    const res = await request(t.app).post('/api/v1/auth/logout?scope=others').set(...bearer(laptop));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String), revokedSessions: 2 });
    expect(res.headers['set-cookie']).toBeUndefined();
    await expectWorks(laptop, true);
    await expectWorks(phone, false);
    await expectWorks(tablet, false);
    expect((await refreshWith(phone)).status).toBe(401);
    expect((await refreshWith(laptop)).status).toBe(200);
  });

  it('global: revokes every session including the current one and expires both cookies', async () => {
    const { laptop, phone, tablet } = await threeDevices();
    const res = await request(t.app).post('/api/v1/auth/logout?scope=global').set('Cookie', laptop.cookieHeader);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String), revokedSessions: 3 });
    expectAuthCookiesExpired(res);
    for (const device of [laptop, phone, tablet]) {
      await expectWorks(device, false);
      expect((await refreshWith(device)).status).toBe(401);
    }
    expect(await t.models.SessionRevocation.countDocuments({ userId: laptop.id, reason: 'logout_global' })).toBe(3);
  });

  it('local is the default and leaves the other sessions alone', async () => {
    const { laptop, phone } = await threeDevices();
    const res = await request(t.app).post('/api/v1/auth/logout?scope=local').set(...bearer(laptop));
    expect(res.body).toEqual({ success: true, message: 'Logged out successfully' });
    await expectWorks(laptop, false);
    await expectWorks(phone, true);
  });

  it('does not touch another user’s sessions', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    await request(t.app).post('/api/v1/auth/logout?scope=global').set(...bearer(alice));
    await expectWorks(bob, true);
  });

  it.each(['everything', 'LOCAL', ''])('answers 400 VALIDATION_ERROR for scope=%s, revokes nothing, leaves cookies alone', async (scope) => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post(`/api/v1/auth/logout?scope=${scope}`).set(...bearer(user));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_ERROR');
    expect(res.headers['set-cookie']).toBeUndefined();
    await expectWorks(user, true);
    expect(await t.models.SessionRevocation.countDocuments({ userId: user.id })).toBe(0);
  });

  it('answers 400 for a repeated scope parameter', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/logout?scope=local&scope=global').set(...bearer(user));
    expect(res.status).toBe(400);
    await expectWorks(user, true);
  });
});

describe('GET /api/v1/auth/sessions', () => {
  it('lists the caller’s active sessions, newest first, exactly one current, never a token or hash', async () => {
    const { laptop, phone, tablet } = await threeDevices();
    await request(t.app).post('/api/v1/auth/logout').set(...bearer(phone));
    const res = await request(t.app).get('/api/v1/auth/sessions').set(...bearer(laptop));

    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.sessions.map((s: { id: string }) => s.id)).toEqual([tablet.sessionId, laptop.sessionId]);
    expect(res.body.sessions.filter((s: { current: boolean }) => s.current)).toEqual([expect.objectContaining({ id: laptop.sessionId })]);
    expect(res.body.sessions[0]).toEqual({
      id: tablet.sessionId,
      current: false,
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      expiresAt: expect.any(String),
      userAgent: 'tablet',
      ip: expect.any(String),
    });
    const body = JSON.stringify(res.body);
    for (const secret of [laptop.refreshToken, laptop.accessToken, 'refreshTokenHash']) expect(body).not.toContain(secret);
  });

  it('never lists an expired session, nor accepts its tokens', async () => {
    const { laptop, phone } = await threeDevices();
    await t.models.Session.updateOne({ _id: phone.sessionId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await request(t.app).get('/api/v1/auth/sessions').set(...bearer(laptop));
    expect(res.body.sessions.map((s: { id: string }) => s.id)).not.toContain(phone.sessionId);
    await expectWorks(phone, false);
  });

  it('answers 401 without credentials', async () => {
    const res = await request(t.app).get('/api/v1/auth/sessions');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
  });
});

describe('DELETE /api/v1/auth/sessions/:id', () => {
  it('revokes another session of the caller', async () => {
    const { laptop, phone } = await threeDevices();
    const res = await request(t.app).delete(`/api/v1/auth/sessions/${phone.sessionId}`).set(...bearer(laptop));
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.headers['set-cookie']).toBeUndefined();
    await expectWorks(phone, false);
    await expectWorks(laptop, true);
    expect((await t.models.SessionRevocation.findById(phone.sessionId).lean())?.reason).toBe('session_revoked');
  });

  it('revoking the current session behaves like logout: cookies expired, tokens dead', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).delete(`/api/v1/auth/sessions/${user.sessionId}`).set('Cookie', user.cookieHeader);
    expect(res.status).toBe(200);
    expectAuthCookiesExpired(res);
    await expectWorks(user, false);
  });

  it('revoking the current session by its id in upper case ends the browser session too', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).delete(`/api/v1/auth/sessions/${user.sessionId.toUpperCase()}`).set('Cookie', user.cookieHeader);
    expect(res.status).toBe(200);
    expectAuthCookiesExpired(res);
    expect(res.headers['clear-site-data']).toBe('"cache", "storage"');
    await expectWorks(user, false);
  });

  it('answers 404 SESSION_NOT_FOUND for another user’s session and for an unknown id', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    for (const id of [bob.sessionId, new Types.ObjectId().toString()]) {
      const res = await request(t.app).delete(`/api/v1/auth/sessions/${id}`).set(...bearer(alice));
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, code: 'SESSION_NOT_FOUND', message: expect.any(String) });
    }
    await expectWorks(bob, true);
  });

  it('takes the id in upper case too, as MongoDB reads it', async () => {
    const { laptop, phone } = await threeDevices();
    const res = await request(t.app).delete(`/api/v1/auth/sessions/${phone.sessionId.toUpperCase()}`).set(...bearer(laptop));
    expect(res.status).toBe(200);
    await expectWorks(phone, false);
    await expectWorks(laptop, true);
  });

  it('answers 400 VALIDATION_ERROR for a malformed id', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).delete('/api/v1/auth/sessions/not-an-id').set(...bearer(user));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_ERROR');
  });
});

describe('POST /api/v1/users/me/password', () => {
  it('changes the password, revokes every other session, and keeps the caller signed in', async () => {
    const { laptop, phone, tablet } = await threeDevices();
    const res = await request(t.app)
      .post('/api/v1/users/me/password')
      .set(...bearer(laptop))
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new password' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, revokedSessions: 2 });
    await expectWorks(laptop, true);
    await expectWorks(phone, false);
    await expectWorks(tablet, false);
    const oldLogin = await request(t.app).post('/api/v1/auth/login').send({ email: laptop.email, password: PASSWORD });
    expect(oldLogin.status).toBe(401);
    const newLogin = await request(t.app).post('/api/v1/auth/login').send({ email: laptop.email, password: 'a brand new password' });
    expect(newLogin.status).toBe(200);
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong current password and changes nothing', async () => {
    const { laptop, phone } = await threeDevices();
    const res = await request(t.app)
      .post('/api/v1/users/me/password')
      .set(...bearer(laptop))
      .send({ currentPassword: 'not the password', newPassword: 'a brand new password' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
    await expectWorks(phone, true);
    expect((await request(t.app).post('/api/v1/auth/login').send({ email: laptop.email, password: PASSWORD })).status).toBe(200);
  });

  it('answers 400 VALIDATION_ERROR for a too-short new password', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/users/me/password').set(...bearer(user)).send({ currentPassword: PASSWORD, newPassword: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_ERROR');
  });
});

describe('races against the real database', () => {
  it.each([1, 2, 3])('round %i: logout racing refreshes of the same session leaves no live token behind', async () => {
    const user = await registerUser(t.app);
    const refreshes = Array.from({ length: 15 }, () => refreshWith(user));
    const logout = request(t.app).post('/api/v1/auth/logout').set(...bearer(user));
    const [logoutRes, ...refreshResults] = await Promise.all([logout, ...refreshes]);
    expect(logoutRes.status).toBe(200);

    // Whatever the concurrent refreshes minted, none of it works once logout has answered.
    for (const res of refreshResults) {
      const cookies = cookiesOf(res);
      if (res.status === 200) {
        expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${res.body.accessToken}`)).status).toBe(401);
      }
      const minted = cookies.refreshToken?.value;
      if (minted) expect((await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `refreshToken=${minted}`)).status).toBe(401);
    }
    expect((await refreshWith(user)).status).toBe(401);
    await expectWorks(user, false);
  });

  it('global logout racing refreshes and requests on other devices revokes every session', async () => {
    const { laptop, phone, tablet } = await threeDevices();
    const [global] = await Promise.all([
      request(t.app).post('/api/v1/auth/logout?scope=global').set(...bearer(laptop)),
      refreshWith(phone),
      refreshWith(tablet),
      me(phone),
    ]);
    expect(global.status).toBe(200);
    for (const device of [laptop, phone, tablet]) await expectWorks(device, false);
    const sessions = await t.models.Session.find({ userId: laptop.id }).lean();
    const revoked = await t.models.SessionRevocation.find({ _id: { $in: sessions.map((s) => s._id) } }).lean();
    expect(revoked).toHaveLength(3);
  });

  it('many concurrent logouts of one session: at least one 200, the rest 200 or 401, exactly one revocation', async () => {
    const user = await registerUser(t.app);
    const results = await Promise.all(Array.from({ length: 10 }, () => request(t.app).post('/api/v1/auth/logout').set(...bearer(user))));
    expect(results.some((r) => r.status === 200)).toBe(true);
    for (const r of results) expect([200, 401]).toContain(r.status);
    expect(await t.models.SessionRevocation.countDocuments({ _id: user.sessionId })).toBe(1);
  });
});
