import request from 'supertest';
import { bearer, cookiesOf, expectAuthCookiesExpired, PASSWORD, registerUser, uniqueEmail, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { startOwnDatabase, type OwnDatabase } from './support/own-database';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The database goes away while the API runs, then comes back. This file starts its own FerretDB (its
 * own data folder and port) so it can stop it without disturbing the other suites. The app is never
 * told: same instance throughout, no reconnect code here. Each block sets the database's state itself,
 * so the blocks pass in either order (jest --randomize).
 */

/** No request may hang: anything slower than this fails the test (the API's own bound is 500 ms). */
const ANSWER_WITHIN_MS = 10_000;

let db: OwnDatabase;
let t: TestApp;
let user: SignedInUser;

beforeAll(async () => {
  db = await startOwnDatabase();
  // The rate limiters on, at their defaults: they count in the database too.
  const rateLimits = {
    RATE_LIMIT_LOGIN_PER_IP: '100',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: '100',
    RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '10',
    RATE_LIMIT_REGISTER_PER_IP: '100',
    RATE_LIMIT_REFRESH_PER_IP: '300',
  };
  t = await startTestApp({ DB_OPERATION_TIMEOUT_MS: '500', ...rateLimits }, 'outage', { databaseUri: db.uri });
  user = await registerUser(t.app);
}, 60_000);

afterAll(async () => {
  await t?.connection.close(true);
  await db?.close();
});

const api = () => request(t.app);

function expectUnavailable(res: request.Response) {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ success: false, code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
  expect(res.headers['retry-after']).toBe('5');
}

/** Polls readiness, as a load balancer would, until the app says it is ready again (or gives up). */
async function waitUntilReady(deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await api().get('/readyz').timeout(ANSWER_WITHIN_MS)).status;
    if (status === 200) return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return status;
}

describe('the database stops while the API runs', () => {
  beforeAll(async () => {
    await db.kill();
    // A session this instance remembers is answered from memory while its last good feed poll started less
    // than the lease ago (docs/SCALING.md): `user`'s is, when another block used it first (jest --randomize).
    // These tests are about the answers once the lease has run out.
    await new Promise((resolve) => setTimeout(resolve, 2 * t.config.sessionMemory.leaseMs));
  });
  afterAll(() => db.restart(), 60_000);

  it('/healthz still says the process is alive, /readyz says 503', async () => {
    expect((await api().get('/healthz').timeout(ANSWER_WITHIN_MS)).status).toBe(200);
    const ready = await api().get('/readyz').timeout(ANSWER_WITHIN_MS);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ success: false, code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
  });

  it.each([
    ['login', () => api().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD })],
    ['register', () => api().post('/api/v1/auth/register').send({ email: uniqueEmail(), password: PASSWORD })],
    ['GET /users/me', () => api().get('/api/v1/users/me').set(...bearer(user))],
    ['GET /auth/sessions', () => api().get('/api/v1/auth/sessions').set(...bearer(user))],
    ['refresh', () => api().post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`)],
  ])('%s answers 503 SERVICE_UNAVAILABLE JSON, promptly', async (_name, send) => {
    expectUnavailable(await send().timeout(ANSWER_WITHIN_MS));
  });

  it('logout answers 503 and still expires both cookies, so the browser is logged out', async () => {
    const res = await api().post('/api/v1/auth/logout').set('Cookie', user.cookieHeader).timeout(ANSWER_WITHIN_MS);
    expectUnavailable(res);
    expectAuthCookiesExpired(res);
  });

  it('bad input is still a 4xx, not a 503: the body and the refresh cookie are checked before the per-IP limiters need the database', async () => {
    const res = await api().post('/api/v1/auth/login').send({ email: { $gt: '' } }).timeout(ANSWER_WITHIN_MS);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_ERROR');
    const noCookie = await api().post('/api/v1/auth/refresh').timeout(ANSWER_WITHIN_MS);
    expect(noCookie.status).toBe(401);
  });
});

describe('the database comes back on the same port and data folder', () => {
  beforeAll(async () => {
    await db.kill();
    await db.restart();
  }, 60_000);
  // After the test that measures it, which may not run first.
  beforeEach(() => waitUntilReady(20_000), 30_000);

  it('the same app instance recovers by itself: /readyz goes back to 200', async () => {
    expect(await waitUntilReady(20_000)).toBe(200);
  }, 30_000);

  it('data written before the outage is there, and the session that survived works', async () => {
    const me = await api().get('/api/v1/users/me').set(...bearer(user));
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(user.email);
  });

  it('login, refresh and logout work again', async () => {
    const login = await api().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD });
    expect(login.status).toBe(200);
    const refreshed = await api().post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${cookiesOf(login)[REFRESH_COOKIE]!.value}`);
    expect(refreshed.status).toBe(200);
    const out = await api().post('/api/v1/auth/logout').set('Authorization', `Bearer ${login.body.accessToken}`);
    expect(out.status).toBe(200);
    expect(await t.models.SessionRevocation.countDocuments({ userId: user.id })).toBe(1);
  });
});
