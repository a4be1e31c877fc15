import request from 'supertest';
import { hashToken } from '../src/sessions/refresh-tokens';
import { bearer, cookiesOf, expectAuthCookiesExpired, registerUser, sessionIdOf, type SignedInUser, REFRESH_COOKIE, ACCESS_COOKIE } from './support/auth-helpers';
import { claimOf, mintingFor, recordOperations } from './support/operation-log';
import { startTestApp, type TestApp } from './support/test-app';
import { createTestClock } from './support/test-clock';

/** The app's wall clock: time passes only where a test moves it, so grace periods and stamps are exact. */
const clock = createTestClock();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, undefined, { clock: clock.now });
});
afterAll(() => t.close());

const refreshWith = (refreshToken: string) => request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${refreshToken}`);

/** The refresh tokens of a session that would still be accepted: issued, unexpired, never rotated. */
async function liveRefreshTokenHashes(sessionId: string): Promise<string[]> {
  const tokens = await t.models.RefreshToken.find({ sessionId, expiresAt: { $gt: new Date(clock.now()) } }).lean();
  const rotated = await t.models.RefreshTokenRotation.find({ _id: { $in: tokens.map((x) => x._id) } }).lean();
  const rotatedIds = new Set(rotated.map((r) => r._id));
  return tokens.map((x) => x._id).filter((id) => !rotatedIds.has(id));
}

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: 200 with a new access token, a new refresh cookie, and the old token retired', async () => {
    const user = await registerUser(t.app);
    const res = await refreshWith(user.refreshToken);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, accessToken: expect.any(String), expiresIn: 900 });
    const cookies = cookiesOf(res);
    expect(cookies[ACCESS_COOKIE]?.value).toBe(res.body.accessToken);
    expect(cookies[REFRESH_COOKIE]).toMatchObject({ path: '/api/v1/auth', httpOnly: true, maxAge: 604800 });
    expect(cookies[REFRESH_COOKIE]?.value).not.toBe(user.refreshToken);
    expect(sessionIdOf(res.body.accessToken)).toBe(user.sessionId);

    expect(await liveRefreshTokenHashes(user.sessionId)).toEqual([hashToken(cookies[REFRESH_COOKIE]!.value)]);
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${res.body.accessToken}`)).status).toBe(200);
  });

  it('moves lastUsedAt on refresh, to the moment of the refresh', async () => {
    const user = await registerUser(t.app);
    const before = await t.models.Session.findById(user.sessionId).lean();
    clock.advance(1000);
    expect((await refreshWith(user.refreshToken)).status).toBe(200);
    const after = await t.models.Session.findById(user.sessionId).lean();
    expect(after!.lastUsedAt.getTime()).toBe(before!.lastUsedAt.getTime() + 1000);
  });

  it('does not move lastUsedAt on ordinary authenticated requests', async () => {
    const user = await registerUser(t.app);
    const before = await t.models.Session.findById(user.sessionId).lean();
    // Time passes, so a request that stamped the session would change it.
    clock.advance(1000);
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(200);
    const after = await t.models.Session.findById(user.sessionId).lean();
    expect(after!.lastUsedAt.getTime()).toBe(before!.lastUsedAt.getTime());
  });

  it.each([
    ['no cookie', () => request(t.app).post('/api/v1/auth/refresh')],
    ['a malformed cookie', () => refreshWith('not-a-token')],
    ['an unknown token', () => refreshWith('B'.repeat(43))],
  ])('answers 401 and expires both cookies for %s', async (_name, send) => {
    const res = await send();
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
    expectAuthCookiesExpired(res);
  });

  it('answers 401 and expires both cookies for an expired refresh token', async () => {
    const user = await registerUser(t.app);
    await t.models.RefreshToken.updateOne({ _id: hashToken(user.refreshToken) }, { $set: { expiresAt: new Date(clock.now() - 1000) } });
    const res = await refreshWith(user.refreshToken);
    expect(res.status).toBe(401);
    expectAuthCookiesExpired(res);
  });

  it('answers 401 for the refresh token of a revoked session', async () => {
    const user = await registerUser(t.app);
    await request(t.app).post('/api/v1/auth/logout').set(...bearer(user));
    const res = await refreshWith(user.refreshToken);
    expect(res.status).toBe(401);
    expectAuthCookiesExpired(res);
  });

  it('answers 401 for the refresh token of an expired session', async () => {
    const user = await registerUser(t.app);
    await t.models.Session.updateOne({ _id: user.sessionId }, { $set: { expiresAt: new Date(clock.now() - 1000) } });
    expect((await refreshWith(user.refreshToken)).status).toBe(401);
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(401);
  });
});

describe('refresh token reuse', () => {
  it('within the grace period: 200 with a new access token, no new refresh cookie, nothing revoked', async () => {
    const user = await registerUser(t.app);
    const first = await refreshWith(user.refreshToken);
    const again = await refreshWith(user.refreshToken);

    expect(again.status).toBe(200);
    expect(again.body.accessToken).toEqual(expect.any(String));
    const cookies = cookiesOf(again);
    expect(cookies[REFRESH_COOKIE]).toBeUndefined();
    expect(cookies[ACCESS_COOKIE]?.value).toBe(again.body.accessToken);
    expect(await t.models.SessionRevocation.exists({ _id: user.sessionId })).toBeNull();
    // The winner's successor is still the one valid refresh token.
    expect((await refreshWith(cookiesOf(first)[REFRESH_COOKIE]!.value)).status).toBe(200);
  });

  it('after the grace period: 401 REFRESH_TOKEN_REUSED and the whole session is revoked', async () => {
    const user = await registerUser(t.app);
    const first = await refreshWith(user.refreshToken);
    const successor = cookiesOf(first)[REFRESH_COOKIE]!.value;
    const freshAccessToken = first.body.accessToken as string;
    // The default grace period is 10 s.
    clock.advance(11_000);

    const replay = await refreshWith(user.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ success: false, code: 'REFRESH_TOKEN_REUSED', message: expect.any(String) });
    expectAuthCookiesExpired(replay);

    const revocation = await t.models.SessionRevocation.findById(user.sessionId).lean();
    expect(revocation?.reason).toBe('refresh_reuse');
    // Every token of the session is dead: the current refresh token and every access token with its sid.
    expect((await refreshWith(successor)).status).toBe(401);
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${freshAccessToken}`)).status).toBe(401);
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(401);
  });

  it('with REFRESH_REUSE_GRACE_SECONDS=0 any second use is reuse', async () => {
    const strict = await startTestApp({ REFRESH_REUSE_GRACE_SECONDS: '0' }, t.dbName, { clock: clock.now });
    try {
      const user = await registerUser(strict.app);
      expect((await request(strict.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`)).status).toBe(200);
      clock.advance(1);
      const replay = await request(strict.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');
    } finally {
      await strict.connection.close();
    }
  });
});

describe('concurrent refreshes of one token (several tabs)', () => {
  async function refreshConcurrently(user: SignedInUser, count: number) {
    return Promise.all(Array.from({ length: count }, () => refreshWith(user.refreshToken)));
  }

  it.each([1, 2, 3])('round %i: all 200, exactly one new refresh token, exactly one valid token left', async () => {
    const user = await registerUser(t.app);
    const log = recordOperations(t.connection);
    let responses: request.Response[];
    try {
      responses = await refreshConcurrently(user, 20);
    } finally {
      log.stop();
    }
    // The race happened: every request tried to claim the rotation, and before the first claim went out
    // several of them had already read the session and minted a successor.
    const claims = log.positions(claimOf(hashToken(user.refreshToken)));
    expect(claims).toHaveLength(20);
    expect(log.positions(mintingFor([user.sessionId])).filter((i) => i < claims[0]!).length).toBeGreaterThanOrEqual(2);

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const issued = responses.map((r) => cookiesOf(r)[REFRESH_COOKIE]?.value).filter((v): v is string => v !== undefined);
    expect(issued).toHaveLength(1);
    for (const res of responses) expect(cookiesOf(res)[ACCESS_COOKIE]?.value).toBe(res.body.accessToken);

    expect(await liveRefreshTokenHashes(user.sessionId)).toEqual([hashToken(issued[0]!)]);
    expect(await t.models.SessionRevocation.exists({ _id: user.sessionId })).toBeNull();
    expect((await refreshWith(issued[0]!)).status).toBe(200);
  });
});
