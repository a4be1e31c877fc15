import { createSecretKey, type KeyObject } from 'node:crypto';
import type { JwtSettings } from '../config';

/**
 * The access-token keys, as KeyObjects made once when the settings are built. Given a string,
 * jsonwebtoken first tries to parse it as a PEM public key, and the exception that fails costs about
 * 0.7 ms per verification, fifty times the HMAC itself (docs/PERFORMANCE.md).
 *
 * Rotation (docs/SECURITY.md, "Key rotation"): the first key of JWT_ACCESS_KEYS signs and puts its id in
 * the token's `kid` header; every listed key verifies the tokens that name it; removing a key from the
 * list makes its tokens fail at once. JWT_ACCESS_SECRET, the one secret of old, verifies tokens without
 * a `kid`, and signs (without a `kid`) only when no keys are listed.
 */
export interface AccessKeys {
  signingKey: KeyObject;
  /** undefined when JWT_ACCESS_SECRET signs: tokens keep the header they always had. */
  signingKid: string | undefined;
  byId: ReadonlyMap<string, KeyObject>;
  withoutId: KeyObject | undefined;
}

export function accessTokenKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

export function accessKeysFrom(jwt: Pick<JwtSettings, 'keys' | 'secret'>): AccessKeys {
  const byId = new Map(jwt.keys.map(({ kid, secret }) => [kid, accessTokenKey(secret)] as const));
  const withoutId = jwt.secret === undefined ? undefined : accessTokenKey(jwt.secret);
  const [first] = jwt.keys;
  if (first) return { signingKey: byId.get(first.kid)!, signingKid: first.kid, byId, withoutId };
  if (!withoutId) throw new Error('no access-token key configured (src/config.ts guarantees one)');
  return { signingKey: withoutId, signingKid: undefined, byId, withoutId };
}

/**
 * The one key a token may be verified with, chosen by the `kid` of its header: a lookup among the
 * configured keys, never a path, a URL or a search. An unknown or non-string kid has none; so has a
 * token without kid when no JWT_ACCESS_SECRET is configured.
 */
export function verificationKeyFor(keys: AccessKeys, kid: unknown): KeyObject | undefined {
  if (kid === undefined) return keys.withoutId;
  return typeof kid === 'string' ? keys.byId.get(kid) : undefined;
}
