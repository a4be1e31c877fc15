import request from 'supertest';
import { cookiesOf, expectAuthCookiesExpired, registerUser } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * With Secure cookies (production) the auth cookies carry name prefixes a browser enforces (RFC 6265bis
 * §4.1.3): it accepts `__Host-` only with Secure, Path=/ and no Domain, and `__Secure-` only with Secure,
 * so a sibling subdomain or a plain-http page cannot plant a cookie under those names. Over plain http
 * (development) browsers refuse prefixed cookies, so the names stay plain (tests/logout.test.ts).
 */

let production: TestApp;
let withDomain: TestApp;
beforeAll(async () => {
  production = await startTestApp({ NODE_ENV: 'production' });
  withDomain = await startTestApp({ NODE_ENV: 'production', COOKIE_DOMAIN: 'example.test' }, production.dbName);
});
afterAll(async () => {
  await withDomain.connection.close();
  await production.close();
});

describe('auth cookie names in production', () => {
  it('__Host-accessToken (Secure, Path=/, no Domain) and __Secure-refreshToken (Secure, Path=/api/v1/auth)', async () => {
    const user = await registerUser(production.app);
    const set = cookiesOf(user.response);
    expect(Object.keys(set).sort()).toEqual(['__Host-accessToken', '__Host-deviceToken', '__Secure-refreshToken']);
    expect(set['__Host-accessToken']).toMatchObject({ path: '/', secure: true, httpOnly: true });
    expect(set['__Host-accessToken']?.domain).toBeUndefined();
    expect(set['__Secure-refreshToken']).toMatchObject({ path: '/api/v1/auth', secure: true, httpOnly: true });
  });

  it('with COOKIE_DOMAIN, which __Host- forbids, the access cookie is __Secure-accessToken with that Domain', async () => {
    const user = await registerUser(withDomain.app);
    const set = cookiesOf(user.response);
    expect(Object.keys(set).sort()).toEqual(['__Host-deviceToken', '__Secure-accessToken', '__Secure-refreshToken']);
    for (const name of ['__Secure-accessToken', '__Secure-refreshToken']) expect(set[name]).toMatchObject({ domain: 'example.test', secure: true });
    // The device cookie stays host-only, so it can be __Host- whatever COOKIE_DOMAIN says.
    expect(set['__Host-deviceToken']).toMatchObject({ path: '/', secure: true, httpOnly: true });
    expect(set['__Host-deviceToken']?.domain).toBeUndefined();
    const res = await request(withDomain.app).post('/api/v1/auth/logout').set('Cookie', user.cookieHeader);
    expect(res.status).toBe(200);
    expectAuthCookiesExpired(res, { secure: true, domain: 'example.test', names: user.cookieNames });
  });

  it('the prefixed cookies are the ones read: refresh rotates them and logout by cookie expires them', async () => {
    const user = await registerUser(production.app);
    const refreshed = await request(production.app).post('/api/v1/auth/refresh').set('Cookie', `__Secure-refreshToken=${user.refreshToken}`);
    expect(refreshed.status).toBe(200);
    expect(Object.keys(cookiesOf(refreshed)).sort()).toEqual(['__Host-accessToken', '__Secure-refreshToken']);
    const me = await request(production.app).get('/api/v1/users/me').set('Cookie', `__Host-accessToken=${refreshed.body.accessToken}`);
    expect(me.status).toBe(200);
    const res = await request(production.app).post('/api/v1/auth/logout').set('Cookie', `__Host-accessToken=${refreshed.body.accessToken}`);
    expect(res.status).toBe(200);
    expectAuthCookiesExpired(res, { secure: true, names: user.cookieNames });
  });

  it('cookies under the plain names, which anyone could have planted, are not read', async () => {
    const user = await registerUser(production.app);
    const me = await request(production.app).get('/api/v1/users/me').set('Cookie', `accessToken=${user.accessToken}`);
    expect(me.status).toBe(401);
    const refreshed = await request(production.app).post('/api/v1/auth/refresh').set('Cookie', `refreshToken=${user.refreshToken}`);
    expect(refreshed.status).toBe(401);
    const logout = await request(production.app).post('/api/v1/auth/logout').set('Cookie', `accessToken=${user.accessToken}; refreshToken=${user.refreshToken}`);
    expect(logout.status).toBe(401);
    expect(await production.models.SessionRevocation.exists({ _id: user.sessionId })).toBeNull();
  });

  it("the OpenAPI document served names the instance's cookies", async () => {
    const res = await request(production.app).get('/api/v1/openapi.json');
    expect(res.body.components.securitySchemes).toMatchObject({
      accessCookie: { in: 'cookie', name: '__Host-accessToken' },
      refreshCookie: { in: 'cookie', name: '__Secure-refreshToken' },
    });
  });
});
