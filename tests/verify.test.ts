import jwt from 'jsonwebtoken';
import request from 'supertest';
import { bearer, registerUser, type SignedInUser, ACCESS_COOKIE } from './support/auth-helpers';
import { serveMetrics, type MetricsListener } from './support/metrics-scrape';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * GET/HEAD /api/v1/auth/verify: forward auth for gateways. 200 with who the caller is for a live session,
 * 401 with a Bearer challenge for anything else, never a cookie; the CSRF check for cookie tokens on the
 * state-changing methods the gateway names.
 */

const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example.net';
const HOST = 'api.example.com';

let t: TestApp;
let other: TestApp;
let m: MetricsListener;
beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: ALLOWED });
  // A second instance on the same database: the barrier holds for its verify too.
  other = await startTestApp({ CORS_ORIGINS: ALLOWED }, t.dbName);
  m = await serveMetrics(t.metrics);
});
afterAll(async () => {
  await m.close();
  await other.close();
  await t.close();
});

const verify = (app = t.app) => request(app).get('/api/v1/auth/verify');
const accessCookie = (user: SignedInUser) => `${user.cookieNames.access}=${user.accessToken}`;

function expectVerified(res: request.Response, user: SignedInUser) {
  expect(res.status).toBe(200);
  expect(res.headers['x-auth-user-id']).toBe(user.id);
  expect(res.headers['x-auth-session-id']).toBe(user.sessionId);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['set-cookie']).toBeUndefined();
}

function expectUnauthorized(res: request.Response) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: 'Authentication required' });
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(res.headers['cache-control']).toBe('no-store');
  // The gateway passes this answer on; it must not end the browser's session.
  expect(res.headers['set-cookie']).toBeUndefined();
}

describe('GET /api/v1/auth/verify', () => {
  it('a Bearer token of a live session: 200 with the user and session, in the body and in headers', async () => {
    const user = await registerUser(t.app);
    const res = await verify().set(...bearer(user));
    expectVerified(res, user);
    expect(res.body).toEqual({ success: true, userId: user.id, sessionId: user.sessionId });
  });

  it('the access cookie works as on every protected route', async () => {
    const user = await registerUser(t.app);
    expectVerified(await verify().set('Cookie', accessCookie(user)), user);
  });

  it('HEAD answers the same headers without a body', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).head('/api/v1/auth/verify').set(...bearer(user));
    expectVerified(res, user);
    expect(res.text ?? '').toBe('');
  });

  it('a known session answers from memory, without reading the database', async () => {
    const user = await registerUser(t.app);
    expectVerified(await verify().set(...bearer(user)), user);
    const watch = await m.watch();
    for (let i = 0; i < 3; i++) expectVerified(await verify().set(...bearer(user)), user);
    expect(await watch.delta('auth_session_checks_total', { source: 'memory' })).toBe(3);
    expect(await watch.delta('auth_session_checks_total', { source: 'database' })).toBe(0);
  });

  it('no token, a junk header, a forged token, or an expired one: 401 with a Bearer challenge and no cookie', async () => {
    const user = await registerUser(t.app);
    const claims = jwt.decode(user.accessToken) as Record<string, unknown>;
    const forged = jwt.sign({ ...claims }, 'not the server secret, but long enough to sign with');
    const expired = jwt.sign({ ...claims, exp: 1, iat: 0 }, 'x'.repeat(32));
    expectUnauthorized(await verify());
    expectUnauthorized(await verify().set('Authorization', 'Basic dXNlcjpwYXNz'));
    expectUnauthorized(await verify().set('Authorization', `Bearer ${forged}`));
    expectUnauthorized(await verify().set('Authorization', `Bearer ${expired}`));
    expectUnauthorized(await verify().set('Cookie', `${user.cookieNames.access}=${forged}`));
  });

  it('after logout answers, both instances answer 401 for the session', async () => {
    const user = await registerUser(t.app);
    expectVerified(await verify(other.app).set(...bearer(user)), user);
    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);
    expectUnauthorized(await verify(t.app).set(...bearer(user)));
    expectUnauthorized(await verify(other.app).set(...bearer(user)));
    expectUnauthorized(await verify(other.app).set('Cookie', accessCookie(user)));
  });

  it('other methods: 405 with Allow', async () => {
    const res = await request(t.app).post('/api/v1/auth/verify');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('GET /api/v1/auth/verify: CSRF through the gateway', () => {
  it.each(['X-Original-Method', 'X-Forwarded-Method'])(
    'a cookie token, a POST named in %s, a foreign Origin: 403 CSRF_REJECTED, no cookie',
    async (header) => {
      const user = await registerUser(t.app);
      const res = await verify().set('Host', HOST).set('Cookie', accessCookie(user)).set(header, 'POST').set('Origin', EVIL);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ success: false, code: 'CSRF_REJECTED', message: expect.any(String) });
      expect(res.headers['set-cookie']).toBeUndefined();
    },
  );

  it('a foreign Referer without Origin on a DELETE is refused too; lower-case method names count', async () => {
    const user = await registerUser(t.app);
    const res = await verify().set('Host', HOST).set('Cookie', accessCookie(user)).set('X-Original-Method', 'delete').set('Referer', `${EVIL}/page`);
    expect(res.status).toBe(403);
  });

  it('one safe and one state-changing method named: the state-changing one counts', async () => {
    const user = await registerUser(t.app);
    const res = await verify()
      .set('Host', HOST)
      .set('Cookie', accessCookie(user))
      .set('X-Forwarded-Method', 'GET')
      .set('X-Original-Method', 'POST')
      .set('Origin', EVIL);
    expect(res.status).toBe(403);
  });

  it('a cookie token on a POST from an allowed or the own origin, or with no Origin at all: 200', async () => {
    const user = await registerUser(t.app);
    const post = () => verify().set('Host', HOST).set('Cookie', accessCookie(user)).set('X-Original-Method', 'POST');
    expectVerified(await post().set('Origin', ALLOWED), user);
    expectVerified(await post().set('Origin', `http://${HOST}`), user);
    expectVerified(await post(), user);
  });

  it.each(['GET', 'HEAD', 'OPTIONS'])('a cookie token on a %s from a foreign Origin: 200 (a safe method)', async (method) => {
    const user = await registerUser(t.app);
    expectVerified(await verify().set('Host', HOST).set('Cookie', accessCookie(user)).set('X-Original-Method', method).set('Origin', EVIL), user);
  });

  it('a Bearer token on a POST from a foreign Origin: 200 (a browser never attaches it by itself)', async () => {
    const user = await registerUser(t.app);
    expectVerified(await verify().set('Host', HOST).set(...bearer(user)).set('X-Forwarded-Method', 'POST').set('Origin', EVIL), user);
  });

  it('a dead cookie token on a POST from a foreign Origin: 401, not 403 (no session to protect)', async () => {
    const res = await verify().set('Host', HOST).set('Cookie', `${ACCESS_COOKIE}=a.b.c`).set('X-Original-Method', 'POST').set('Origin', EVIL);
    expectUnauthorized(res);
  });
});
