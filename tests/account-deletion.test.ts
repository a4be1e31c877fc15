import request from 'supertest';
import { bearer, cookiesOf, expectAuthCookiesExpired, loginUser, PASSWORD, registerUser, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { isOperation, recordOperations, refreshesAcross, roundsUntilRaced, startAt } from './support/operation-log';
import { startTestApp, type TestApp } from './support/test-app';

/** DELETE /api/v1/users/me: the end of an account. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: 'http://localhost:5173' });
});
afterAll(() => t.close());

const deleteAccount = (password: string) => request(t.app).delete('/api/v1/users/me').send({ password });
const me = (accessToken: string) => request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);
const refresh = (refreshToken: string) => request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${refreshToken}`);

describe('DELETE /api/v1/users/me', () => {
  it('deletes the account: 200, both cookies expired, no-store, Clear-Site-Data', async () => {
    const user = await registerUser(t.app);
    const res = await deleteAccount(PASSWORD).set(...bearer(user));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Account deleted' });
    expectAuthCookiesExpired(res);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['clear-site-data']).toBe('"cache", "storage"');
  });

  it('works with the access cookie alone, as a browser sends it', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).delete('/api/v1/users/me').set('Cookie', user.cookieHeader).send({ password: PASSWORD });
    expect(res.status).toBe(200);
    expect(await t.models.User.exists({ _id: user.id })).toBeNull();
  });

  it('afterwards every old token gets 401, the old credentials INVALID_CREDENTIALS, and the email can register again', async () => {
    const user = await registerUser(t.app);
    const phone = await loginUser(t.app, user.email);
    expect((await me(phone.accessToken)).status).toBe(200);
    expect((await deleteAccount(PASSWORD).set(...bearer(user))).status).toBe(200);

    for (const device of [user, phone]) {
      expect((await me(device.accessToken)).status).toBe(401);
      expect((await refresh(device.refreshToken)).status).toBe(401);
      expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(device))).status).toBe(401);
    }
    const login = await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD });
    expect(login.status).toBe(401);
    expect(login.body.code).toBe('INVALID_CREDENTIALS');
    const again = await request(t.app).post('/api/v1/auth/register').send({ email: user.email, password: PASSWORD });
    expect(again.status).toBe(201);
    expect(again.body.user.id).not.toBe(user.id);
  });

  it('removes the user, its sessions, refresh tokens and rotations, and keeps only the revocations', async () => {
    const user = await registerUser(t.app);
    const phone = await loginUser(t.app, user.email);
    expect((await refresh(phone.refreshToken)).status).toBe(200);
    expect((await deleteAccount(PASSWORD).set(...bearer(user))).status).toBe(200);

    expect(await t.models.User.exists({ _id: user.id })).toBeNull();
    expect(await t.models.Session.countDocuments({ userId: user.id })).toBe(0);
    expect(await t.models.RefreshToken.countDocuments({ userId: user.id })).toBe(0);
    expect(await t.models.RefreshTokenRotation.countDocuments({ sessionId: { $in: [user.sessionId, phone.sessionId] } })).toBe(0);
    const revocations = await t.models.SessionRevocation.find({ userId: user.id }).lean();
    expect(revocations.map((r) => [r._id.toString(), r.reason]).sort()).toEqual(
      [
        [user.sessionId, 'account_deleted'],
        [phone.sessionId, 'account_deleted'],
      ].sort(),
    );
  });

  it('a wrong password answers 401 INVALID_CREDENTIALS and deletes nothing; the session and its cookies stay', async () => {
    const user = await registerUser(t.app);
    const res = await deleteAccount('not the password').set(...bearer(user));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, code: 'INVALID_CREDENTIALS', message: 'Password is incorrect' });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await t.models.User.exists({ _id: user.id })).not.toBeNull();
    expect((await me(user.accessToken)).status).toBe(200);
  });

  it.each([
    ['no token at all', (r: request.Test) => r],
    ['a garbage Bearer token', (r: request.Test) => r.set('Authorization', 'Bearer a.b.c')],
  ])('%s: 401 UNAUTHORIZED with both cookies expired', async (_name, withCredentials) => {
    const res = await withCredentials(request(t.app).delete('/api/v1/users/me')).send({ password: PASSWORD });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
    expectAuthCookiesExpired(res);
  });

  it('a token of a session that was logged out: 401 with both cookies expired, and the account stays', async () => {
    const user = await registerUser(t.app);
    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);
    const res = await deleteAccount(PASSWORD).set(...bearer(user));
    expect(res.status).toBe(401);
    expectAuthCookiesExpired(res);
    expect(await t.models.User.exists({ _id: user.id })).not.toBeNull();
  });

  it('a cookie-authenticated request from a foreign Origin: 403 CSRF_REJECTED, and the account stays', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app)
      .delete('/api/v1/users/me')
      .set('Cookie', user.cookieHeader)
      .set('Origin', 'https://evil.example.net')
      .send({ password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_REJECTED');
    expect(await t.models.User.exists({ _id: user.id })).not.toBeNull();
  });

  it('validates the body: 400 VALIDATION_ERROR without a password or with unknown fields', async () => {
    const user = await registerUser(t.app);
    for (const body of [{}, { password: PASSWORD, admin: true }, { password: 42 }]) {
      const res = await request(t.app).delete('/api/v1/users/me').set(...bearer(user)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_ERROR');
    }
    expect(await t.models.User.exists({ _id: user.id })).not.toBeNull();
  });
});

describe('account deletion racing other requests', () => {
  it('racing refreshes: once the deletion has answered, no token minted by them works', async () => {
    // At least three rounds, and until refreshes were caught mid-rotation by the revocation in one of them.
    await roundsUntilRaced(
      async () => {
        const user = await registerUser(t.app);
        // The refreshes start as the deletion reads the account: they read the session while it is being revoked.
        const refreshes = startAt(isOperation('users', 'findOne', (filter) => String(filter._id) === user.id), () =>
          Promise.all(Array.from({ length: 6 }, () => refresh(user.refreshToken))),
        );
        const log = recordOperations(t.connection, refreshes.onOperation);
        let minted: request.Response[];
        try {
          expect((await deleteAccount(PASSWORD).set(...bearer(user))).status).toBe(200);
          minted = (await refreshes.result()).filter((res) => res.status === 200);
        } finally {
          log.stop();
        }
        for (const res of minted) {
          expect((await me(res.body.accessToken)).status).toBe(401);
          const successor = cookiesOf(res)[REFRESH_COOKIE]?.value;
          if (successor) expect((await refresh(successor)).status).toBe(401);
        }
        const [revocation] = log.positions(isOperation('session_revocations', 'insertOne', (doc) => String(doc._id) === user.sessionId));
        return refreshesAcross(log, user.sessionId, revocation!) > 0;
      },
      { atLeast: 3 },
    );
  });

  it('a sign-in that read the user before the account was deleted is refused, and the session it made revoked', async () => {
    // The interleaving: the sign-in reads the user, the user is deleted, then the sign-in makes its
    // session. The deletion starts at the sign-in's first write (its refresh token), which it sends only
    // once its read of the user has answered; that the deletion also lands before the sign-in checks the
    // user again is likely but not certain, so rounds are tried until it happens, and every round is checked.
    let forced = 0;
    for (let round = 0; round < 5 && forced === 0; round += 1) {
      const user: SignedInUser = await registerUser(t.app);
      let deletion: Promise<unknown> | undefined;
      t.connection.set('debug', (collection: string, method: string) => {
        if (collection === 'refresh_tokens' && method === 'insertOne' && !deletion) deletion = t.models.User.deleteOne({ _id: user.id }).exec();
      });
      try {
        const login = await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD });
        expect(deletion).toBeDefined();
        await deletion;
        const sessions = await t.models.Session.find({ userId: user.id }, { _id: 1 }).lean();
        const latecomer = sessions.map((s) => s._id.toString()).filter((id) => id !== user.sessionId);
        expect(latecomer).toHaveLength(1);
        const revoked = await t.models.SessionRevocation.exists({ _id: latecomer[0] });
        if (login.status === 401) {
          // The sign-in found the user gone after making its session: it refused, and revoked that session.
          expect(login.body.code).toBe('INVALID_CREDENTIALS');
          expect(revoked).not.toBeNull();
          forced += 1;
        } else {
          // The deletion landed after the sign-in's check: a plain delete, so only deleteAccount's second
          // pass (tested below) would revoke it.
          expect(login.status).toBe(200);
        }
      } finally {
        t.connection.set('debug', false);
      }
    }
    expect(forced).toBe(1);
  });

  it('racing logins: afterwards no session of the deleted account works, whichever finished first', async () => {
    for (let round = 0; round < 3; round += 1) {
      const user = await registerUser(t.app);
      // The logins start as the deletion lists the sessions it is about to revoke.
      const ofUser = (filter: Record<string, unknown>) => String(filter.userId) === user.id;
      const racingLogins = startAt(isOperation('sessions', 'find', ofUser), () =>
        Promise.all(Array.from({ length: 3 }, () => request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD }))),
      );
      const log = recordOperations(t.connection, racingLogins.onOperation);
      let logins: request.Response[];
      try {
        expect((await deleteAccount(PASSWORD).set(...bearer(user))).status).toBe(200);
        logins = await racingLogins.result();
      } finally {
        log.stop();
      }
      // The race happened: logins made their sessions after the deletion had listed the ones to revoke.
      const [firstListing] = log.positions(isOperation('sessions', 'find', ofUser));
      expect(log.positions(isOperation('sessions', 'insertOne', ofUser)).filter((i) => i > firstListing!).length).toBeGreaterThan(0);
      for (const login of logins) {
        expect([200, 401]).toContain(login.status);
        if (login.status !== 200) continue;
        // Not /users/me, which refuses any token of a missing user: these two read only the session.
        expect((await request(t.app).get('/api/v1/auth/sessions').set('Authorization', `Bearer ${login.body.accessToken}`)).status).toBe(401);
        expect((await refresh(cookiesOf(login)[REFRESH_COOKIE]!.value)).status).toBe(401);
      }
    }
  });
});
