import request from 'supertest';
import { hashToken } from '../src/sessions/refresh-tokens';
import { bearer, cookiesOf, loginUser, PASSWORD, registerUser, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Cookie-authenticated state changes from a foreign Origin (or Referer) are refused with 403
 * CSRF_REJECTED before anything happens; every test checks the database to prove nothing changed.
 */

const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example.net';
/** supertest's Host would be 127.0.0.1:<random port>; a fixed Host makes "same origin" explicit. */
const HOST = 'api.example.com';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
});
afterAll(() => t.close());

async function expectSessionUntouched(user: SignedInUser) {
  expect(await t.models.SessionRevocation.exists({ _id: user.sessionId })).toBeNull();
  expect(await t.models.RefreshTokenRotation.exists({ _id: hashToken(user.refreshToken) })).toBeNull();
  expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(200);
}

function expectCsrfRejected(res: request.Response) {
  expect(res.status).toBe(403);
  expect(res.body).toEqual({ success: false, code: 'CSRF_REJECTED', message: expect.any(String) });
  // Refused before any handler ran: no cookie is set or expired.
  expect(res.headers['set-cookie']).toBeUndefined();
}

/** The cookie-authenticated state-changing routes, each as a browser would send it. */
const routes = {
  refresh: (user: SignedInUser) => request(t.app).post('/api/v1/auth/refresh').set('Cookie', user.cookieHeader),
  logout: (user: SignedInUser) => request(t.app).post('/api/v1/auth/logout').set('Cookie', user.cookieHeader),
  'session revoke': (user: SignedInUser) =>
    request(t.app).delete(`/api/v1/auth/sessions/${user.sessionId}`).set('Cookie', user.cookieHeader),
  'password change': (user: SignedInUser) =>
    request(t.app)
      .post('/api/v1/users/me/password')
      .set('Cookie', user.cookieHeader)
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new password' }),
  'account deletion': (user: SignedInUser) =>
    request(t.app).delete('/api/v1/users/me').set('Cookie', user.cookieHeader).send({ password: PASSWORD }),
};
const routeNames = Object.keys(routes) as Array<keyof typeof routes>;

describe('cookie-authenticated requests from a foreign origin', () => {
  it.each(routeNames)('%s with a foreign Origin: 403 CSRF_REJECTED, nothing changed', async (name) => {
    const user = await registerUser(t.app);
    const res = await routes[name](user).set('Host', HOST).set('Origin', EVIL);
    expectCsrfRejected(res);
    await expectSessionUntouched(user);
  });

  it.each(routeNames)('%s with no Origin and a foreign Referer: 403, nothing changed', async (name) => {
    const user = await registerUser(t.app);
    const res = await routes[name](user).set('Host', HOST).set('Referer', `${EVIL}/attack.html?x=1`);
    expectCsrfRejected(res);
    await expectSessionUntouched(user);
  });

  it('a password change from a foreign origin leaves the password as it was', async () => {
    const user = await registerUser(t.app);
    const other = await loginUser(t.app, user.email);
    expectCsrfRejected(await routes['password change'](user).set('Origin', EVIL));
    // The old password still works, the new one does not, and the other device is still signed in.
    expect((await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD })).status).toBe(200);
    expect((await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: 'a brand new password' })).status).toBe(401);
    await expectSessionUntouched(other);
  });

  it.each([
    ['Origin: null (a sandboxed frame)', { Origin: 'null' }],
    ['an unparsable Origin', { Origin: 'not a url' }],
    ['a non-http Origin', { Origin: 'file://' }],
    ['the same host over another scheme', { Origin: `https://${HOST}` }],
    ['the same host on another port', { Origin: `http://${HOST}:8080` }],
    ['a sibling subdomain', { Origin: `http://evil.${HOST}` }],
    ['an allowed origin as a prefix of the foreign one', { Origin: `${ALLOWED}.evil.example.net` }],
    ['a foreign Origin even with an allowed Referer', { Origin: EVIL, Referer: `${ALLOWED}/page` }],
    ['a Basic Authorization header (browsers attach those by themselves)', { Origin: EVIL, Authorization: 'Basic dXNlcjpwYXNz' }],
  ])('logout is refused for %s', async (_name, headers) => {
    const user = await registerUser(t.app);
    const res = await routes.logout(user).set('Host', HOST).set(headers);
    expectCsrfRejected(res);
    await expectSessionUntouched(user);
  });
});

describe('an Authorization header next to the cookies', () => {
  it.each(routeNames)('%s with a junk Bearer token, the cookies and a foreign Origin: 403 CSRF_REJECTED, nothing changed', async (name) => {
    const user = await registerUser(t.app);
    const res = await routes[name](user).set('Host', HOST).set('Origin', EVIL).set('Authorization', 'Bearer x');
    expectCsrfRejected(res);
    await expectSessionUntouched(user);
  });

  it.each(routeNames)('%s with a well-formed token of another signer and a foreign Origin: 403, nothing changed', async (name) => {
    const user = await registerUser(t.app);
    const [header, payload] = user.accessToken.split('.');
    const res = await routes[name](user).set('Origin', EVIL).set('Authorization', `Bearer ${header}.${payload}.${'A'.repeat(43)}`);
    expectCsrfRejected(res);
    await expectSessionUntouched(user);
  });

  it('refresh reads only its cookie, so even a genuine Bearer token does not exempt it: 403, not rotated', async () => {
    const user = await registerUser(t.app);
    const res = await routes.refresh(user).set('Origin', EVIL).set(...bearer(user));
    expectCsrfRejected(res);
    await expectSessionUntouched(user);
  });

  it('logout with a signed Bearer token of an ended session is exempt, but the cookies are not consulted: 401, their session stays', async () => {
    const ended = await registerUser(t.app);
    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(ended))).status).toBe(200);
    const user = await registerUser(t.app);
    const res = await routes.logout(user).set('Origin', EVIL).set(...bearer(ended));
    expect(res.status).toBe(401);
    await expectSessionUntouched(user);
  });

  it.each([
    ['a junk Bearer token', 'Bearer x'],
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['an empty header', ''],
  ])('logout from the same origin with %s and valid cookies: 401, the cookies are not consulted', async (_name, authorization) => {
    const user = await registerUser(t.app);
    const res = await routes.logout(user).set('Host', HOST).set('Origin', `http://${HOST}`).set('Authorization', authorization);
    expect(res.status).toBe(401);
    await expectSessionUntouched(user);
  });
});

describe('requests that are not cross-site', () => {
  it.each(routeNames)('%s from the same origin works', async (name) => {
    const user = await registerUser(t.app);
    const res = await routes[name](user).set('Host', HOST).set('Origin', `http://${HOST}`);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
  });

  it.each(routeNames)('%s from an origin in CORS_ORIGINS works, with CORS headers', async (name) => {
    const user = await registerUser(t.app);
    const res = await routes[name](user).set('Origin', ALLOWED);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it('logout with a same-origin Referer and no Origin works and revokes the session', async () => {
    const user = await registerUser(t.app);
    const res = await routes.logout(user).set('Host', HOST).set('Referer', `http://${HOST}/account?tab=security`);
    expect(res.status).toBe(200);
    expect(await t.models.SessionRevocation.exists({ _id: user.sessionId })).not.toBeNull();
  });

  it('refresh with neither Origin nor Referer (curl, a mobile app) works and rotates the token', async () => {
    const user = await registerUser(t.app);
    const res = await routes.refresh(user);
    expect(res.status).toBe(200);
    expect(cookiesOf(res)[REFRESH_COOKIE]?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.models.RefreshTokenRotation.exists({ _id: hashToken(user.refreshToken) })).not.toBeNull();
  });

  it.each([
    ['logout', (_user: SignedInUser) => request(t.app).post('/api/v1/auth/logout')],
    ['session revoke', (user: SignedInUser) => request(t.app).delete(`/api/v1/auth/sessions/${user.sessionId}`)],
  ])('%s authenticated by Bearer is not subject to the Origin check', async (_name, send) => {
    const user = await registerUser(t.app);
    const res = await send(user).set(...bearer(user)).set('Origin', EVIL);
    expect(res.status).toBe(200);
    expect(await t.models.SessionRevocation.exists({ _id: user.sessionId })).not.toBeNull();
    // Not an allowed origin, so still no CORS headers: a page there could not read the answer.
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a password change authenticated by Bearer from a foreign origin goes through', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app)
      .post('/api/v1/users/me/password')
      .set(...bearer(user))
      .set('Origin', EVIL)
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new password' });
    expect(res.status).toBe(200);
  });

  it('login and register are not cookie-authenticated and are not subject to it', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/login').set('Origin', EVIL).send({ email: user.email, password: PASSWORD });
    expect(res.status).toBe(200);
  });
});
