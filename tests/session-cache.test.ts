import jwt from 'jsonwebtoken';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config';
import { bearer, cookiesOf, loginUser, registerUser, type SignedInUser } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * One instance with the session cache on. The bound is ten minutes on purpose: nothing here may rely on
 * the poll, only on what this instance does when it revokes a session itself.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SESSION_CACHE_STALENESS_MS: String(10 * 60 * 1000) });
});
afterAll(() => t.close());

const me = (accessToken: string) => request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);
const refresh = (refreshToken: string) => request(t.app).post('/api/v1/auth/refresh').set('Cookie', `refreshToken=${refreshToken}`);

describe('session cache (SESSION_CACHE_STALENESS_MS > 0) on the instance that revokes', () => {
  it('rejects the old access token right after logout, although the session was cached', async () => {
    const user = await registerUser(t.app);
    expect((await me(user.accessToken)).status).toBe(200);
    expect((await me(user.accessToken)).status).toBe(200);

    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);
    expect((await me(user.accessToken)).status).toBe(401);
    expect((await refresh(user.refreshToken)).status).toBe(401);
  });

  it('rejects a cached session revoked by DELETE /sessions/:id and by a password change', async () => {
    const user = await registerUser(t.app);
    const laptop = await loginUser(t.app, user.email);
    const phone = await loginUser(t.app, user.email);
    for (const device of [user, laptop, phone]) expect((await me(device.accessToken)).status).toBe(200);

    const { sid } = jwt.decode(laptop.accessToken) as { sid: string };
    expect((await request(t.app).delete(`/api/v1/auth/sessions/${sid}`).set(...bearer(user))).status).toBe(200);
    expect((await me(laptop.accessToken)).status).toBe(401);

    const changed = await request(t.app)
      .post('/api/v1/users/me/password')
      .set(...bearer(user))
      .send({ currentPassword: user.password, newPassword: 'another long passphrase' });
    expect(changed.status).toBe(200);
    expect((await me(phone.accessToken)).status).toBe(401);
    expect((await me(user.accessToken)).status).toBe(200);
  });

  it('once logout has answered 200, no token of the session works, not even one minted by a racing refresh', async () => {
    for (let round = 0; round < 3; round += 1) {
      const user: SignedInUser = await registerUser(t.app);
      expect((await me(user.accessToken)).status).toBe(200);

      // Refreshes, reads and the logout all at once: reads begun before the revocation must not re-cache it.
      const racing = await Promise.all([
        ...Array.from({ length: 8 }, () => refresh(user.refreshToken)),
        ...Array.from({ length: 8 }, () => me(user.accessToken)),
        request(t.app).post('/api/v1/auth/logout').set(...bearer(user)),
      ]);
      expect(racing.at(-1)!.status).toBe(200);

      const minted = racing.slice(0, 8).filter((res) => res.status === 200);
      const accessTokens = [user.accessToken, ...minted.map((res) => res.body.accessToken as string)];
      const refreshTokens = [user.refreshToken, ...minted.map((res) => cookiesOf(res).refreshToken?.value).filter((v): v is string => !!v)];
      for (const token of accessTokens) expect((await me(token)).status).toBe(401);
      for (const token of refreshTokens) expect((await refresh(token)).status).toBe(401);
    }
  });
});

describe('the revocation poll', () => {
  it('has an index on session_revocations.revokedAt to read only recent revocations', async () => {
    const indexes = await t.models.SessionRevocation.collection.indexes();
    expect(indexes).toEqual(expect.arrayContaining([expect.objectContaining({ key: { revokedAt: 1 } })]));
  });
});

describe('SESSION_CACHE_STALENESS_MS', () => {
  it('defaults to 0: no cache, every request reads the database', () => {
    expect(loadConfig({}).sessionCache).toEqual({ stalenessMs: 0, maxEntries: 100_000 });
  });

  it('refuses a negative or non-numeric bound at start-up', () => {
    expect(() => loadConfig({ SESSION_CACHE_STALENESS_MS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ SESSION_CACHE_STALENESS_MS: 'soon' })).toThrow(ConfigError);
  });
});
