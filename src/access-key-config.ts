import { createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * JWT_ACCESS_PRIVATE_KEYS, the asymmetric access-token keys: `kid:key,kid:key`, the signing key first. Each
 * key is a PKCS#8 private key in DER, base64-encoded on one line (`openssl genpkey -algorithm ed25519
 * -outform DER | base64 -w0`; .env.example), so that a list fits in one environment variable.
 */

export const ACCESS_TOKEN_ALGORITHMS = ['HS256', 'EdDSA', 'ES256'] as const;
export type AccessTokenAlgorithm = (typeof ACCESS_TOKEN_ALGORITHMS)[number];
export type AsymmetricAlgorithm = Exclude<AccessTokenAlgorithm, 'HS256'>;

export interface AccessPrivateKey {
  kid: string;
  privateKey: KeyObject;
}

/** The key type each algorithm signs with (RFC 8037 for Ed25519, RFC 7518 §3.4 for P-256). */
export function keyFitsAlgorithm(key: KeyObject, algorithm: AsymmetricAlgorithm): boolean {
  if (algorithm === 'EdDSA') return key.asymmetricKeyType === 'ed25519';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

const KID = /^[A-Za-z0-9._-]{1,64}$/;

export const accessPrivateKeyList = z.string().transform((value, ctx) => {
  const keys: AccessPrivateKey[] = [];
  for (const entry of value.split(',').map((item) => item.trim()).filter((item) => item.length > 0)) {
    const separator = entry.indexOf(':');
    const kid = entry.slice(0, Math.max(separator, 0)).trim();
    if (separator < 0 || !KID.test(kid)) {
      ctx.addIssue({ code: 'custom', message: 'each key must be kid:base64-PKCS#8-DER, the kid 1-64 letters, digits, ".", "_" or "-"' });
      continue;
    }
    if (keys.some((key) => key.kid === kid)) {
      ctx.addIssue({ code: 'custom', message: `key id "${kid}" is listed twice` });
      continue;
    }
    try {
      const der = Buffer.from(entry.slice(separator + 1).trim(), 'base64');
      keys.push({ kid, privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) });
    } catch {
      // The key itself is never echoed: this message may reach a log.
      ctx.addIssue({ code: 'custom', message: `key "${kid}" is not a base64 PKCS#8 DER private key` });
    }
  }
  return keys;
});

/** Keys of another type than the algorithm signs with, each as a line of the configuration error. */
export function privateKeyProblems(algorithm: AccessTokenAlgorithm, keys: AccessPrivateKey[]): string[] {
  if (algorithm === 'HS256') {
    return keys.length > 0 ? ['JWT_ACCESS_PRIVATE_KEYS: set, but JWT_ACCESS_ALGORITHM is HS256; set it to EdDSA or ES256'] : [];
  }
  const wanted = algorithm === 'EdDSA' ? 'an Ed25519' : 'a P-256';
  return keys
    .filter((key) => !keyFitsAlgorithm(key.privateKey, algorithm))
    .map((key) => `JWT_ACCESS_PRIVATE_KEYS: key "${key.kid}" is not ${wanted} key, which ${algorithm} signs with`);
}
