import jwt from 'jsonwebtoken';
import request from 'supertest';
import { loadConfig } from '../src/config';
import { cookiesOf, expectAuthCookiesExpired, registerUser, type SignedInUser, REFRESH_COOKIE, ACCESS_COOKIE } from './support/auth-helpers';
import { TEST_SECRET, startTestApp, type TestApp } from './support/test-app';
import { createTestClock, type TestClock } from './support/test-clock';

/**
 * Session lifetime: SESSION_ABSOLUTE_LIFETIME ends a session at its creation plus the lifetime however
 * often it is refreshed; REFRESH_TOKEN_TTL is the idle timeout. Time moves on an injected clock.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let clock: TestClock;
let t: TestApp;
beforeAll(async () => {
  clock = createTestClock();
  t = await startTestApp({ SESSION_ABSOLUTE_LIFETIME: '1h', ACCESS_TOKEN_TTL: '15m', REFRESH_TOKEN_TTL: '7d' }, undefined, { clock: clock.now });
});
afterAll(() => t.close());

const me = (accessToken: string) => request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);
const refresh = (refreshToken: string) => request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${refreshToken}`);
const sessionIds = async (accessToken: string) =>
  ((await request(t.app).get('/api/v1/auth/sessions').set('Authorization', `Bearer ${accessToken}`)).body.sessions ?? []).map((s: { id: string }) => s.id);
const claimsOf = (accessToken: string) => jwt.decode(accessToken) as { iat: number; exp: number };

/** Refreshes `times` times, `everyMs` apart; returns the latest tokens. */
async function keepRefreshing(user: SignedInUser, times: number, everyMs: number) {
  let { accessToken, refreshToken } = user;
  for (let i = 0; i < times; i += 1) {
    clock.advance(everyMs);
    const res = await refresh(refreshToken);
    expect(res.status).toBe(200);
    accessToken = res.body.accessToken;
    refreshToken = cookiesOf(res)[REFRESH_COOKIE]!.value;
  }
  return { accessToken, refreshToken };
}

describe('SESSION_ABSOLUTE_LIFETIME', () => {
  it('caps the refresh cookie at the session end from the first sign-in on', async () => {
    const user = await registerUser(t.app);
    expect(cookiesOf(user.response)[REFRESH_COOKIE]!.maxAge).toBe(3600);
    expect(cookiesOf(user.response)[ACCESS_COOKIE]!.maxAge).toBe(900);
  });

  it('a session refreshed many times still works just before its end, and is dead just after, for access, refresh and the list', async () => {
    const user = await registerUser(t.app);
    const createdAt = clock.now();
    // Eleven refreshes, five minutes apart: the session is in use the whole time.
    const latest = await keepRefreshing(user, 11, 5 * MINUTE);
    const lastRefresh = await refresh(latest.refreshToken);
    expect(lastRefresh.status).toBe(200);
    const accessToken = lastRefresh.body.accessToken as string;
    const refreshToken = cookiesOf(lastRefresh)[REFRESH_COOKIE]!.value;
    // 55 minutes in: 5 minutes left, and neither the token nor the cookie reaches past them.
    expect(claimsOf(accessToken).exp * 1000).toBeLessThanOrEqual(createdAt + HOUR);
    expect(lastRefresh.body.expiresIn).toBe(300);
    expect(cookiesOf(lastRefresh)[REFRESH_COOKIE]!.maxAge).toBe(300);
    expect(cookiesOf(lastRefresh)[ACCESS_COOKIE]!.maxAge).toBe(300);

    clock.advance(createdAt + HOUR - 1000 - clock.now());
    expect((await me(accessToken)).status).toBe(200);
    expect(await sessionIds(accessToken)).toContain(user.sessionId);

    clock.advance(2000);
    expect((await me(accessToken)).status).toBe(401);
    const dead = await refresh(refreshToken);
    expect(dead.status).toBe(401);
    expectAuthCookiesExpired(dead);
  });

  it('ends the session even for an access token whose own exp is later', async () => {
    const user = await registerUser(t.app);
    clock.advance(HOUR - 5 * MINUTE);
    const issuedAt = Math.floor(clock.now() / 1000);
    // A token as a server without this setting would have signed it: its full 15 minutes, past the session's
    // end. (No longer than that: a token living longer than ACCESS_TOKEN_TTL is refused on its own, tokens.ts.)
    const longLived = jwt.sign({ sid: user.sessionId, iat: issuedAt, exp: issuedAt + 15 * 60 }, TEST_SECRET, {
      algorithm: 'HS256',
      subject: user.id,
      issuer: t.config.jwt.issuer,
      audience: t.config.jwt.audience,
      jwtid: 'long-lived',
    });
    expect((await me(longLived)).status).toBe(200);
    clock.advance(5 * MINUTE + 1000);
    expect((await me(longLived)).status).toBe(401);
  });

  it('drops an ended session from GET /auth/sessions while a younger one of the same user lives on', async () => {
    const older = await registerUser(t.app);
    clock.advance(30 * MINUTE);
    const login = await request(t.app).post('/api/v1/auth/login').send({ email: older.email, password: older.password });
    expect(login.status).toBe(200);
    expect(await sessionIds(login.body.accessToken)).toEqual(expect.arrayContaining([older.sessionId]));
    clock.advance(31 * MINUTE);
    const refreshed = await refresh(cookiesOf(login)[REFRESH_COOKIE]!.value);
    expect(refreshed.status).toBe(200);
    const listed = await sessionIds(refreshed.body.accessToken);
    expect(listed).not.toContain(older.sessionId);
    expect(listed).toHaveLength(1);
  });
});

describe('REFRESH_TOKEN_TTL, the idle timeout', () => {
  it('ends a session that was not refreshed for that long', async () => {
    const idle = await startTestApp({ SESSION_ABSOLUTE_LIFETIME: '30d', REFRESH_TOKEN_TTL: '1h' }, undefined, { clock: clock.now });
    try {
      const user = await registerUser(idle.app);
      clock.advance(HOUR - 1000);
      const kept = await request(idle.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
      expect(kept.status).toBe(200);
      // The refresh moved the idle timeout: an hour from now, not from the sign-in.
      clock.advance(HOUR - 1000);
      const next = await request(idle.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${cookiesOf(kept)[REFRESH_COOKIE]!.value}`);
      expect(next.status).toBe(200);
      clock.advance(HOUR + 1000);
      const dead = await request(idle.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${cookiesOf(next)[REFRESH_COOKIE]!.value}`);
      expect(dead.status).toBe(401);
    } finally {
      await idle.close();
    }
  });
});

describe('a lifetime shorter than ACCESS_TOKEN_TTL', () => {
  it('gives access tokens that end with the session', async () => {
    const short = await startTestApp({ SESSION_ABSOLUTE_LIFETIME: '5m', ACCESS_TOKEN_TTL: '15m' }, undefined, { clock: clock.now });
    try {
      const user = await registerUser(short.app);
      expect(user.response.body.expiresIn).toBe(300);
      const { iat, exp } = claimsOf(user.accessToken);
      expect(exp - iat).toBe(300);
      expect(cookiesOf(user.response)[ACCESS_COOKIE]!.maxAge).toBe(300);
      expect(cookiesOf(user.response)[REFRESH_COOKIE]!.maxAge).toBe(300);
    } finally {
      await short.close();
    }
  });

  it('defaults to 30 days and accepts seconds or the TTL duration format', () => {
    expect(loadConfig({}).sessionAbsoluteLifetimeSeconds).toBe(30 * 24 * 3600);
    expect(loadConfig({ SESSION_ABSOLUTE_LIFETIME: '90' }).sessionAbsoluteLifetimeSeconds).toBe(90);
    expect(loadConfig({ SESSION_ABSOLUTE_LIFETIME: '12h' }).sessionAbsoluteLifetimeSeconds).toBe(12 * 3600);
    expect(() => loadConfig({ SESSION_ABSOLUTE_LIFETIME: 'forever' })).toThrow(/SESSION_ABSOLUTE_LIFETIME/);
  });
});
