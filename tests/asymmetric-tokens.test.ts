import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { loadConfig, ConfigError } from '../src/config';
import { spawnApi } from './support/api-process';
import { bearer, registerUser, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, testDatabaseUri, type TestApp } from './support/test-app';

/**
 * JWT_ACCESS_ALGORITHM=EdDSA or ES256: access tokens signed with JWT_ACCESS_PRIVATE_KEYS (kid:base64
 * PKCS#8, the first signs), their public keys at /.well-known/jwks.json, rotation as with JWT_ACCESS_KEYS,
 * and none of the classic JWT mistakes (kid mismatch, algorithm confusion) accepted.
 */

type Algorithm = 'EdDSA' | 'ES256';

function privateKeyOf(algorithm: Algorithm): KeyObject {
  return (algorithm === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })).privateKey;
}
const configured = (kid: string, key: KeyObject) => `${kid}:${key.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`;

/** The first instance on each database drops it when closed; the others only close their connection. */
const owners: TestApp[] = [];
const others: TestApp[] = [];
afterAll(async () => {
  await Promise.all(others.map((app) => app.connection.close()));
  await Promise.all(owners.map((app) => app.close()));
});

/** An instance with these keys; all instances of one algorithm share one database. */
const databases = new Map<string, string>();
async function instance(algorithm: string, privateKeys: string | undefined, extra: Record<string, string | undefined> = {}): Promise<TestApp> {
  const env = { JWT_ACCESS_SECRET: undefined, JWT_ACCESS_ALGORITHM: algorithm, JWT_ACCESS_PRIVATE_KEYS: privateKeys, ...extra };
  const app = await startTestApp(env, databases.get(algorithm));
  (databases.has(algorithm) ? others : owners).push(app);
  databases.set(algorithm, app.dbName);
  return app;
}

const me = async (app: TestApp, user: Pick<SignedInUser, 'accessToken'>) => (await request(app.app).get('/api/v1/users/me').set(...bearer(user))).status;
const jwksOf = async (app: TestApp) => (await request(app.app).get('/.well-known/jwks.json')).body as { keys: Array<Record<string, string>> };

describe.each<Algorithm>(['EdDSA', 'ES256'])('JWT_ACCESS_ALGORITHM=%s', (algorithm) => {
  const k1 = privateKeyOf(algorithm);
  const k2 = privateKeyOf(algorithm);
  const kty = algorithm === 'EdDSA' ? 'OKP' : 'EC';
  const crv = algorithm === 'EdDSA' ? 'Ed25519' : 'P-256';

  it('tokens are signed by the first key, name it in kid, work on the API and verify with the published key set alone', async () => {
    const app = await instance(algorithm, configured('k1', k1));
    const user = await registerUser(app.app);
    expect(decodeProtectedHeader(user.accessToken)).toEqual({ alg: algorithm, kid: 'k1', typ: 'JWT' });
    expect(await me(app, user)).toBe(200);

    const res = await request(app.app).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body.keys).toEqual([expect.objectContaining({ kid: 'k1', alg: algorithm, use: 'sig', kty, crv })]);
    // Never a private part.
    expect(res.body.keys[0].d).toBeUndefined();
    const { payload } = await jwtVerify(user.accessToken, createLocalJWKSet(res.body), { issuer: app.config.jwt.issuer, audience: app.config.jwt.audience });
    expect(payload).toMatchObject({ sub: user.id, sid: user.sessionId });
  });

  it('a rotation signs no one out, and retiring a key ends its tokens and drops it from the set', async () => {
    const before = await instance(algorithm, configured('k1', k1));
    const user = await registerUser(before.app);
    // k2 listed behind k1 everywhere, then in front: both verify, k2 signs.
    const during = await instance(algorithm, `${configured('k2', k2)},${configured('k1', k1)}`);
    expect(await me(during, user)).toBe(200);
    const later = await registerUser(during.app);
    expect(decodeProtectedHeader(later.accessToken).kid).toBe('k2');
    expect(await me(before, later)).toBe(401); // an instance that has not learned k2 yet
    expect((await jwksOf(during)).keys.map((key) => key.kid)).toEqual(['k2', 'k1']);
    // k1 retired: its tokens stop at once, the refresh token still works and brings a k2 token.
    const after = await instance(algorithm, configured('k2', k2));
    expect(await me(after, user)).toBe(401);
    expect(await me(after, later)).toBe(200);
    expect((await jwksOf(after)).keys.map((key) => key.kid)).toEqual(['k2']);
    const refreshed = await request(after.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(refreshed.status).toBe(200);
    expect(decodeProtectedHeader(refreshed.body.accessToken).kid).toBe('k2');
  });

  it('refused: a kid naming another key than the one that signed, an unknown kid, no kid, another algorithm', async () => {
    const app = await instance(algorithm, `${configured('k1', k1)},${configured('k2', k2)}`);
    const user = await registerUser(app.app);
    const claims = jwt.decode(user.accessToken) as Record<string, unknown>;
    const resign = (key: KeyObject, header: Record<string, unknown>, alg = algorithm) =>
      new SignJWT(claims).setProtectedHeader({ alg, ...header }).sign(key);
    // The control: the same claims signed right pass.
    expect(await me(app, { accessToken: await resign(k1, { kid: 'k1' }) })).toBe(200);
    expect(await me(app, { accessToken: await resign(k1, { kid: 'k2' }) })).toBe(401);
    expect(await me(app, { accessToken: await resign(k1, { kid: 'k3' }) })).toBe(401);
    expect(await me(app, { accessToken: await resign(k1, {}) })).toBe(401);
    const other: Algorithm = algorithm === 'EdDSA' ? 'ES256' : 'EdDSA';
    expect(await me(app, { accessToken: await resign(privateKeyOf(other), { kid: 'k1' }, other) })).toBe(401);
  });

  it('algorithm confusion: an HS256 token keyed with the public key (PEM, DER or JWK x) is refused', async () => {
    const app = await instance(algorithm, configured('k1', k1));
    const user = await registerUser(app.app);
    const claims = jwt.decode(user.accessToken) as Record<string, unknown>;
    const publicKey = createPublicKey(k1);
    const [jwk] = (await jwksOf(app)).keys;
    const secrets = [
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKey.export({ type: 'spki', format: 'der' }),
      Buffer.from(jwk!.x!, 'base64url'),
    ];
    for (const secret of secrets) {
      const forged = jwt.sign(claims, secret, { algorithm: 'HS256', keyid: 'k1', noTimestamp: true });
      expect(await me(app, { accessToken: forged })).toBe(401);
    }
    const unsigned = jwt.sign(claims, '', { algorithm: 'none', keyid: 'k1', noTimestamp: true });
    expect(await me(app, { accessToken: unsigned })).toBe(401);
  });
});

describe('the public key set', () => {
  it('with HS256 (the default) it is empty, and tokens keep their old form', async () => {
    const app = await instance('HS256', undefined, { JWT_ACCESS_SECRET: 'x'.repeat(32) });
    const res = await request(app.app).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keys: [] });
    const user = await registerUser(app.app);
    expect(decodeProtectedHeader(user.accessToken)).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('other methods: 405', async () => {
    const app = await instance('HS256', undefined, { JWT_ACCESS_SECRET: 'x'.repeat(32) });
    expect((await request(app.app).post('/.well-known/jwks.json')).status).toBe(405);
  });
});

describe('development keys and production', () => {
  it('without configured keys, development makes one key pair, keeps it in the folder, and every instance shares it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dev-access-keys-'));
    try {
      const keysDir = path.join(dir, '.keys', 'access');
      const first = await instance('EdDSA', undefined, { NODE_ENV: 'development', JWT_ACCESS_DEV_KEYS_DIR: keysDir });
      const second = await instance('EdDSA', undefined, { NODE_ENV: 'development', JWT_ACCESS_DEV_KEYS_DIR: keysDir });
      expect(statSync(path.join(keysDir, 'EdDSA.pem')).mode & 0o777).toBe(0o600);
      const user = await registerUser(first.app);
      expect(decodeProtectedHeader(user.accessToken).kid).toMatch(/^dev-eddsa-[0-9a-f]{12}$/);
      expect(await me(second, user)).toBe(200);
      expect(await jwksOf(second)).toEqual(await jwksOf(first));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://127.0.0.1:1/x' };

  it('production refuses to start without keys, in one line', async () => {
    expect(() => loadConfig({ ...production, JWT_ACCESS_ALGORITHM: 'EdDSA' })).toThrow(ConfigError);
    const api = spawnApi({ ...production, MONGODB_URI: testDatabaseUri(), JWT_ACCESS_ALGORITHM: 'ES256' });
    expect(await api.exited).not.toBe(0);
    const lines = api.output().split('\n').filter((line) => line.includes('JWT_ACCESS_PRIVATE_KEYS'));
    expect(lines).toEqual([expect.stringContaining('JWT_ACCESS_PRIVATE_KEYS: required in production with JWT_ACCESS_ALGORITHM=ES256')]);
  });

  it('keys of the wrong type, or unreadable ones, are refused without echoing them', () => {
    const ed = configured('k1', privateKeyOf('EdDSA'));
    expect(() => loadConfig({ ...production, JWT_ACCESS_ALGORITHM: 'ES256', JWT_ACCESS_PRIVATE_KEYS: ed })).toThrow(/key "k1" is not a P-256 key/);
    expect(() => loadConfig({ ...production, JWT_ACCESS_ALGORITHM: 'EdDSA', JWT_ACCESS_PRIVATE_KEYS: 'k1:bm90IGEga2V5' })).toThrow(/key "k1" is not a base64 PKCS#8/);
    let message = '';
    try {
      loadConfig({ ...production, JWT_ACCESS_ALGORITHM: 'EdDSA', JWT_ACCESS_PRIVATE_KEYS: 'k1:bm90IGEga2V5' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('bm90IGEga2V5');
    expect(loadConfig({ ...production, JWT_ACCESS_ALGORITHM: 'EdDSA', JWT_ACCESS_PRIVATE_KEYS: ed }).jwt.privateKeys).toHaveLength(1);
  });
});
