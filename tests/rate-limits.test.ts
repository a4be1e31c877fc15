import request from 'supertest';
import { PASSWORD, registerUser, uniqueEmail } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/** Each test builds its own app, so its counters start at zero; limits are lowered to a handful. */

const apps: TestApp[] = [];
async function appWith(env: Record<string, string>): Promise<TestApp> {
  const t = await startTestApp({ RATE_LIMIT_WINDOW: '10m', ...env });
  apps.push(t);
  return t;
}
afterAll(() => Promise.all(apps.map((t) => t.close())));

function expectRateLimited(res: request.Response) {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ success: false, code: 'RATE_LIMITED', message: expect.any(String) });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(600);
  expect(res.headers['cache-control']).toBe('no-store');
}

const login = (t: TestApp, body: object, ip?: string) => {
  const req = request(t.app).post('/api/v1/auth/login');
  if (ip) req.set('X-Forwarded-For', ip);
  return req.send(body);
};

describe('POST /api/v1/auth/login', () => {
  it('limits attempts per IP, whatever account they aim at', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_IP: '3' });
    for (let i = 0; i < 3; i++) {
      expect((await login(t, { email: uniqueEmail(), password: 'wrong password' })).status).toBe(401);
    }
    const res = await login(t, { email: uniqueEmail(), password: 'wrong password' });
    expectRateLimited(res);
    expect(res.headers['ratelimit-policy']).toMatch(/"login-per-ip"; q=3; w=600/);
  });

  it('refuses even the right password once the IP is over its limit', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_IP: '3' });
    const user = await registerUser(t.app);
    for (let i = 0; i < 3; i++) await login(t, { email: user.email, password: 'wrong password' });
    expectRateLimited(await login(t, { email: user.email, password: PASSWORD }));
  });

  it('limits failed attempts per account across IPs, with the email normalised', async () => {
    // Each attempt from another address (trust proxy makes X-Forwarded-For the client IP here).
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3', TRUST_PROXY: 'true' });
    const user = await registerUser(t.app);
    const spellings = [user.email, user.email.toUpperCase(), `  ${user.email}  `];
    for (const [i, email] of spellings.entries()) {
      expect((await login(t, { email, password: 'wrong password' }, `203.0.113.${i + 1}`)).status).toBe(401);
    }
    expectRateLimited(await login(t, { email: user.email, password: PASSWORD }, '198.51.100.7'));
    // Another account from the same addresses is unaffected.
    const other = await registerUser(t.app);
    expect((await login(t, { email: other.email, password: PASSWORD }, '203.0.113.1')).status).toBe(200);
  });

  it('does not count successful logins against the account', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '2' });
    const user = await registerUser(t.app);
    for (let i = 0; i < 4; i++) expect((await login(t, { email: user.email, password: PASSWORD })).status).toBe(200);
  });

  it('keeps separate counts per IP', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_IP: '2', TRUST_PROXY: 'true' });
    for (let i = 0; i < 2; i++) await login(t, { email: uniqueEmail(), password: 'x' }, '203.0.113.9');
    expectRateLimited(await login(t, { email: uniqueEmail(), password: 'x' }, '203.0.113.9'));
    expect((await login(t, { email: uniqueEmail(), password: 'x' }, '203.0.113.10')).status).toBe(401);
  });
});

describe('POST /api/v1/auth/register', () => {
  it('limits registrations per IP, and the refused one creates no user', async () => {
    const t = await appWith({ RATE_LIMIT_REGISTER_PER_IP: '2' });
    await registerUser(t.app);
    await registerUser(t.app);
    const email = uniqueEmail();
    expectRateLimited(await request(t.app).post('/api/v1/auth/register').send({ email, password: PASSWORD }));
    expect(await t.models.User.countDocuments({})).toBe(2);
    expect(await t.models.User.exists({ email })).toBeNull();
  });
});

describe('POST /api/v1/auth/refresh', () => {
  it('limits refreshes per IP, and the refused one rotates nothing', async () => {
    const t = await appWith({ RATE_LIMIT_REFRESH_PER_IP: '2' });
    const user = await registerUser(t.app);
    let cookie = `refreshToken=${user.refreshToken}`;
    for (let i = 0; i < 2; i++) {
      const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', cookie);
      expect(res.status).toBe(200);
      cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('refreshToken='))!.split(';')[0]!;
    }
    const before = await t.models.RefreshTokenRotation.countDocuments({});
    const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', cookie);
    expectRateLimited(res);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await t.models.RefreshTokenRotation.countDocuments({})).toBe(before);
  });
});

describe('configuration', () => {
  it('has production defaults and refuses nonsense values', async () => {
    const { loadConfig } = await import('../src/config');
    expect(loadConfig({}).rateLimits).toEqual({
      windowSeconds: 900,
      loginPerIp: 100,
      loginPerAccount: 10,
      registerPerIp: 100,
      refreshPerIp: 300,
    });
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_PER_IP: '0' })).toThrow(/RATE_LIMIT_LOGIN_PER_IP/);
    expect(() => loadConfig({ RATE_LIMIT_WINDOW: 'soon' })).toThrow(/RATE_LIMIT_WINDOW/);
  });
});
