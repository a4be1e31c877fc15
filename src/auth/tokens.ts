import { randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { systemClock, type Clock } from '../clock';
import type { Config } from '../config';
import { isObjectIdHex } from '../db/object-id';
import type { SessionCaller } from '../sessions/session';
import { accessKeysFrom, verificationKeyFor, type AccessKeys } from './access-keys';
import { signAsymmetricToken, verifyAsymmetricToken } from './asymmetric-tokens';
import { createVerifiedTokens, type VerifiedClaims, type VerifiedTokens } from './verified-tokens';

export interface AccessTokenSettings {
  keys: AccessKeys;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** The wall clock tokens are stamped and checked against (the system's, or a test's). */
  clock?: Clock;
  /** Tokens verified before under these settings (src/auth/verified-tokens.ts); none: every token in full. */
  verified?: VerifiedTokens;
}

/** What a valid access token claims: a user and one of their sessions (`sub` and `sid`). */
export type AccessClaims = SessionCaller;

/**
 * How far apart two instances' clocks may be: a token is refused when its `iat` lies further than this in
 * the future, or its `exp` further than the access TTL plus this after its `iat`. A token signed with the
 * real key but a lifetime no instance would issue (a leaked key, a bug, a forged 30,000-year `exp`) is
 * then worth no more than one this server issued.
 */
export const CLOCK_ALLOWANCE_SECONDS = 60;

/** Longer than any token this server issues; larger ones are rejected before any parsing work. */
export const MAX_ACCESS_TOKEN_LENGTH = 8192;

/** Built once per app: the keys become KeyObjects here, not on every sign or verify. */
export function accessTokenSettings(config: Pick<Config, 'jwt' | 'accessTokenTtlSeconds'>, clock?: Clock): AccessTokenSettings {
  return {
    keys: accessKeysFrom(config.jwt),
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.accessTokenTtlSeconds,
    ...(clock ? { clock } : {}),
    verified: createVerifiedTokens(),
  };
}

/** A signed access token and its lifetime in seconds. */
export interface SignedAccessToken {
  token: string;
  expiresIn: number;
}

/** `notAfterMs`: the session's end; the token's `exp` never reaches past it (SESSION_ABSOLUTE_LIFETIME). */
export async function signAccessToken(
  settings: AccessTokenSettings,
  claims: AccessClaims,
  notAfterMs = Number.POSITIVE_INFINITY,
): Promise<SignedAccessToken> {
  const iat = Math.floor((settings.clock ?? systemClock)() / 1000);
  const exp = Math.min(iat + settings.ttlSeconds, Math.floor(notAfterMs / 1000));
  const { algorithm, signingKey, signingKid } = settings.keys;
  if (algorithm !== 'HS256') {
    const fields = { algorithm, kid: signingKid!, issuer: settings.issuer, audience: settings.audience, subject: claims.userId };
    const token = await signAsymmetricToken(signingKey, { ...fields, sessionId: claims.sessionId, jti: randomUUID(), iat, exp });
    return { token, expiresIn: exp - iat };
  }
  const token = jwt.sign({ sid: claims.sessionId, iat, exp }, signingKey, {
    algorithm: 'HS256',
    ...(signingKid === undefined ? {} : { keyid: signingKid }),
    issuer: settings.issuer,
    audience: settings.audience,
    subject: claims.userId,
    jwtid: randomUUID(),
  });
  return { token, expiresIn: exp - iat };
}

/** The token's JOSE header as an object, read without trusting anything in it yet. */
function headerOf(token: string): Record<string, unknown> | undefined {
  const end = token.indexOf('.');
  if (end < 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header) ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** HS256 through jsonwebtoken, synchronously (the default, and the fast path). */
function verifyHs256(settings: AccessTokenSettings, token: string, key: KeyObject, nowSeconds: number): jwt.JwtPayload | undefined {
  try {
    const payload = jwt.verify(token, key, { algorithms: ['HS256'], issuer: settings.issuer, audience: settings.audience, clockTimestamp: nowSeconds });
    return typeof payload === 'object' ? payload : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies signature, algorithm, issuer, audience, exp and nbf (RFC 8725: the algorithm is pinned by the
 * configuration, never taken from the token), with the one key the token's `kid` names. Returns undefined
 * for anything that is not a token this server issued.
 */
export async function verifyAccessToken(settings: AccessTokenSettings, token: string): Promise<AccessClaims | undefined> {
  const nowSeconds = Math.floor((settings.clock ?? systemClock)() / 1000);
  const recalled = settings.verified?.recall(token, nowSeconds);
  if (recalled) return { userId: recalled.userId, sessionId: recalled.sessionId };
  const claims = await verifyInFull(settings, token, nowSeconds);
  if (!claims) return undefined;
  settings.verified?.remember(token, claims);
  return { userId: claims.userId, sessionId: claims.sessionId };
}

async function verifyInFull(settings: AccessTokenSettings, token: string, nowSeconds: number): Promise<VerifiedClaims | undefined> {
  if (token.length === 0 || token.length > MAX_ACCESS_TOKEN_LENGTH) return undefined;
  const header = headerOf(token);
  // RFC 7515 §4.1.11: `crit` names extensions a recipient must understand or reject; this server knows none.
  if (!header || 'crit' in header) return undefined;
  const key = verificationKeyFor(settings.keys, header.kid);
  if (!key) return undefined;
  const { algorithm } = settings.keys;
  const payload =
    algorithm === 'HS256'
      ? verifyHs256(settings, token, key, nowSeconds)
      : await verifyAsymmetricToken(token, key, { algorithm, issuer: settings.issuer, audience: settings.audience, nowSeconds });
  if (!payload) return undefined;
  const { sub, sid, jti, exp, iat, nbf } = payload as { sub?: unknown; sid?: unknown; jti?: unknown; exp?: unknown; iat?: unknown; nbf?: unknown };
  // Both libraries check exp only when it is there; a token without one would never expire.
  if (typeof exp !== 'number' || !isPlausibleLifetime(settings, nowSeconds, iat, exp)) return undefined;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') return undefined;
  if (!isObjectIdHex(sub) || !isObjectIdHex(sid)) return undefined;
  return { userId: sub, sessionId: sid, exp, ...(typeof nbf === 'number' ? { nbf } : {}) };
}

/** Issued no later than now (give or take the allowance), and living no longer than this server issues for. */
function isPlausibleLifetime(settings: AccessTokenSettings, nowSeconds: number, iat: unknown, exp: number): boolean {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return false;
  return iat <= nowSeconds + CLOCK_ALLOWANCE_SECONDS && exp - iat <= settings.ttlSeconds + CLOCK_ALLOWANCE_SECONDS;
}
