import { createHmac, generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import request from 'supertest';
import { CLOCK_ALLOWANCE_SECONDS } from '../src/auth/tokens';
import { bearer, registerUser, type SignedInUser, ACCESS_COOKIE } from './support/auth-helpers';
import { startTestApp, TEST_SECRET, type TestApp } from './support/test-app';

/**
 * Access tokens an attacker can make: every one is a plain 401 UNAUTHORIZED, never a 5xx, on every route
 * that takes an access token (OWASP JWT cheat sheet, RFC 8725 §2–3).
 */

let t: TestApp;
let user: SignedInUser;
let claims: { sub: string; sid: string };
beforeAll(async () => {
  t = await startTestApp();
  user = await registerUser(t.app);
  const decoded = jwt.decode(user.accessToken) as { sub: string; sid: string };
  claims = { sub: decoded.sub, sid: decoded.sid };
});
afterAll(() => t.close());

const b64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** The claims of a genuine token of `user`, to be tampered with. */
function genuinePayload(overrides: Record<string, unknown> = {}) {
  return { ...claims, iss: t.config.jwt.issuer, aud: t.config.jwt.audience, jti: 'j', iat: now(), exp: now() + 600, ...overrides };
}

/** Builds a token by hand, so any header and signature can be forged (jsonwebtoken refuses some). */
function forgeHs(header: object, payload: object, key: string | Buffer, hmac = 'sha256'): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac(hmac, key).update(input).digest('base64url')}`;
}

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;

const hostileTokens: Array<[string, () => string]> = [
  ['alg "none" with no signature', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(genuinePayload())}.`],
  ['alg "None" with no signature', () => `${b64url({ alg: 'None', typ: 'JWT' })}.${b64url(genuinePayload())}.`],
  ['alg "none" keeping a genuine signature', () => {
    const [, , signature] = user.accessToken.split('.');
    return `${b64url({ alg: 'none' })}.${b64url(genuinePayload())}.${signature}`;
  }],
  ['RS256 signed with an attacker key', () => {
    const input = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(genuinePayload())}`;
    return `${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  }],
  ['RS/HS confusion: HS256 keyed with a public key', () => forgeHs({ alg: 'HS256', typ: 'JWT' }, genuinePayload(), publicPem)],
  ['HS512 with the right secret (algorithm not pinned would pass)', () => forgeHs({ alg: 'HS512', typ: 'JWT' }, genuinePayload(), TEST_SECRET, 'sha512')],
  ['the right secret but a "kid" pointing elsewhere and an empty key', () => forgeHs({ alg: 'HS256', kid: '../../../../dev/null' }, genuinePayload(), '')],
  ['a wrong secret', () => forgeHs({ alg: 'HS256', typ: 'JWT' }, genuinePayload(), 'another-secret-that-is-also-32-bytes-long!')],
  ['a wrong issuer', () => forgeHs({ alg: 'HS256' }, genuinePayload({ iss: 'someone-else' }), TEST_SECRET)],
  ['a wrong audience', () => forgeHs({ alg: 'HS256' }, genuinePayload({ aud: 'another-api' }), TEST_SECRET)],
  ['no issuer or audience', () => forgeHs({ alg: 'HS256' }, genuinePayload({ iss: undefined, aud: undefined }), TEST_SECRET)],
  ['an expired token', () => forgeHs({ alg: 'HS256' }, genuinePayload({ iat: now() - 3600, exp: now() - 60 }), TEST_SECRET)],
  ['nbf in the future', () => forgeHs({ alg: 'HS256' }, genuinePayload({ nbf: now() + 3600 }), TEST_SECRET)],
  ['a valid signature whose session does not exist', () => forgeHs({ alg: 'HS256' }, genuinePayload({ sid: new Types.ObjectId().toString() }), TEST_SECRET)],
  ['a valid signature whose session belongs to another user', () => forgeHs({ alg: 'HS256' }, genuinePayload({ sub: new Types.ObjectId().toString() }), TEST_SECRET)],
  ['a valid signature with a sid that is not an id', () => forgeHs({ alg: 'HS256' }, genuinePayload({ sid: { $ne: null } }), TEST_SECRET)],
  ['a valid signature with an operator as subject', () => forgeHs({ alg: 'HS256' }, genuinePayload({ sub: '{"$gt":""}' }), TEST_SECRET)],
  ['a valid signature without jti', () => forgeHs({ alg: 'HS256' }, genuinePayload({ jti: undefined }), TEST_SECRET)],
  ['a valid signature over a payload that is not an object', () => forgeHs({ alg: 'HS256' }, [1, 2, 3], TEST_SECRET)],
  ['a tampered payload under the genuine signature', () => {
    const [header, , signature] = user.accessToken.split('.');
    return `${header}.${b64url(genuinePayload({ sub: new Types.ObjectId().toString() }))}.${signature}`;
  }],
  ['a valid token padded beyond 8 KB', () => forgeHs({ alg: 'HS256' }, genuinePayload({ pad: 'x'.repeat(9000) }), TEST_SECRET)],
  ['garbage in JWT form', () => 'aaaa.bbbb.cccc'],
  ['a header that is not JSON', () => `${b64url('not json')}.${b64url(genuinePayload())}.sig`],
  ['a header that is JSON null', () => `${b64url('null')}.${b64url(genuinePayload())}.sig`],
  ['a valid signature without exp (it would never expire)', () => forgeHs({ alg: 'HS256' }, genuinePayload({ exp: undefined }), TEST_SECRET)],
  ['a valid signature with a crit header naming an unknown extension (RFC 7515 §4.1.11)', () =>
    forgeHs({ alg: 'HS256', crit: ['urn:example:bound'], 'urn:example:bound': true }, genuinePayload(), TEST_SECRET)],
  ['a valid signature with an empty crit header', () => forgeHs({ alg: 'HS256', crit: [] }, genuinePayload(), TEST_SECRET)],
  ['a valid signature with a kid this server does not know', () => forgeHs({ alg: 'HS256', kid: 'k-unknown' }, genuinePayload(), TEST_SECRET)],
  // Signed with the real key, yet no instance would have issued them (a leaked key, a bug): issue 21.
  ['a valid signature with exp 30,000 years after iat', () => forgeHs({ alg: 'HS256' }, genuinePayload({ exp: now() + 30_000 * 365 * 86_400 }), TEST_SECRET)],
  ['a valid signature living the access TTL plus two allowances', () =>
    forgeHs({ alg: 'HS256' }, genuinePayload({ exp: now() + t.config.accessTokenTtlSeconds + 2 * CLOCK_ALLOWANCE_SECONDS }), TEST_SECRET)],
  ['a valid signature with iat two allowances in the future', () =>
    forgeHs({ alg: 'HS256' }, genuinePayload({ iat: now() + 2 * CLOCK_ALLOWANCE_SECONDS }), TEST_SECRET)],
  ['a valid signature without iat', () => forgeHs({ alg: 'HS256' }, genuinePayload({ iat: undefined }), TEST_SECRET)],
  ['a valid signature with a kid that is not a string', () => forgeHs({ alg: 'HS256', kid: 1 }, genuinePayload(), TEST_SECRET)],
];

const authRoutes: Array<[string, (r: ReturnType<typeof request>) => request.Test]> = [
  ['GET /api/v1/users/me', (r) => r.get('/api/v1/users/me')],
  ['GET /api/v1/auth/sessions', (r) => r.get('/api/v1/auth/sessions')],
  ['DELETE /api/v1/auth/sessions/:id', (r) => r.delete(`/api/v1/auth/sessions/${claims.sid}`)],
  ['POST /api/v1/users/me/password', (r) => r.post('/api/v1/users/me/password').send({ currentPassword: 'x', newPassword: 'password123' })],
];

function expectUnauthorized(res: request.Response) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
}

describe('hostile access tokens', () => {
  it('the genuine token works (the baseline every case below departs from)', async () => {
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(200);
  });

  it('a token made by hand with the genuine claims and secret works, so each forged case fails for its own reason', async () => {
    const handMade = forgeHs({ alg: 'HS256', typ: 'JWT' }, genuinePayload(), TEST_SECRET);
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${handMade}`)).status).toBe(200);
  });

  it('tokens within the clock allowance still work: iat just ahead (a faster clock elsewhere), exp the TTL plus the allowance after it', async () => {
    const ahead = now() + CLOCK_ALLOWANCE_SECONDS - 5;
    const handMade = forgeHs({ alg: 'HS256' }, genuinePayload({ iat: ahead, exp: ahead + t.config.accessTokenTtlSeconds + CLOCK_ALLOWANCE_SECONDS }), TEST_SECRET);
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${handMade}`)).status).toBe(200);
  });

  describe.each(authRoutes)('%s', (_route, send) => {
    it.each(hostileTokens)('as Bearer: %s → 401', async (_name, make) => {
      expectUnauthorized(await send(request(t.app)).set('Authorization', `Bearer ${make()}`));
    });
  });

  it.each(hostileTokens)('as the access cookie: %s → 401', async (_name, make) => {
    expectUnauthorized(await request(t.app).get('/api/v1/users/me').set('Cookie', `${ACCESS_COOKIE}=${make()}`));
  });

  it.each(hostileTokens)('at logout (with no refresh cookie to fall back on): %s → 401', async (_name, make) => {
    expectUnauthorized(await request(t.app).post('/api/v1/auth/logout').set('Authorization', `Bearer ${make()}`));
  });

  it('none of them revokes or changes the genuine session, sent to everything that revokes', async () => {
    // Its own requests, so the check means as much when it runs alone or first (jest --randomize).
    for (const [, make] of hostileTokens) {
      expectUnauthorized(await request(t.app).post('/api/v1/auth/logout?scope=global').set('Authorization', `Bearer ${make()}`));
      expectUnauthorized(await request(t.app).post('/api/v1/auth/logout').set('Cookie', `${ACCESS_COOKIE}=${make()}`));
      expectUnauthorized(await request(t.app).delete(`/api/v1/auth/sessions/${claims.sid}`).set('Authorization', `Bearer ${make()}`));
    }
    expect(await t.models.SessionRevocation.exists({ _id: claims.sid })).toBeNull();
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(200);
  });
});

describe('odd Authorization headers', () => {
  it.each([
    ['a lower-case scheme', () => `bearer ${user.accessToken}`],
    ['an upper-case scheme', () => `BEARER ${user.accessToken}`],
    ['two spaces after the scheme', () => `Bearer  ${user.accessToken}`],
    ['a tab instead of the space', () => `Bearer\t${user.accessToken}`],
    ['the scheme alone', () => 'Bearer'],
    ['the scheme and a space', () => 'Bearer '],
    ['another scheme', () => `Token ${user.accessToken}`],
    ['Basic credentials', () => 'Basic dXNlcjpwYXNzd29yZA=='],
    ['two tokens', () => `Bearer ${user.accessToken} ${user.accessToken}`],
    ['two tokens separated by a comma', () => `Bearer ${user.accessToken}, Bearer ${user.accessToken}`],
    ['the token quoted', () => `Bearer "${user.accessToken}"`],
    ['an empty value', () => ''],
    ['a token with characters outside base64url', () => `Bearer ${user.accessToken.replace('.', '+.')}`],
    ['8 KB of base64url', () => `Bearer ${'A'.repeat(4000)}.${'A'.repeat(4000)}.${'A'.repeat(400)}`],
  ])('%s → 401, even though the token inside is genuine', async (_name, header) => {
    expectUnauthorized(await request(t.app).get('/api/v1/users/me').set('Authorization', header()));
  });

  it('whitespace around the value is not part of it (RFC 9110 §5.5), so the genuine token still works', async () => {
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', ` Bearer ${user.accessToken} `)).status).toBe(200);
  });

  it('two Authorization headers, even both genuine → 401', async () => {
    const res = await request(t.app)
      .get('/api/v1/users/me')
      .set('Authorization', [`Bearer ${user.accessToken}`, `Bearer ${user.accessToken}`] as unknown as string);
    expectUnauthorized(res);
  });

  it('the header wins over the cookie: a bad header is not rescued by a genuine cookie', async () => {
    const res = await request(t.app).get('/api/v1/users/me').set('Authorization', 'Bearer a.b.c').set('Cookie', `${ACCESS_COOKIE}=${user.accessToken}`);
    expectUnauthorized(res);
  });

  it('the header wins over the cookie: a genuine header is not spoiled by a bad cookie', async () => {
    const res = await request(t.app).get('/api/v1/users/me').set(...bearer(user)).set('Cookie', `${ACCESS_COOKIE}=garbage`);
    expect(res.status).toBe(200);
  });
});
