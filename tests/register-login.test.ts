import jwt from 'jsonwebtoken';
import request from 'supertest';
import { cookiesOf, PASSWORD, registerUser, uniqueEmail, ACCESS_COOKIE, REFRESH_COOKIE } from './support/auth-helpers';
import { isOperation, recordOperations, roundsUntilRaced } from './support/operation-log';
import { startTestApp, TEST_SECRET, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

function expectAuthCookiesSet(res: request.Response) {
  const cookies = cookiesOf(res);
  expect(cookies[ACCESS_COOKIE]).toMatchObject({ path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 900 });
  expect(cookies[ACCESS_COOKIE]?.value).toBe(res.body.accessToken);
  expect(cookies[REFRESH_COOKIE]).toMatchObject({ path: '/api/v1/auth', httpOnly: true, sameSite: 'Lax', maxAge: 7 * 24 * 3600 });
  // Opaque, at least 256 bits of randomness: 43 base64url characters.
  expect(cookies[REFRESH_COOKIE]?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(cookies[ACCESS_COOKIE]?.secure).toBeFalsy();
  return cookies;
}

describe('POST /api/v1/auth/register', () => {
  it('creates the user, signs them in and answers 201 with the public user, the access token and both cookies', async () => {
    const email = uniqueEmail();
    const res = await request(t.app).post('/api/v1/auth/register').send({ email, password: PASSWORD, name: 'Ada' });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      success: true,
      user: { id: expect.stringMatching(/^[0-9a-f]{24}$/), email, name: 'Ada', createdAt: expect.any(String) },
      accessToken: expect.any(String),
      expiresIn: 900,
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expectAuthCookiesSet(res);

    const stored = await t.models.User.findOne({ email }).lean();
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(res.body)).not.toContain('passwordHash');
  });

  it('issues an HS256 access token with sub, sid, jti, iat, exp, iss and aud', async () => {
    const res = await request(t.app).post('/api/v1/auth/register').send({ email: uniqueEmail(), password: PASSWORD });
    const decoded = jwt.verify(res.body.accessToken, TEST_SECRET, { algorithms: ['HS256'], complete: true });
    expect(decoded.header.alg).toBe('HS256');
    const payload = decoded.payload as jwt.JwtPayload;
    expect(payload).toMatchObject({ sub: res.body.user.id, iss: 'logout-auth-api', aud: 'logout-auth-api' });
    expect(payload.sid).toMatch(/^[0-9a-f]{24}$/);
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(900);
    const session = await t.models.Session.findById(payload.sid).lean();
    expect(session?.userId.toString()).toBe(res.body.user.id);
  });

  it('trims and lower-cases the email', async () => {
    const local = uniqueEmail();
    const res = await request(t.app).post('/api/v1/auth/register').send({ email: `  ${local.toUpperCase()} `, password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe(local);
  });

  it('answers 409 EMAIL_TAKEN for an email already registered, in any case', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/register').send({ email: user.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ success: false, code: 'EMAIL_TAKEN', message: expect.any(String) });
    expect(await t.models.User.countDocuments({ email: user.email })).toBe(1);
  });

  it('lets exactly one of concurrent registrations of one email succeed, also while the winner’s insert is in flight', async () => {
    // Until a round had an insert sent while the winner's was unanswered (the winner's next write, its
    // session's refresh token, follows that answer).
    await roundsUntilRaced(async () => {
      const email = uniqueEmail();
      const log = recordOperations(t.connection);
      let results: request.Response[];
      try {
        results = await Promise.all(Array.from({ length: 6 }, () => request(t.app).post('/api/v1/auth/register').send({ email, password: PASSWORD })));
      } finally {
        log.stop();
      }
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(5);
      expect(await t.models.User.countDocuments({ email })).toBe(1);

      const inserts = log.positions(isOperation('users', 'insertOne', (doc) => doc.email === email));
      const [winnersNextWrite] = log.positions(isOperation('refresh_tokens', 'insertOne'));
      expect(inserts).toHaveLength(6);
      return inserts.filter((i) => i < winnersNextWrite!).length >= 2;
    });
  });

  it.each([
    ['a short password', { email: 'a@example.com', password: 'short' }, 'password'],
    ['an invalid email', { email: 'not-an-email', password: PASSWORD }, 'email'],
    ['a missing email', { password: PASSWORD }, 'email'],
    ['an unknown field', { email: 'b@example.com', password: PASSWORD, role: 'admin' }, ''],
  ])('answers 400 VALIDATION_ERROR with details for %s', async (_name, body, path) => {
    const res = await request(t.app).post('/api/v1/auth/register').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR', message: expect.any(String) });
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('POST /api/v1/auth/login', () => {
  it('signs in with the right password: 200 with the user, the access token and both cookies', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/login').send({ email: user.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      user: { id: user.id, email: user.email, name: 'Test User', createdAt: expect.any(String) },
      accessToken: expect.any(String),
      expiresIn: 900,
    });
    expectAuthCookiesSet(res);
  });

  it('answers the same 401 INVALID_CREDENTIALS for an unknown email and a wrong password', async () => {
    const user = await registerUser(t.app);
    const wrongPassword = await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: 'wrong password!' });
    const unknownEmail = await request(t.app).post('/api/v1/auth/login').send({ email: uniqueEmail(), password: PASSWORD });
    for (const res of [wrongPassword, unknownEmail]) {
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(wrongPassword.body).toEqual(unknownEmail.body);
    expect(wrongPassword.body).toEqual({ success: false, code: 'INVALID_CREDENTIALS', message: expect.any(String) });
  });

  it('starts a new session per login', async () => {
    const user = await registerUser(t.app);
    await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD });
    expect(await t.models.Session.countDocuments({ userId: user.id })).toBe(2);
  });

  it('answers 400 VALIDATION_ERROR for an operator instead of an email', async () => {
    const res = await request(t.app).post('/api/v1/auth/login').send({ email: { $gt: '' }, password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_ERROR');
  });
});
