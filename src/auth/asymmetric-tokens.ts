import type { KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { AsymmetricAlgorithm } from '../access-key-config';

/**
 * EdDSA and ES256 access tokens through `jose`, the maintained JOSE library: the same claims and header
 * as the HS256 tokens jsonwebtoken makes (src/auth/tokens.ts), with the signing key's `kid` always set,
 * so that a relying service finds the key in /.well-known/jwks.json.
 */

export interface TokenFields {
  algorithm: AsymmetricAlgorithm;
  kid: string;
  issuer: string;
  audience: string;
  subject: string;
  sessionId: string;
  jti: string;
  iat: number;
  exp: number;
}

export function signAsymmetricToken(privateKey: KeyObject, fields: TokenFields): Promise<string> {
  return new SignJWT({ sid: fields.sessionId })
    .setProtectedHeader({ alg: fields.algorithm, kid: fields.kid, typ: 'JWT' })
    .setIssuer(fields.issuer)
    .setAudience(fields.audience)
    .setSubject(fields.subject)
    .setJti(fields.jti)
    .setIssuedAt(fields.iat)
    .setExpirationTime(fields.exp)
    .sign(privateKey);
}

/**
 * The payload of a token signed by `publicKey` with exactly `algorithm` (RFC 8725 §3.1: pinned, never
 * taken from the token), issuer and audience checked, exp and nbf against `nowSeconds`; undefined for
 * anything else.
 */
export async function verifyAsymmetricToken(
  token: string,
  publicKey: KeyObject,
  options: { algorithm: AsymmetricAlgorithm; issuer: string; audience: string; nowSeconds: number },
): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [options.algorithm],
      issuer: options.issuer,
      audience: options.audience,
      currentDate: new Date(options.nowSeconds * 1000),
    });
    return payload;
  } catch {
    return undefined;
  }
}
