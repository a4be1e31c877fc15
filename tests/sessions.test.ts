import { Types } from 'mongoose';
import request from 'supertest';
import { bearer, cookiesOf, expectAuthCookiesExpired, loginUser, PASSWORD, registerUser, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { isOperation, mintingFor, recordOperations, refreshesAcross, roundsUntilRaced, startAt } from './support/operation-log';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const me = (user: SignedInUser) => request(t.app).get('/api/v1/users/me').set(...bearer(user));
const refreshWith = (user: SignedInUser) => request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);

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

  it.each(['scope[]=global', 'scope[$ne]=local', 'SCOPE=global', 'scope=local&other=1'])(
    'answers 400 VALIDATION_ERROR for ?%s: a parameter that is not a plain scope is refused, not read as the default local',
    async (query) => {
      const user = await registerUser(t.app);
      const res = await request(t.app).post(`/api/v1/auth/logout?${query}`).set(...bearer(user));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, code: 'VALIDATION_ERROR', message: expect.any(String), details: expect.any(Array) });
      expect(res.headers['set-cookie']).toBeUndefined();
      await expectWorks(user, true);
    },
  );

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
    expect((await t.models.SessionRevocation.findById(phone.sessionId).lean())?.reason).toBe('session_deleted');
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
  /** auth_session_revocations_total for a reason: how many revocations the app counted as made. */
  const revocationsCounted = async (reason: string) =>
    (await t.metrics.sessionRevocations.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;

  const revocationOf = (sessionId: string) => isOperation('session_revocations', 'insertOne', (doc) => String(doc._id) === sessionId);

  /** Whatever concurrent refreshes minted, none of it works once the logout has answered. */
  async function expectMintedTokensDead(refreshes: request.Response[]) {
    for (const res of refreshes) {
      if (res.status === 200) {
        expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${res.body.accessToken}`)).status).toBe(401);
      }
      const minted = cookiesOf(res)[REFRESH_COOKIE]?.value;
      if (minted) expect((await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${minted}`)).status).toBe(401);
    }
  }

  it('logout racing refreshes of the same session leaves no live token behind, refreshes caught mid-rotation included', async () => {
    // At least three rounds, and until refreshes were caught mid-rotation by the revocation in one of them.
    await roundsUntilRaced(async () => {
      const user = await registerUser(t.app);
      // The logout starts at the critical point: the first refresh has found the session live and is minting.
      const logout = startAt(mintingFor([user.sessionId]), () => request(t.app).post('/api/v1/auth/logout').set(...bearer(user)));
      const log = recordOperations(t.connection, logout.onOperation);
      let refreshResults: request.Response[];
      try {
        refreshResults = await Promise.all(Array.from({ length: 15 }, () => refreshWith(user)));
        expect((await logout.result()).status).toBe(200);
      } finally {
        log.stop();
      }
      await expectMintedTokensDead(refreshResults);
      expect((await refreshWith(user)).status).toBe(401);
      await expectWorks(user, false);
      // Caught: refreshes that had read the session live before the revocation and claimed after it.
      const [revocation] = log.positions(revocationOf(user.sessionId));
      return refreshesAcross(log, user.sessionId, revocation!) > 0;
    }, { atLeast: 3 });
  });

  it('global logout listing the sessions while other devices’ refreshes are mid-rotation revokes every session', async () => {
    // At least three rounds, and until the listing caught refreshes mid-rotation in one of them.
    await roundsUntilRaced(async () => {
      const { laptop, phone, tablet } = await threeDevices();
      const others = [phone.sessionId, tablet.sessionId];
      // The logout starts as the first refresh of another device has found its session live and is minting.
      const global = startAt(mintingFor(others), () => request(t.app).post('/api/v1/auth/logout?scope=global').set(...bearer(laptop)));
      const log = recordOperations(t.connection, global.onOperation);
      let refreshResults: request.Response[];
      try {
        [, ...refreshResults] = await Promise.all([me(phone), ...[phone, tablet].flatMap((device) => Array.from({ length: 5 }, () => refreshWith(device)))]);
        expect((await global.result()).status).toBe(200);
      } finally {
        log.stop();
      }
      for (const device of [laptop, phone, tablet]) await expectWorks(device, false);
      await expectMintedTokensDead(refreshResults);
      const sessions = await t.models.Session.find({ userId: laptop.id }).lean();
      const revoked = await t.models.SessionRevocation.find({ _id: { $in: sessions.map((s) => s._id) } }).lean();
      expect(revoked).toHaveLength(3);
      // Caught: the logout listed the sessions while refreshes of them were mid-rotation.
      const [listing] = log.positions(isOperation('sessions', 'find', (filter) => String(filter.userId) === laptop.id));
      return others.some((sessionId) => refreshesAcross(log, sessionId, listing!) > 0);
    }, { atLeast: 3 });
  });

  it('many concurrent logouts of one session: each one that got past authentication answers 200, one revocation is written and counted once', async () => {
    // Until a round had several logouts authenticated before any had revoked the session, each of them
    // trying to write the revocation.
    await roundsUntilRaced(async () => {
      const user = await registerUser(t.app);
      const countedBefore = await revocationsCounted('logout');
      const log = recordOperations(t.connection);
      let results: request.Response[];
      try {
        results = await Promise.all(Array.from({ length: 10 }, () => request(t.app).post('/api/v1/auth/logout').set(...bearer(user))));
      } finally {
        log.stop();
      }
      const attempts = log.positions(revocationOf(user.sessionId)).length;
      // Revoking what another request just revoked is no error; the latecomers found the session dead.
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([...Array(attempts).fill(200), ...Array(10 - attempts).fill(401)]);
      // One revocation document, and exactly one logout counted it as its own.
      const revocations = await t.models.SessionRevocation.find({ userId: user.id }).lean();
      expect(revocations.map((r) => [r._id.toString(), r.reason])).toEqual([[user.sessionId, 'logout']]);
      expect((await revocationsCounted('logout')) - countedBefore).toBe(1);
      return attempts >= 2;
    });
  });
});
