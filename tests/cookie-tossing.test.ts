import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { MAX_VALUES_PER_COOKIE } from '../src/auth/cookies';
import { hashToken } from '../src/sessions/refresh-tokens';
import { bearer, cookiesOf, expectAuthCookiesExpired, loginUser, registerUser, type SignedInUser, ACCESS_COOKIE, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Cookie tossing: a sibling subdomain (or anyone who can set a cookie for the parent domain) plants
 * cookies with the auth cookies' names at a longer path or a wider domain, and the browser sends them
 * first: `Cookie: accessToken=x; refreshToken=x; accessToken=<real>; refreshToken=<real>`. Logout must
 * still end the real session, refresh must refuse to pick one, and no route may act as the planter.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** A well-formed refresh token no session has: the planter's cheapest decoy. */
const decoyRefreshToken = () => randomBytes(32).toString('base64url');
/** `count` refresh cookies of decoys, as a Cookie header's pairs. */
const decoyCookies = (count: number) => Array.from({ length: count }, () => `${REFRESH_COOKIE}=${decoyRefreshToken()}`).join('; ');

const isRevoked = async (user: Pick<SignedInUser, 'sessionId'>) => (await t.models.SessionRevocation.exists({ _id: user.sessionId })) !== null;
const me = async (user: Pick<SignedInUser, 'accessToken'>) => (await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status;
const logout = (cookie: string, scope = 'local') => request(t.app).post(`/api/v1/auth/logout?scope=${scope}`).set('Cookie', cookie);

describe('POST /api/v1/auth/logout with planted cookies', () => {
  it('junk cookies in front of the real ones: the real session is revoked', async () => {
    const victim = await registerUser(t.app);
    const res = await logout(`${ACCESS_COOKIE}=x; ${REFRESH_COOKIE}=x; ${ACCESS_COOKIE}=${victim.accessToken}; ${REFRESH_COOKIE}=${victim.refreshToken}`);
    expect(res.status).toBe(200);
    expectAuthCookiesExpired(res);
    expect(await isRevoked(victim)).toBe(true);
    expect(await me(victim)).toBe(401);
  });

  it('a well-formed decoy refresh cookie in front of the real one, with no access cookie: the real session is revoked', async () => {
    const victim = await registerUser(t.app);
    const res = await logout(`${REFRESH_COOKIE}=${decoyRefreshToken()}; ${REFRESH_COOKIE}=${victim.refreshToken}`);
    expect(res.status).toBe(200);
    expect(await isRevoked(victim)).toBe(true);
  });

  it("the planter's own valid session in front: the victim's session is revoked too (and the planter's with it)", async () => {
    const victim = await registerUser(t.app);
    const planter = await registerUser(t.app);
    const res = await logout(
      `${ACCESS_COOKIE}=${planter.accessToken}; ${REFRESH_COOKIE}=${planter.refreshToken}; ${ACCESS_COOKIE}=${victim.accessToken}; ${REFRESH_COOKIE}=${victim.refreshToken}`,
    );
    expect(res.status).toBe(200);
    expect(await isRevoked(victim)).toBe(true);
    expect(await isRevoked(planter)).toBe(true);
  });

  it("the planter's valid access cookie in front of the victim's refresh cookie alone: both sessions are revoked", async () => {
    const victim = await registerUser(t.app);
    const planter = await registerUser(t.app);
    const res = await logout(`${ACCESS_COOKIE}=${planter.accessToken}; ${REFRESH_COOKIE}=${victim.refreshToken}`);
    expect(res.status).toBe(200);
    expect(await isRevoked(victim)).toBe(true);
    expect(await isRevoked(planter)).toBe(true);
  });

  it('scope=global behind junk cookies signs the victim out on every device', async () => {
    const victim = await registerUser(t.app);
    const otherDevice = await loginUser(t.app, victim.email);
    const res = await logout(`${ACCESS_COOKIE}=x; ${ACCESS_COOKIE}=${victim.accessToken}; ${REFRESH_COOKIE}=${victim.refreshToken}`, 'global');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: expect.any(String), revokedSessions: 2 });
    expect(await isRevoked(otherDevice)).toBe(true);
  });

  it('scope=others behind junk cookies keeps this device and signs out the others', async () => {
    const victim = await registerUser(t.app);
    const otherDevice = await loginUser(t.app, victim.email);
    const res = await logout(`${ACCESS_COOKIE}=x; ${ACCESS_COOKIE}=${victim.accessToken}`, 'others');
    expect(res.status).toBe(200);
    expect(await isRevoked(otherDevice)).toBe(true);
    expect(await me(victim)).toBe(200);
  });

  it('scope=others with two sessions proven (one planted) has no single device to keep: 401, nothing revoked, cookies expired', async () => {
    const victim = await registerUser(t.app);
    const otherDevice = await loginUser(t.app, victim.email);
    const planter = await registerUser(t.app);
    const res = await logout(`${ACCESS_COOKIE}=${planter.accessToken}; ${ACCESS_COOKIE}=${victim.accessToken}`, 'others');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
    expectAuthCookiesExpired(res);
    for (const user of [victim, otherDevice, planter]) expect(await isRevoked(user)).toBe(false);
  });

  it('the same cookie sent twice is one credential', async () => {
    const user = await registerUser(t.app);
    const res = await logout(`${ACCESS_COOKIE}=${user.accessToken}; ${ACCESS_COOKIE}=${user.accessToken}`, 'others');
    expect(res.status).toBe(200);
  });

  it(`looks at every one of ${MAX_VALUES_PER_COOKIE} values of a name: the real cookie behind ${MAX_VALUES_PER_COOKIE - 1} decoys is revoked`, async () => {
    const user = await registerUser(t.app);
    const res = await logout(`${decoyCookies(MAX_VALUES_PER_COOKIE - 1)}; ${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(res.status).toBe(200);
    expect(await isRevoked(user)).toBe(true);
  });

  it(`refuses more than ${MAX_VALUES_PER_COOKIE} values of a name whole, wherever the real one is: 401, cookies expired, nothing looked at`, async () => {
    for (const realFirst of [true, false]) {
      const user = await registerUser(t.app);
      const decoys = decoyCookies(MAX_VALUES_PER_COOKIE);
      const res = await logout(realFirst ? `${REFRESH_COOKIE}=${user.refreshToken}; ${decoys}` : `${decoys}; ${REFRESH_COOKIE}=${user.refreshToken}`);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
      expectAuthCookiesExpired(res);
      expect(await isRevoked(user)).toBe(false);
    }
  });
});

describe('POST /api/v1/auth/refresh with planted cookies', () => {
  it("two different refresh tokens (the planter's valid one first): 401, both cookies expired, both sessions logged out, nobody signed in to the planter's session", async () => {
    const victim = await registerUser(t.app);
    const planter = await registerUser(t.app);
    const res = await request(t.app)
      .post('/api/v1/auth/refresh')
      .set('Cookie', `${REFRESH_COOKIE}=${planter.refreshToken}; ${REFRESH_COOKIE}=${victim.refreshToken}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
    expect(res.body.accessToken).toBeUndefined();
    expectAuthCookiesExpired(res);
    // Neither token was rotated: refused before any was used. Both sessions were logged out, as logout
    // would: the planted token, should the browser keep it, is dead.
    for (const user of [victim, planter]) {
      expect(await t.models.RefreshTokenRotation.exists({ _id: hashToken(user.refreshToken) })).toBeNull();
      expect(await isRevoked(user)).toBe(true);
    }
  });

  it(`the real refresh token with ${MAX_VALUES_PER_COOKIE} decoys behind it (more than ${MAX_VALUES_PER_COOKIE} values) is refused: 401, cookies expired, not rotated`, async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}; ${decoyCookies(MAX_VALUES_PER_COOKIE)}`);
    expect(res.status).toBe(401);
    expect(res.body.accessToken).toBeUndefined();
    expectAuthCookiesExpired(res);
    expect(await t.models.RefreshTokenRotation.exists({ _id: hashToken(user.refreshToken) })).toBeNull();
    expect(await isRevoked(user)).toBe(false);
  });

  it('a junk refresh cookie in front of the real one: 401, both cookies expired', async () => {
    const victim = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=x; ${REFRESH_COOKIE}=${victim.refreshToken}`);
    expect(res.status).toBe(401);
    expectAuthCookiesExpired(res);
  });

  it('the same refresh token sent twice is one token: 200, rotated', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}; ${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(res.status).toBe(200);
    expect(cookiesOf(res)[REFRESH_COOKIE]?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('an emptied cookie of the same name is no token: 200', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=; ${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(res.status).toBe(200);
  });
});

describe('protected routes with planted access cookies', () => {
  it("two different access cookies, both valid: 401, never the planter's account", async () => {
    const victim = await registerUser(t.app);
    const planter = await registerUser(t.app);
    const res = await request(t.app).get('/api/v1/users/me').set('Cookie', `${ACCESS_COOKIE}=${planter.accessToken}; ${ACCESS_COOKIE}=${victim.accessToken}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
  });

  it('the same access cookie twice, or quoted as RFC 6265 allows, is read as the one token', async () => {
    const user = await registerUser(t.app);
    for (const cookie of [`${ACCESS_COOKIE}=${user.accessToken}; ${ACCESS_COOKIE}=${user.accessToken}`, `${ACCESS_COOKIE}="${user.accessToken}"`]) {
      const res = await request(t.app).get('/api/v1/users/me').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(user.id);
    }
  });
});
