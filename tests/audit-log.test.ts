import request from 'supertest';
import { emailFingerprint } from '../src/audit-log';
import { bearer, cookiesOf, loginUser, PASSWORD, registerUser, sessionIdOf, uniqueEmail, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';
import { createTestClock } from './support/test-clock';

/**
 * The real pino output, captured through a destination stream: audit events are there with the fields
 * an investigator needs, and no credential appears anywhere in the log, request logs included
 * (NODE_ENV=development turns the per-request lines on; LOG_FORMAT=json is what production writes).
 */

const lines: string[] = [];
const destination = { write: (line: string) => void lines.push(line) };
const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const auditEntries = (event: string) => entries().filter((entry) => entry.audit === event);

/** Every secret this file handles, to be searched for in the whole log afterwards. */
const secrets: string[] = [];
function remember(user: SignedInUser): SignedInUser {
  secrets.push(user.accessToken, user.refreshToken, user.password);
  return user;
}

/** The app's wall clock, moved past the (zero) refresh grace period instead of sleeping. */
const clock = createTestClock();
/**
 * Refreshes with the user's token (its successors are remembered as secrets), lets the zero grace period
 * pass, and presents the same token again: the replay, answered REFRESH_TOKEN_REUSED.
 */
async function replayAfterRotation(user: SignedInUser): Promise<request.Response> {
  const first = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
  expect(first.status).toBe(200);
  secrets.push(first.body.accessToken, cookiesOf(first)[REFRESH_COOKIE]!.value);
  clock.advance(1000);
  const replay = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
  expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');
  return replay;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(
    {
      NODE_ENV: 'development',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      REFRESH_REUSE_GRACE_SECONDS: '0',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '2',
      // Also each session's budget of wrong current passwords (password-attempts.ts).
      RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '2',
      CORS_ORIGINS: 'https://app.example.com',
    },
    undefined,
    { logDestination: destination, clock: clock.now },
  );
});
afterAll(() => t.close());

describe('audit events', () => {
  it('login: user id, session id, ip and request id', async () => {
    const registered = remember(await registerUser(t.app));
    const res = await request(t.app).post('/api/v1/auth/login').send({ email: registered.email, password: PASSWORD });
    expect(res.status).toBe(200);
    secrets.push(res.body.accessToken, cookiesOf(res)[REFRESH_COOKIE]!.value);
    const [event] = auditEntries('login').filter((entry) => entry.userId === registered.id);
    expect(event).toMatchObject({
      level: 30,
      audit: 'login',
      userId: registered.id,
      sessionId: sessionIdOf(res.body.accessToken),
      ip: expect.stringMatching(/127\.0\.0\.1/),
      reqId: res.headers['x-request-id'],
    });
  });

  it('registration: the new user id and session id', async () => {
    const registered = remember(await registerUser(t.app));
    expect(auditEntries('register')).toContainEqual(
      expect.objectContaining({ level: 30, userId: registered.id, sessionId: registered.sessionId, reqId: registered.response.headers['x-request-id'] }),
    );
  });

  it('refresh: the session, and whether its refresh token was rotated', async () => {
    const user = remember(await registerUser(t.app));
    const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(res.status).toBe(200);
    secrets.push(res.body.accessToken, cookiesOf(res)[REFRESH_COOKIE]!.value);
    expect(auditEntries('refresh')).toContainEqual(
      expect.objectContaining({ level: 30, userId: user.id, sessionId: user.sessionId, rotated: true, reqId: res.headers['x-request-id'] }),
    );
  });

  it('failed login: an account fingerprint, never the email or the password tried', async () => {
    const registered = remember(await registerUser(t.app));
    const res = await request(t.app).post('/api/v1/auth/login').send({ email: registered.email, password: 'a wrong guess 123' });
    expect(res.status).toBe(401);
    secrets.push('a wrong guess 123');
    const event = auditEntries('login_failed').find((entry) => entry.reqId === res.headers['x-request-id']);
    expect(event).toMatchObject({ audit: 'login_failed', account: emailFingerprint(registered.email), ip: expect.any(String) });
    expect(JSON.stringify(event)).not.toContain(registered.email);
  });

  it('logout: scope, session id, user id, ip', async () => {
    const user = remember(await registerUser(t.app));
    const other = remember(await loginUser(t.app, user.email));
    const local = await request(t.app).post('/api/v1/auth/logout').set('Cookie', user.cookieHeader);
    const global = await request(t.app).post('/api/v1/auth/logout?scope=global').set(...bearer(other));
    expect([local.status, global.status]).toEqual([200, 200]);
    const events = auditEntries('logout').filter((entry) => entry.userId === user.id);
    expect(events).toEqual([
      expect.objectContaining({ scope: 'local', sessionId: user.sessionId, via: 'access-cookie', revokedSessions: 1, ip: expect.any(String) }),
      expect.objectContaining({ scope: 'global', sessionId: other.sessionId, via: 'bearer', revokedSessions: 1, ip: expect.any(String) }),
    ]);
  });

  it('refresh token reuse detected: the session it revoked', async () => {
    const user = remember(await registerUser(t.app));
    const replay = await replayAfterRotation(user);
    expect(auditEntries('refresh_reuse_detected')).toContainEqual(
      expect.objectContaining({ userId: user.id, sessionId: user.sessionId, reqId: replay.headers['x-request-id'] }),
    );
  });

  it('CSRF rejected: method, path and the foreign origin', async () => {
    const user = remember(await registerUser(t.app));
    const res = await request(t.app).post('/api/v1/auth/logout').set('Cookie', user.cookieHeader).set('Origin', 'https://evil.example.net');
    expect(res.status).toBe(403);
    expect(auditEntries('csrf_rejected')).toContainEqual(
      expect.objectContaining({ level: 40, method: 'POST', path: '/api/v1/auth/logout', from: 'origin', origin: 'https://evil.example.net', reqId: res.headers['x-request-id'] }),
    );
  });

  it('rate limited: which limiter refused whom', async () => {
    const email = uniqueEmail();
    const statuses: number[] = [];
    let refused: request.Response | undefined;
    for (let i = 0; i < 3; i++) {
      refused = await request(t.app).post('/api/v1/auth/login').send({ email, password: 'guess number one' });
      statuses.push(refused.status);
    }
    secrets.push('guess number one');
    expect(statuses).toEqual([401, 401, 429]);
    expect(auditEntries('rate_limited')).toContainEqual(
      expect.objectContaining({ level: 40, limiter: 'login-per-account-and-ip', path: '/api/v1/auth/login', ip: expect.any(String), reqId: refused!.headers['x-request-id'] }),
    );
  });

  it('rate limited password change: the budget a wrong current password drew on', async () => {
    const user = remember(await registerUser(t.app));
    const change = () =>
      request(t.app).post('/api/v1/users/me/password').set(...bearer(user)).send({ currentPassword: 'guess number two', newPassword: 'a brand new password' });
    const statuses: number[] = [];
    let refused: request.Response | undefined;
    for (let i = 0; i < 3; i++) {
      refused = await change();
      statuses.push(refused.status);
    }
    secrets.push('guess number two');
    expect(statuses).toEqual([401, 401, 429]);
    expect(auditEntries('rate_limited')).toContainEqual(
      expect.objectContaining({ limiter: 'password-per-session', path: '/api/v1/users/me/password', method: 'POST', reqId: refused!.headers['x-request-id'] }),
    );
  });
});

interface RequestLogEntry {
  req: { id: string; headers: Record<string, unknown> };
  res: { headers: Record<string, unknown> };
}

/** The request-log line for the request that got `res`, found by its request id. */
function requestLogOf(res: request.Response): RequestLogEntry {
  const id = res.headers['x-request-id'] as string;
  const entry = entries().find((line) => (line.req as { id?: unknown } | undefined)?.id === id && line.res !== undefined);
  if (!entry) throw new Error(`no request log line for request ${id} (answered ${res.status})`);
  return entry as unknown as RequestLogEntry;
}

/**
 * Every path a credential travels, once, with each credential remembered: sign-up, sign-in, a rotation, a
 * replayed token, a wrong and a refused password, a password change, a CSRF refusal and both logouts.
 */
async function handleEveryKindOfCredential(): Promise<string[]> {
  const before = secrets.length;
  const user = remember(await registerUser(t.app));
  await replayAfterRotation(remember(await loginUser(t.app, user.email)));

  const newPassword = 'a whole new passphrase for the log test';
  secrets.push(newPassword);
  const changed = await request(t.app).post('/api/v1/users/me/password').set(...bearer(user)).send({ currentPassword: PASSWORD, newPassword });
  expect(changed.status).toBe(200);
  const csrf = await request(t.app).post('/api/v1/auth/logout').set('Cookie', user.cookieHeader).set('Origin', 'https://evil.example.net');
  expect(csrf.status).toBe(403);
  const again = remember(await loginUser(t.app, user.email, newPassword));
  expect((await request(t.app).post('/api/v1/auth/logout').set('Cookie', user.cookieHeader)).status).toBe(200);
  expect((await request(t.app).post('/api/v1/auth/logout?scope=global').set(...bearer(again))).status).toBe(200);

  const guess = 'a guess that is wrong 3';
  secrets.push(guess);
  const email = uniqueEmail();
  const guesses: number[] = [];
  for (let i = 0; i < 3; i++) guesses.push((await request(t.app).post('/api/v1/auth/login').send({ email, password: guess })).status);
  expect(guesses).toEqual([401, 401, 429]);
  return secrets.slice(before);
}

describe('what never reaches the log', () => {
  it('request logs are written, with Authorization, Cookie and Set-Cookie redacted', async () => {
    const user = await registerUser(t.app);
    const byHeader = await request(t.app).get('/api/v1/users/me').set(...bearer(user));
    const byCookie = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    expect([byHeader.status, byCookie.status]).toEqual([200, 200]);

    expect(requestLogOf(user.response).res.headers['set-cookie']).toBe('[redacted]');
    expect(requestLogOf(byHeader).req.headers.authorization).toBe('[redacted]');
    expect(requestLogOf(byCookie).req.headers.cookie).toBe('[redacted]');
    expect(requestLogOf(byCookie).res.headers['set-cookie']).toBe('[redacted]');
  });

  it('no password, access token or refresh token appears anywhere in the output', async () => {
    // Its own traffic, so it checks as much when it runs alone as after the tests above (whose secrets count too).
    const own = await handleEveryKindOfCredential();
    // Three passwords, four access tokens, four refresh tokens.
    expect(new Set(own).size).toBe(11);
    const output = lines.join('');
    for (const secret of secrets) expect(output).not.toContain(secret);
    // Nor any JWT-shaped string or "Bearer" credential at all.
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(output).not.toMatch(/Bearer [A-Za-z0-9]/);
  });
});
