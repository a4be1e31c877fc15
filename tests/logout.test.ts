import { deviceCookieName } from '../src/auth/cookies';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import request from 'supertest';
import { hashToken } from '../src/sessions/refresh-tokens';
import { bearer, cookiesOf, expectAuthCookiesExpired, loginUser, registerUser, type SignedInUser, ACCESS_COOKIE, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, TEST_SECRET, type TestApp } from './support/test-app';
import { createTestClock } from './support/test-clock';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const logout = () => request(t.app).post('/api/v1/auth/logout');

async function expectSessionRevoked(user: SignedInUser) {
  const revocation = await t.models.SessionRevocation.findById(user.sessionId).lean();
  expect(revocation).not.toBeNull();
  expect(revocation?.reason).toBe('logout');
}

async function expectTokensDead(user: SignedInUser) {
  expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(401);
  expect((await request(t.app).get('/api/v1/users/me').set('Cookie', `${ACCESS_COOKIE}=${user.accessToken}`)).status).toBe(401);
  expect((await request(t.app).get('/api/v1/auth/sessions').set(...bearer(user))).status).toBe(401);
  expect((await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`)).status).toBe(401);
  expect((await logout().set(...bearer(user))).status).toBe(401);
}

describe('POST /api/v1/auth/logout', () => {
  it('logs out a Bearer caller: 200, exact body, cookies expired, no-store, session revoked in MongoDB', async () => {
    const user = await registerUser(t.app);
    const res = await logout().set(...bearer(user));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Logged out successfully' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expectAuthCookiesExpired(res);
    await expectSessionRevoked(user);
  });

  it('makes the access and refresh tokens useless everywhere at once, a second logout included', async () => {
    const user = await registerUser(t.app);
    expect((await logout().set(...bearer(user))).status).toBe(200);
    await expectTokensDead(user);
  });

  it('logs out a browser that sends only its cookies', async () => {
    const user = await registerUser(t.app);
    const res = await logout().set('Cookie', user.cookieHeader);
    expect(res.status).toBe(200);
    expectAuthCookiesExpired(res);
    await expectSessionRevoked(user);
    await expectTokensDead(user);
  });

  it('logs out with the access-token cookie alone', async () => {
    const user = await registerUser(t.app);
    const res = await logout().set('Cookie', `${ACCESS_COOKIE}=${user.accessToken}`);
    expect(res.status).toBe(200);
    await expectSessionRevoked(user);
  });

  it('logs out with the refresh-token cookie alone (curl --cookie "refreshToken=…")', async () => {
    const user = await registerUser(t.app);
    const res = await logout().set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Logged out successfully' });
    expectAuthCookiesExpired(res);
    await expectSessionRevoked(user);
    await expectTokensDead(user);
  });

  it('falls back to the refresh cookie when the access token is no longer valid', async () => {
    const user = await registerUser(t.app);
    const expired = jwt.sign({ sid: user.sessionId }, TEST_SECRET, {
      algorithm: 'HS256', subject: user.id, issuer: t.config.jwt.issuer, audience: t.config.jwt.audience, jwtid: 'x', expiresIn: -10,
    });
    const res = await logout().set('Cookie', `${ACCESS_COOKIE}=${expired}; ${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(res.status).toBe(200);
    await expectSessionRevoked(user);
  });

  it('leaves the same user’s other sessions working', async () => {
    const laptop = await registerUser(t.app);
    const phone = await loginUser(t.app, laptop.email);

    expect((await logout().set(...bearer(laptop))).status).toBe(200);

    const me = await request(t.app).get('/api/v1/users/me').set(...bearer(phone));
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(laptop.email);
    const refreshed = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${phone.refreshToken}`);
    expect(refreshed.status).toBe(200);
    expect(await t.models.SessionRevocation.exists({ _id: phone.sessionId })).toBeNull();
  });

  it('lets the user log in again after logging out, with a fresh session', async () => {
    const user = await registerUser(t.app);
    await logout().set(...bearer(user));
    const again = await loginUser(t.app, user.email);
    expect(again.sessionId).not.toBe(user.sessionId);
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(again))).status).toBe(200);
  });

  it('answers 401 UNAUTHORIZED without credentials and still expires both cookies', async () => {
    const res = await logout();
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
    expectAuthCookiesExpired(res);
  });

  it.each(['local', 'others', 'global'])('scope=%s: a refused logout expires each auth cookie exactly once', async (scope) => {
    // local and global expire the cookies before authenticating, and the route's error step expires them
    // for a 401 too: the second must not repeat the headers.
    const res = await logout().query({ scope }).set('Cookie', `${ACCESS_COOKIE}=not.a.jwt`);
    expect(res.status).toBe(401);
    const names = (res.headers['set-cookie'] as unknown as string[]).map((line) => line.split('=')[0]);
    expect(names.sort()).toEqual(['accessToken', 'refreshToken']);
    expectAuthCookiesExpired(res);
    expect(res.headers['clear-site-data']).toBe(scope === 'others' ? undefined : '"cache", "storage"');
  });

  it.each([
    ['a garbage Bearer token', { Authorization: 'Bearer not.a.jwt' }],
    ['a garbage access cookie', { Cookie: `${ACCESS_COOKIE}=garbage` }],
    ['an unknown refresh cookie', { Cookie: `${REFRESH_COOKIE}=${'A'.repeat(43)}` }],
    ['a token signed with another secret', { Authorization: `Bearer ${jwt.sign({ sid: new Types.ObjectId().toString() }, 'x'.repeat(40), { subject: new Types.ObjectId().toString(), jwtid: 'j' })}` }],
  ])('answers 401 and expires both cookies for %s', async (_name, headers) => {
    const res = await logout().set(headers);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
    expectAuthCookiesExpired(res);
  });

  it('rejects a refresh cookie that was already rotated away (past the grace period)', async () => {
    const clock = createTestClock();
    const strict = await startTestApp({ REFRESH_REUSE_GRACE_SECONDS: '0' }, t.dbName, { clock: clock.now });
    try {
      const user = await registerUser(strict.app);
      const rotated = await request(strict.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
      expect(rotated.status).toBe(200);
      // Without this step the rotation is 0 ms old, which a grace of 0 s still covers.
      clock.advance(1000);
      const res = await request(strict.app).post('/api/v1/auth/logout').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
      expect(res.status).toBe(401);
      // The refused logout revoked nothing: the successor still works.
      expect(await strict.models.SessionRevocation.exists({ _id: user.sessionId })).toBeNull();
      expect((await request(strict.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${cookiesOf(rotated)[REFRESH_COOKIE]!.value}`)).status).toBe(200);
    } finally {
      await strict.connection.close();
    }
  });

  it.each([
    ['no body and no content type', (r: request.Test) => r],
    ['a JSON body', (r: request.Test) => r.set('Content-Type', 'application/json').send('{"anything":true}')],
    ['malformed JSON', (r: request.Test) => r.set('Content-Type', 'application/json').send('{not json')],
    ['a form body', (r: request.Test) => r.type('form').send('a=b')],
  ])('ignores the body: %s', async (_name, withBody) => {
    const user = await registerUser(t.app);
    const res = await withBody(logout().set(...bearer(user)));
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    await expectSessionRevoked(user);
  });

  it('stores only the SHA-256 of the refresh token, never the token itself', async () => {
    const user = await registerUser(t.app);
    expect(await t.models.RefreshToken.exists({ _id: hashToken(user.refreshToken), sessionId: user.sessionId })).toBeTruthy();
    const raw = JSON.stringify(await t.connection.db!.collection('sessions').find({}).toArray());
    expect(raw).not.toContain(user.refreshToken);
    expect(JSON.stringify(await t.connection.db!.collection('refresh_tokens').find({}).toArray())).not.toContain(user.refreshToken);
  });

  it('answers 500 INTERNAL_ERROR JSON on an unexpected database error, expires cookies, leaks nothing', async () => {
    // A corrupt session document (expiresAt stored as text): reading its end calls getTime on a string, a
    // TypeError, the kind of error no handler expects. Mongoose does not validate what `lean()` reads.
    const userId = new Types.ObjectId();
    const sessionId = new Types.ObjectId();
    await t.connection.db!.collection('sessions').insertOne({ _id: sessionId, userId, createdAt: new Date(), lastUsedAt: new Date(), expiresAt: 'not a date', userAgent: '', ip: '' });
    const token = jwt.sign({ sid: sessionId.toString() }, TEST_SECRET, {
      algorithm: 'HS256', subject: userId.toString(), issuer: t.config.jwt.issuer, audience: t.config.jwt.audience, jwtid: 'j', expiresIn: 60,
    });
    const res = await logout().set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ success: false, code: 'INTERNAL_ERROR', message: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/getTime|at .*\.ts|TypeError|stack/);
    expectAuthCookiesExpired(res);
  });
});

describe('POST /api/v1/auth/logout with the database down', () => {
  it('answers 503 SERVICE_UNAVAILABLE JSON and still expires both cookies', async () => {
    // On the suite's database, which the suite drops: this app's connection is closed before the end.
    const down = await startTestApp({ DB_OPERATION_TIMEOUT_MS: '500' }, t.dbName);
    try {
      const user = await registerUser(down.app);
      await down.connection.close();
      const res = await request(down.app).post('/api/v1/auth/logout').set(...bearer(user));
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ success: false, code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
      expectAuthCookiesExpired(res);
    } finally {
      await down.connection.close();
    }
  });
});

describe('cookie attributes follow the configuration, identically on set and on clear', () => {
  const plain = { access: 'accessToken', refresh: 'refreshToken' };
  const prefixed = { access: '__Host-accessToken', refresh: '__Secure-refreshToken' };
  it.each([
    { name: 'development', env: { NODE_ENV: 'development' }, secure: false, names: plain },
    { name: 'production', env: { NODE_ENV: 'production' }, secure: true, names: prefixed },
    { name: 'development with COOKIE_SECURE=true', env: { NODE_ENV: 'development', COOKIE_SECURE: 'true' }, secure: true, names: prefixed },
    { name: 'production with COOKIE_SECURE=false', env: { NODE_ENV: 'production', COOKIE_SECURE: 'false' }, secure: false, names: plain },
  ])('in $name: Secure=$secure, named $names.access and $names.refresh', async ({ env, secure, names }) => {
    const app = await startTestApp(env, t.dbName);
    try {
      const registered = await registerUser(app.app);
      const set = cookiesOf(registered.response);
      const device = deviceCookieName(app.config.cookies);
      expect(Object.keys(set).sort()).toEqual([names.access, names.refresh, device].sort());
      expect(Boolean(set[device]?.secure)).toBe(secure);
      expect(Boolean(set[names.access]?.secure)).toBe(secure);
      expect(Boolean(set[names.refresh]?.secure)).toBe(secure);
      const res = await request(app.app).post('/api/v1/auth/logout').set(...bearer(registered));
      expect(res.status).toBe(200);
      expectAuthCookiesExpired(res, { secure, names });
    } finally {
      await app.connection.close();
    }
  });

  it('COOKIE_DOMAIN and COOKIE_SAMESITE=strict appear on both cookies, set and cleared', async () => {
    const app = await startTestApp({ COOKIE_DOMAIN: 'auth.example.test', COOKIE_SAMESITE: 'strict' }, t.dbName);
    try {
      const registered = await registerUser(app.app);
      const set = cookiesOf(registered.response);
      for (const cookie of [set.accessToken, set.refreshToken]) expect(cookie).toMatchObject({ domain: 'auth.example.test', sameSite: 'Strict' });
      const res = await request(app.app).post('/api/v1/auth/logout').set(...bearer(registered));
      expectAuthCookiesExpired(res, { sameSite: 'Strict', domain: 'auth.example.test' });
    } finally {
      await app.connection.close();
    }
  });
});
