import request from 'supertest';
import { cookiesOf, expectAuthCookiesExpired, isExpired, loginUser, PASSWORD, registerUser } from './support/auth-helpers';
import { createTestClock } from './support/test-clock';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The routes whose chain ends with the cookie error step (refresh, logout, account deletion) expire a
 * cookie only when what it carries is dead. An access token that has merely expired is no proof that its
 * session ended: the refresh cookie stays, so the client refreshes and retries.
 */

const clock = createTestClock();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ACCESS_TOKEN_TTL: '2s' }, undefined, { clock: clock.now });
});
afterAll(() => t.close());

const withCookies = (cookies: string[]) => ['Cookie', cookies.join('; ')] as [string, string];

describe('DELETE /api/v1/users/me', () => {
  it('with an expired access cookie and a live refresh cookie: 401, the refresh cookie kept, and refresh then deletion work', async () => {
    const user = await registerUser(t.app);
    clock.advance(3_000);
    const refused = await request(t.app).delete('/api/v1/users/me').set(...withCookies([user.cookieHeader])).send({ password: PASSWORD });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('UNAUTHORIZED');
    const set = cookiesOf(refused);
    expect(set[user.cookieNames.refresh]).toBeUndefined();
    expect(isExpired(set[user.cookieNames.access])).toBe(true);

    const refreshed = await request(t.app).post('/api/v1/auth/refresh').set(...withCookies([`${user.cookieNames.refresh}=${user.refreshToken}`]));
    expect(refreshed.status).toBe(200);
    const accessToken = cookiesOf(refreshed)[user.cookieNames.access]!.value;
    const deleted = await request(t.app).delete('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`).send({ password: PASSWORD });
    expect(deleted.status).toBe(200);
  });

  it('when the session has ended: 401 and both cookies expired, since the refresh token is dead too', async () => {
    const user = await registerUser(t.app);
    const phone = await loginUser(t.app, user.email);
    expect((await request(t.app).delete(`/api/v1/auth/sessions/${user.sessionId}`).set('Authorization', `Bearer ${phone.accessToken}`)).status).toBe(200);
    const refused = await request(t.app).delete('/api/v1/users/me').set(...withCookies([user.cookieHeader])).send({ password: PASSWORD });
    expect(refused.status).toBe(401);
    expectAuthCookiesExpired(refused);
  });
});

describe('POST /api/v1/auth/logout?scope=others', () => {
  it('refused with two sessions proven: 401, and the live refresh cookies are kept', async () => {
    const user = await registerUser(t.app);
    const laptop = await loginUser(t.app, user.email);
    const cookies = [`${user.cookieNames.access}=${user.accessToken}`, `${laptop.cookieNames.access}=${laptop.accessToken}`, `${user.cookieNames.refresh}=${user.refreshToken}`];
    const refused = await request(t.app).post('/api/v1/auth/logout?scope=others').set(...withCookies(cookies));
    expect(refused.status).toBe(401);
    expect(cookiesOf(refused)[user.cookieNames.refresh]).toBeUndefined();
    expect((await request(t.app).post('/api/v1/auth/refresh').set(...withCookies([`${user.cookieNames.refresh}=${user.refreshToken}`]))).status).toBe(200);
  });

  it('with an expired access cookie and no refresh cookie: 401 and both cookies expired', async () => {
    const user = await registerUser(t.app);
    clock.advance(3_000);
    const refused = await request(t.app).post('/api/v1/auth/logout?scope=others').set(...withCookies([`${user.cookieNames.access}=${user.accessToken}`]));
    expect(refused.status).toBe(401);
    expectAuthCookiesExpired(refused);
  });
});

describe('POST /api/v1/auth/refresh', () => {
  it('with an expired access cookie beside a live refresh cookie: 200, and nothing expired', async () => {
    const user = await registerUser(t.app);
    clock.advance(3_000);
    const res = await request(t.app).post('/api/v1/auth/refresh').set(...withCookies([user.cookieHeader]));
    expect(res.status).toBe(200);
    for (const cookie of Object.values(cookiesOf(res))) expect(isExpired(cookie)).toBe(false);
  });

  it('with a dead refresh token: 401 and both cookies expired', async () => {
    const user = await registerUser(t.app);
    await request(t.app).post('/api/v1/auth/logout').set('Authorization', `Bearer ${user.accessToken}`);
    const refused = await request(t.app).post('/api/v1/auth/refresh').set(...withCookies([user.cookieHeader]));
    expect(refused.status).toBe(401);
    expectAuthCookiesExpired(refused);
  });
});
