import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { bearer, registerUser, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Signing-key rotation with JWT_ACCESS_KEYS (`kid:secret,…`, the first signs). Each app below is one
 * instance's configuration at one stage of a rotation, all on one database, as instances restarted with
 * new settings would be.
 */

const secret = () => randomBytes(32).toString('base64url');
const K1 = `k1:${secret()}`;
const K2 = `k2:${secret()}`;
const LEGACY_SECRET = secret();

let owner: TestApp;
const instances: TestApp[] = [];
beforeAll(async () => {
  owner = await startTestApp({ JWT_ACCESS_SECRET: undefined, JWT_ACCESS_KEYS: K1 });
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.connection.close()));
  await owner.close();
});

/** Another instance on the same database, configured for one stage of a rotation. */
async function instance(env: Record<string, string | undefined>): Promise<TestApp> {
  const started = await startTestApp({ JWT_ACCESS_SECRET: undefined, ...env }, owner.dbName);
  instances.push(started);
  return started;
}

const kidOf = (token: string) => (jwt.decode(token, { complete: true })?.header as { kid?: string }).kid;
const me = async (app: TestApp, user: Pick<SignedInUser, 'accessToken'>) => (await request(app.app).get('/api/v1/users/me').set(...bearer(user))).status;

async function refresh(app: TestApp, user: SignedInUser) {
  return request(app.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
}

describe('access tokens name the key that signed them', () => {
  it('the first key of JWT_ACCESS_KEYS signs, and its id is the kid of every new token', async () => {
    const user = await registerUser(owner.app);
    expect(kidOf(user.accessToken)).toBe('k1');
    const refreshed = await refresh(owner, user);
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.accessToken)).toBe('k1');
  });

  it('with JWT_ACCESS_SECRET alone tokens carry no kid, as before key ids existed', async () => {
    const legacy = await instance({ JWT_ACCESS_SECRET: LEGACY_SECRET });
    const user = await registerUser(legacy.app);
    expect(kidOf(user.accessToken)).toBeUndefined();
    expect(await me(legacy, user)).toBe(200);
  });
});

describe('a rotation signs nobody out', () => {
  it('k2 is added behind k1 everywhere, then moved to the front: tokens of every stage work on every instance', async () => {
    const before = await registerUser(owner.app);
    // Stage 1: every instance learns k2 while k1 still signs, so no instance ever meets an unknown kid.
    const learning = await instance({ JWT_ACCESS_KEYS: `${K1},${K2}` });
    // Stage 2: k2 signs; k1 still verifies the tokens issued before.
    const rotated = await instance({ JWT_ACCESS_KEYS: `${K2},${K1}` });

    const after = await registerUser(rotated.app);
    expect(kidOf(before.accessToken)).toBe('k1');
    expect(kidOf(after.accessToken)).toBe('k2');
    for (const app of [learning, rotated]) {
      expect(await me(app, before)).toBe(200);
      expect(await me(app, after)).toBe(200);
    }
    const refreshed = await refresh(rotated, before);
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.accessToken)).toBe('k2');
  });

  it('moving from JWT_ACCESS_SECRET to JWT_ACCESS_KEYS: tokens without kid still work while the secret stays configured', async () => {
    const legacy = await instance({ JWT_ACCESS_SECRET: LEGACY_SECRET });
    const migrated = await instance({ JWT_ACCESS_SECRET: LEGACY_SECRET, JWT_ACCESS_KEYS: K2 });
    const old = await registerUser(legacy.app);
    const fresh = await registerUser(migrated.app);
    expect(await me(migrated, old)).toBe(200);
    expect(kidOf(fresh.accessToken)).toBe('k2');
    expect(await me(migrated, fresh)).toBe(200);
  });
});

describe('retiring a key signs its tokens out at once', () => {
  it('k1 removed: its access tokens are 401 everywhere it is removed, k2 tokens still work, and the session refreshes into a k2 token', async () => {
    const rotated = await instance({ JWT_ACCESS_KEYS: `${K2},${K1}` });
    const signedByK1 = await registerUser(owner.app);
    const signedByK2 = await registerUser(rotated.app);
    const retired = await instance({ JWT_ACCESS_KEYS: K2 });

    expect(await me(retired, signedByK1)).toBe(401);
    expect((await request(retired.app).post('/api/v1/auth/logout').set(...bearer(signedByK1))).status).toBe(401);
    expect(await me(retired, signedByK2)).toBe(200);
    // The key is gone, not the session: its opaque refresh token still mints a token with the new key.
    const refreshed = await refresh(retired, signedByK1);
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.accessToken)).toBe('k2');
    expect(await me(retired, { accessToken: refreshed.body.accessToken })).toBe(200);
  });

  it('JWT_ACCESS_SECRET removed: tokens without kid are 401', async () => {
    const legacy = await instance({ JWT_ACCESS_SECRET: LEGACY_SECRET });
    const old = await registerUser(legacy.app);
    const keysOnly = await instance({ JWT_ACCESS_KEYS: K2 });
    expect(await me(keysOnly, old)).toBe(401);
  });
});

describe('the kid selects the key and nothing else', () => {
  it('a token whose kid names k2 but which k1 signed is 401, though both keys are configured', async () => {
    const both = await instance({ JWT_ACCESS_KEYS: `${K2},${K1}` });
    const user = await registerUser(both.app);
    const claims = jwt.decode(user.accessToken) as Record<string, unknown>;
    const k1Secret = K1.slice('k1:'.length);
    const misnamed = jwt.sign(claims, k1Secret, { algorithm: 'HS256', keyid: 'k2' });
    expect(await me(both, { accessToken: misnamed })).toBe(401);
    // The same claims under the right kid pass, so the kid alone made the difference.
    expect(await me(both, { accessToken: jwt.sign(claims, k1Secret, { algorithm: 'HS256', keyid: 'k1' }) })).toBe(200);
  });

  it('a token without kid is 401 on an instance that has no JWT_ACCESS_SECRET, even when signed with a listed key', async () => {
    const user = await registerUser(owner.app);
    const claims = jwt.decode(user.accessToken) as Record<string, unknown>;
    const withoutKid = jwt.sign(claims, K1.slice('k1:'.length), { algorithm: 'HS256' });
    expect(await me(owner, { accessToken: withoutKid })).toBe(401);
  });
});
