import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { AccessTokenAlgorithm } from '../access-key-config';
import type { JwtSettings } from '../config';
import { loadOrCreateDevAccessKey } from './dev-access-keys';

/**
 * The access-token keys, as KeyObjects made once when the settings are built. Given a string,
 * jsonwebtoken first tries to parse it as a PEM public key, and the exception that fails costs about
 * 0.7 ms per verification, fifty times the HMAC itself (docs/PERFORMANCE.md).
 *
 * Rotation (docs/SECURITY.md, "Key rotation"): the first key of the list signs and puts its id in the
 * token's `kid` header; every listed key verifies the tokens that name it; removing a key from the list
 * makes its tokens fail at once. The list is JWT_ACCESS_KEYS for HS256 and JWT_ACCESS_PRIVATE_KEYS for
 * EdDSA and ES256 (whose public halves verify, and are published at /.well-known/jwks.json).
 * JWT_ACCESS_SECRET, the one HS256 secret of old, verifies tokens without a `kid`, and signs (without a
 * `kid`) only when no keys are listed. An asymmetric algorithm accepts no HS256 key at all: a token signed
 * with a secret, or with a public key used as one (algorithm confusion), never verifies.
 */
export interface AccessKeys {
  algorithm: AccessTokenAlgorithm;
  signingKey: KeyObject;
  /** undefined when JWT_ACCESS_SECRET signs: tokens keep the header they always had. */
  signingKid: string | undefined;
  /** The verification key by kid: a secret (HS256) or a public key (EdDSA, ES256). */
  byId: ReadonlyMap<string, KeyObject>;
  withoutId: KeyObject | undefined;
}

export function accessTokenKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

type KeySettings = Pick<JwtSettings, 'keys' | 'secret' | 'algorithm' | 'privateKeys' | 'devKeysDir'>;

function asymmetricKeysFrom(jwt: KeySettings): AccessKeys {
  const { algorithm } = jwt;
  if (algorithm === 'HS256') throw new Error('HS256 keys are secrets');
  const privateKeys = jwt.privateKeys.length > 0 || !jwt.devKeysDir ? jwt.privateKeys : [loadOrCreateDevAccessKey(jwt.devKeysDir, algorithm)];
  const [first] = privateKeys;
  if (!first) throw new Error('no access-token private key configured (src/config.ts guarantees one)');
  const byId = new Map(privateKeys.map(({ kid, privateKey }) => [kid, createPublicKey(privateKey)] as const));
  return { algorithm, signingKey: first.privateKey, signingKid: first.kid, byId, withoutId: undefined };
}

export function accessKeysFrom(jwt: KeySettings): AccessKeys {
  if (jwt.algorithm !== 'HS256') return asymmetricKeysFrom(jwt);
  const byId = new Map(jwt.keys.map(({ kid, secret }) => [kid, accessTokenKey(secret)] as const));
  const withoutId = jwt.secret === undefined ? undefined : accessTokenKey(jwt.secret);
  const [first] = jwt.keys;
  if (first) return { algorithm: 'HS256', signingKey: byId.get(first.kid)!, signingKid: first.kid, byId, withoutId };
  if (!withoutId) throw new Error('no access-token key configured (src/config.ts guarantees one)');
  return { algorithm: 'HS256', signingKey: withoutId, signingKid: undefined, byId, withoutId };
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
