import type { KeyObject } from 'node:crypto';
import { exportJWK } from 'jose';
import type { AccessKeys } from './access-keys';

/**
 * The public keys this API publishes at /.well-known/jwks.json: a small registry that each key source
 * contributes to (the access-token keys here; the session-end events' signing key adds its own with one
 * `sources` entry in src/app.ts). Relying services verify with them and need no secret.
 */

/** One key of the set (RFC 7517): what a verifier needs, never a private part. */
export interface PublicJwk {
  kid: string;
  alg: string;
  use: 'sig';
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
}

/** A source of published keys; called once, when the set is first asked for. */
export type PublicKeySource = () => Promise<PublicJwk[]>;

export async function publicJwkOf(kid: string, alg: string, publicKey: KeyObject): Promise<PublicJwk> {
  const { kty, crv, x, y } = await exportJWK(publicKey);
  if (!kty) throw new Error(`key "${kid}" exported without kty`);
  return { kid, alg, use: 'sig', kty, ...(crv ? { crv } : {}), ...(x ? { x } : {}), ...(y ? { y } : {}) };
}

/** Every access-token key that verifies (the signing one and the retired-but-accepted ones); none for HS256, whose keys are secrets. */
export function accessTokenPublicKeys(keys: AccessKeys): PublicKeySource {
  return async () => {
    const { algorithm } = keys;
    if (algorithm === 'HS256') return [];
    return Promise.all([...keys.byId].map(([kid, publicKey]) => publicJwkOf(kid, algorithm, publicKey)));
  };
}

export interface PublicKeySet {
  /** `{"keys": [...]}`, built once from every source. */
  jwks(): Promise<{ keys: PublicJwk[] }>;
}

export function createPublicKeySet(sources: PublicKeySource[]): PublicKeySet {
  let built: Promise<{ keys: PublicJwk[] }> | undefined;
  return {
    jwks() {
      built ??= Promise.all(sources.map((source) => source())).then((lists) => {
        const keys = lists.flat();
        const kids = keys.map((key) => key.kid);
        // Two sources naming one kid would let a verifier pick the wrong key: refuse the set instead.
        if (new Set(kids).size !== kids.length) throw new Error(`the public key set names a kid twice: ${kids.join(', ')}`);
        return { keys };
      });
      return built;
    },
  };
}
