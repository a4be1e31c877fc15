import { createHash, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { systemClock, type Clock } from '../clock';
import type { Config } from '../config';
import { isObjectIdHex } from '../db/object-id';
import { accessKeysFrom, verificationKeyFor, type AccessKeys } from './access-keys';

export interface AccessTokenSettings {
  keys: AccessKeys;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** The wall clock tokens are stamped and checked against (the system's, or a test's). */
  clock?: Clock;
}

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

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
  };
}

/** A signed access token and its lifetime in seconds. */
export interface SignedAccessToken {
  token: string;
  expiresIn: number;
}

/** `notAfterMs`: the session's end; the token's `exp` never reaches past it (SESSION_ABSOLUTE_LIFETIME). */
export function signAccessToken(settings: AccessTokenSettings, claims: AccessClaims, notAfterMs = Number.POSITIVE_INFINITY): SignedAccessToken {
  const iat = Math.floor((settings.clock ?? systemClock)() / 1000);
  const exp = Math.min(iat + settings.ttlSeconds, Math.floor(notAfterMs / 1000));
  const { signingKey, signingKid } = settings.keys;
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

/**
 * Verifies signature, algorithm, issuer, audience, exp and nbf (RFC 8725: the algorithm is pinned, never
 * taken from the token), with the one key the token's `kid` names. Returns undefined for anything that is
 * not a token this server issued.
 */
export function verifyAccessToken(settings: AccessTokenSettings, token: string): AccessClaims | undefined {
  if (token.length === 0 || token.length > MAX_ACCESS_TOKEN_LENGTH) return undefined;
  const header = headerOf(token);
  // RFC 7515 §4.1.11: `crit` names extensions a recipient must understand or reject; this server knows none.
  if (!header || 'crit' in header) return undefined;
  const key = verificationKeyFor(settings.keys, header.kid);
  if (!key) return undefined;
  const nowSeconds = Math.floor((settings.clock ?? systemClock)() / 1000);
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, key, {
      algorithms: ['HS256'],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTimestamp: nowSeconds,
    });
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object') return undefined;
  const { sub, sid, jti, exp, iat } = payload as { sub?: unknown; sid?: unknown; jti?: unknown; exp?: unknown; iat?: unknown };
  // jsonwebtoken checks exp only when it is there; a token without one would never expire.
  if (typeof exp !== 'number' || !isPlausibleLifetime(settings, nowSeconds, iat, exp)) return undefined;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') return undefined;
  if (!isObjectIdHex(sub) || !isObjectIdHex(sid)) return undefined;
  return { userId: sub, sessionId: sid };
}

/** Issued no later than now (give or take the allowance), and living no longer than this server issues for. */
function isPlausibleLifetime(settings: AccessTokenSettings, nowSeconds: number, iat: unknown, exp: number): boolean {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return false;
  return iat <= nowSeconds + CLOCK_ALLOWANCE_SECONDS && exp - iat <= settings.ttlSeconds + CLOCK_ALLOWANCE_SECONDS;
}

/** An opaque refresh token: 256 random bits, URL-safe. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this hash is stored, so a database leak yields no usable refresh token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Refresh tokens are exactly what generateRefreshToken makes; anything else is not worth a query. */
export function looksLikeRefreshToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
