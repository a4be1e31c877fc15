import request from 'supertest';
import { bearer, PASSWORD, registerUser, uniqueEmail, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Each test builds its own app on a database of its own, so its counters (kept in MongoDB) start at zero;
 * limits are lowered to a handful.
 */

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

  it('limits failed attempts per account across IPs (the account-wide ceiling), with the email normalised', async () => {
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

describe('failed password checks: per account and address, under an account-wide ceiling', () => {
  it('an address that keeps guessing is refused, while the owner signs in from another address', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '3', RATE_LIMIT_LOGIN_PER_ACCOUNT: '100', TRUST_PROXY: 'true' });
    const user = await registerUser(t.app);
    for (let i = 0; i < 3; i++) {
      expect((await login(t, { email: user.email, password: 'wrong password' }, '203.0.113.66')).status).toBe(401);
    }
    const refused = await login(t, { email: user.email, password: PASSWORD }, '203.0.113.66');
    expectRateLimited(refused);
    expect(refused.headers['ratelimit-policy']).toMatch(/"login-per-account-and-ip"; q=3; w=600/);
    expect((await login(t, { email: user.email, password: PASSWORD }, '198.51.100.20')).status).toBe(200);
  });

  it('counts IPv6 clients per /56, so one host cannot buy a fresh budget with every address it owns', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '2', TRUST_PROXY: 'true' });
    const user = await registerUser(t.app);
    await login(t, { email: user.email, password: 'wrong password' }, '2001:db8:aa:bb00::1');
    await login(t, { email: user.email, password: 'wrong password' }, '2001:db8:aa:bbff::2');
    expectRateLimited(await login(t, { email: user.email, password: PASSWORD }, '2001:db8:aa:bb42::3'));
    expect((await login(t, { email: user.email, password: PASSWORD }, '2001:db8:aa:cc00::1')).status).toBe(200);
  });

  it('a refused attempt is not counted: it does not bring the account-wide ceiling closer', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '2', RATE_LIMIT_LOGIN_PER_ACCOUNT: '4', TRUST_PROXY: 'true' });
    const user = await registerUser(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(t, { email: user.email, password: 'wrong password' }, '203.0.113.1')).status);
    expect(statuses).toEqual([401, 401, 429, 429, 429]);
    // Two failures so far, not five: another address still has two before the ceiling of four.
    expect((await login(t, { email: user.email, password: 'wrong password' }, '203.0.113.2')).status).toBe(401);
    expect((await login(t, { email: user.email, password: 'wrong password' }, '203.0.113.3')).status).toBe(401);
    const refused = await login(t, { email: user.email, password: PASSWORD }, '203.0.113.4');
    expectRateLimited(refused);
    expect(refused.headers['ratelimit-policy']).toMatch(/"login-per-account"; q=4; w=600/);
  });
});

describe('POST /api/v1/users/me/password', () => {
  const changePassword = (t: TestApp, user: { accessToken: string }, currentPassword: string, ip?: string) => {
    const req = request(t.app).post('/api/v1/users/me/password').set(...bearer(user));
    if (ip) req.set('X-Forwarded-For', ip);
    return req.send({ currentPassword, newPassword: 'another long passphrase' });
  };

  it("wrong current passwords count against the session's own budget: the right one is then refused from it too, nothing changes, and sign-in is unaffected", async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '3', TRUST_PROXY: 'true' });
    const user = await registerUser(t.app);
    for (let i = 0; i < 3; i++) {
      const res = await changePassword(t, user, `wrong guess ${i}`, '203.0.113.5');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
    }
    const refused = await changePassword(t, user, PASSWORD, '203.0.113.5');
    expectRateLimited(refused);
    expect(refused.headers['ratelimit-policy']).toMatch(/"password-per-session"; q=3; w=600/);
    // Another address makes no difference to the session, and the session's guesses cost sign-in nothing.
    expectRateLimited(await changePassword(t, user, PASSWORD, '198.51.100.9'));
    expect((await login(t, { email: user.email, password: PASSWORD }, '203.0.113.5')).status).toBe(200);
  });

  it("wrong current passwords do not count against the account-wide ceiling, and are not blocked by it (issue 21)", async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3', RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '5', TRUST_PROXY: 'true' });
    const user = await registerUser(t.app);
    expect((await changePassword(t, user, 'wrong password', '203.0.113.1')).status).toBe(401);
    expect((await changePassword(t, user, 'wrong password', '203.0.113.1')).status).toBe(401);
    for (const ip of ['203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      expect((await login(t, { email: user.email, password: 'wrong password' }, ip)).status).toBe(401);
    }
    const refused = await login(t, { email: user.email, password: PASSWORD }, '203.0.113.6');
    expectRateLimited(refused);
    expect(refused.headers['ratelimit-policy']).toMatch(/"login-per-account"; q=3; w=600/);
    expect((await changePassword(t, user, PASSWORD, '203.0.113.7')).status).toBe(200);
  });

  it('a right current password does not count', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '1' });
    const user = await registerUser(t.app);
    const passwords = [PASSWORD, 'another long passphrase', 'and yet another passphrase'];
    for (let i = 0; i < 2; i++) {
      const res = await request(t.app)
        .post('/api/v1/users/me/password')
        .set(...bearer(user))
        .send({ currentPassword: passwords[i], newPassword: passwords[i + 1] });
      expect(res.status).toBe(200);
    }
    // The budget of one failure is still whole.
    expect((await changePassword(t, user, 'wrong password')).status).toBe(401);
    expectRateLimited(await changePassword(t, user, passwords[2]!));
  });
});

describe('the shared store', () => {
  it('serves allowed and refused requests without a warning from express-rate-limit', async () => {
    const lines: string[] = [];
    const t = await startTestApp(
      { RATE_LIMIT_WINDOW: '10m', RATE_LIMIT_LOGIN_PER_IP: '1', LOG_LEVEL: 'warn' },
      undefined,
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
    apps.push(t);
    const allowed = await login(t, { email: uniqueEmail(), password: 'wrong password' });
    expect(allowed.headers['ratelimit']).toMatch(/"login-per-ip"; r=0; t=600/);
    expectRateLimited(await login(t, { email: uniqueEmail(), password: 'wrong password' }));
    // The refusal itself is an audit warning; nothing else may be logged.
    expect(lines.map((line) => JSON.parse(line) as { audit?: string }).filter((entry) => entry.audit !== 'rate_limited')).toEqual([]);
  });
});

describe('hostile input to the limiters', () => {
  it('odd client addresses and account spellings are keys like any other: never a 5xx', async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_IP: '50', RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '50', TRUST_PROXY: 'true' });
    const addresses = ['', 'not-an-ip', '::', '::ffff:127.0.0.1', '2001:db8::1%eth0', '999.1.1.1', 'x'.repeat(2000), '$gt', '"; DROP'];
    for (const ip of addresses) {
      const res = await request(t.app)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ email: `  ${uniqueEmail().toUpperCase()}\t`, password: '\u0000'.repeat(3) });
      expect(res.status).toBeLessThan(500);
    }
  });
});

describe('DELETE /api/v1/users/me', () => {
  it("a wrong password counts against the session's own budget: past it the right one is refused and the account stays; sign-in is unaffected", async () => {
    const t = await appWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '2' });
    const user = await registerUser(t.app);
    const deleteAccount = (password: string) => request(t.app).delete('/api/v1/users/me').set(...bearer(user)).send({ password });
    expect((await deleteAccount('wrong password')).status).toBe(401);
    expect((await deleteAccount('wrong password')).status).toBe(401);
    expectRateLimited(await deleteAccount(PASSWORD));
    expect(await t.models.User.exists({ email: user.email })).not.toBeNull();
    expect((await login(t, { email: user.email, password: PASSWORD })).status).toBe(200);
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
    let cookie = `${REFRESH_COOKIE}=${user.refreshToken}`;
    for (let i = 0; i < 2; i++) {
      const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', cookie);
      expect(res.status).toBe(200);
      cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${REFRESH_COOKIE}=`))!.split(';')[0]!;
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
      loginPerAccount: 100,
      loginPerAccountAndIp: 10,
      registerPerIp: 100,
      refreshPerIp: 300,
    });
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_PER_IP: '-1' })).toThrow(/RATE_LIMIT_LOGIN_PER_IP/);
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_PER_IP: '1.5' })).toThrow(/RATE_LIMIT_LOGIN_PER_IP/);
    expect(() => loadConfig({ RATE_LIMIT_WINDOW: 'soon' })).toThrow(/RATE_LIMIT_WINDOW/);
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '-1' })).toThrow(/RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP/);
  });

  it('0 turns a limiter off, except the failed-password budgets in production', async () => {
    const { loadConfig } = await import('../src/config');
    expect(loadConfig({ RATE_LIMIT_REFRESH_PER_IP: '0' }).rateLimits.refreshPerIp).toBe(0);
    const production = { NODE_ENV: 'production', JWT_ACCESS_SECRET: 'x'.repeat(32), MONGODB_URI: 'mongodb://db.example/auth' };
    expect(loadConfig({ ...production, RATE_LIMIT_LOGIN_PER_IP: '0' }).rateLimits.loginPerIp).toBe(0);
    expect(() => loadConfig({ ...production, RATE_LIMIT_LOGIN_PER_ACCOUNT: '0' })).toThrow(/RATE_LIMIT_LOGIN_PER_ACCOUNT: 0/);
    expect(() => loadConfig({ ...production, RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '0' })).toThrow(/RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP/);
  });

  it('a limiter that is off counts nothing: no request of its kind is refused or written down', async () => {
    const t = await appWith({ RATE_LIMIT_REFRESH_PER_IP: '0' });
    const user = await registerUser(t.app);
    const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-policy']).toBeUndefined();
    expect(await t.models.RateLimitHit.countDocuments({})).toBe(0);
  });
});
