import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { systemClock, type Clock } from '../clock';
import { isObjectIdHex } from '../db/object-id';

export interface AccessTokenSettings {
  /** From accessTokenKey(JWT_ACCESS_SECRET). */
  secret: KeyObject;
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

/** Longer than any token this server issues; larger ones are rejected before any parsing work. */
export const MAX_ACCESS_TOKEN_LENGTH = 8192;

/**
 * The HS256 secret as a KeyObject, made once when the settings are built. Given a string, jsonwebtoken
 * first tries to parse it as a PEM public key, and the exception that fails costs about 0.7 ms per
 * verification here, fifty times the HMAC itself (docs/PERFORMANCE.md).
 */
export function accessTokenKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
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
  const token = jwt.sign({ sid: claims.sessionId, iat, exp }, settings.secret, {
    algorithm: 'HS256',
    issuer: settings.issuer,
    audience: settings.audience,
    subject: claims.userId,
    jwtid: randomUUID(),
  });
  return { token, expiresIn: exp - iat };
}

/**
 * Verifies signature, algorithm, issuer, audience, exp and nbf (RFC 8725: the algorithm is pinned, never
 * taken from the token). Returns undefined for anything that is not a token this server issued.
 */
export function verifyAccessToken(settings: AccessTokenSettings, token: string): AccessClaims | undefined {
  if (token.length === 0 || token.length > MAX_ACCESS_TOKEN_LENGTH) return undefined;
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, settings.secret, {
      algorithms: ['HS256'],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTimestamp: Math.floor((settings.clock ?? systemClock)() / 1000),
    });
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object') return undefined;
  const { sub, sid, jti } = payload as { sub?: unknown; sid?: unknown; jti?: unknown };
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') return undefined;
  if (!isObjectIdHex(sub) || !isObjectIdHex(sid)) return undefined;
  return { userId: sub, sessionId: sid };
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
