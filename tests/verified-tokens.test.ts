import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import { accessTokenSettings, signAccessToken, verifyAccessToken, type AccessTokenSettings } from '../src/auth/tokens';
import { createVerifiedTokens } from '../src/auth/verified-tokens';
import { loadConfig } from '../src/config';

/**
 * A token verified once is remembered (src/auth/verified-tokens.ts), so a known session's next request
 * skips the signature check. Remembering must never accept what a full verification would refuse: an
 * expired or not-yet-valid token, a token differing by one character, a token under other keys.
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256-0123456789';
const config = loadConfig({ NODE_ENV: 'test', JWT_ACCESS_SECRET: SECRET });

/** Settings whose clock the test moves. */
function settingsAt(startMs: number): { settings: AccessTokenSettings; move: (ms: number) => void } {
  let now = startMs;
  return { settings: accessTokenSettings(config, () => now), move: (ms) => (now += ms) };
}

const caller = () => ({ userId: new Types.ObjectId().toHexString(), sessionId: new Types.ObjectId().toHexString() });
const START = Date.UTC(2026, 0, 1);

describe('a remembered access token', () => {
  it('is remembered after its first verification, with its claims', async () => {
    const { settings } = settingsAt(START);
    const claims = caller();
    const { token } = await signAccessToken(settings, claims);
    expect(settings.verified!.recall(token, START / 1000)).toBeUndefined();
    expect(await verifyAccessToken(settings, token)).toEqual(claims);
    expect(settings.verified!.recall(token, START / 1000)).toMatchObject(claims);
    expect(await verifyAccessToken(settings, token)).toEqual(claims);
  });

  it('is refused from its exp on, as a token verified in full is', async () => {
    const { settings, move } = settingsAt(START);
    const { token, expiresIn } = await signAccessToken(settings, caller());
    expect(await verifyAccessToken(settings, token)).toBeDefined();
    move(expiresIn * 1000 - 1000);
    expect(await verifyAccessToken(settings, token)).toBeDefined();
    move(1000);
    expect(await verifyAccessToken(settings, token)).toBeUndefined();
    // And forgotten: it stays refused.
    expect(settings.verified!.recall(token, START / 1000)).toBeUndefined();
  });

  it('with an nbf is refused before it, remembered or not, and accepted from it on', async () => {
    const { settings, move } = settingsAt(START);
    const iat = START / 1000;
    const claims = caller();
    const token = jwt.sign({ sid: claims.sessionId, iat, nbf: iat + 30, exp: iat + 600 }, settings.keys.signingKey, {
      algorithm: 'HS256',
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      subject: claims.userId,
      jwtid: 'j',
    });
    expect(await verifyAccessToken(settings, token)).toBeUndefined();
    move(30_000);
    expect(await verifyAccessToken(settings, token)).toEqual(claims);
    // Remembered now; a clock set back before nbf (another instance's skew in a test) refuses it again.
    move(-1000);
    expect(await verifyAccessToken(settings, token)).toBeUndefined();
  });

  it('vouches for no other text: the same token with one character of its signature changed is refused', async () => {
    const { settings } = settingsAt(START);
    const { token } = await signAccessToken(settings, caller());
    expect(await verifyAccessToken(settings, token)).toBeDefined();
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    expect(await verifyAccessToken(settings, tampered)).toBeUndefined();
  });

  it('belongs to its key set: settings built for other keys verify it in full and refuse it', async () => {
    const { settings } = settingsAt(START);
    const { token } = await signAccessToken(settings, caller());
    expect(await verifyAccessToken(settings, token)).toBeDefined();
    const otherKeys = accessTokenSettings(loadConfig({ NODE_ENV: 'test', JWT_ACCESS_SECRET: `${SECRET}-other` }), () => START);
    expect(await verifyAccessToken(otherKeys, token)).toBeUndefined();
  });

  it('is kept within the bound: the oldest entry goes first', () => {
    const memory = createVerifiedTokens(2);
    const claims = { ...caller(), exp: START / 1000 + 600 };
    memory.remember('a', claims);
    memory.remember('b', claims);
    memory.remember('c', claims);
    expect(memory.recall('a', START / 1000)).toBeUndefined();
    expect(memory.recall('b', START / 1000)).toBe(claims);
    expect(memory.recall('c', START / 1000)).toBe(claims);
  });
});
