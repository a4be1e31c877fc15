import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { writeFileOnce } from '../write-file-once';

/**
 * The key that signs session-end events: Ed25519 (JWS alg EdDSA), so receivers verify with the public half
 * from GET /.well-known/jwks.json and can never forge an event themselves.
 *
 * SESSION_EVENT_SIGNING_KEY holds the private JWK (production). Without it, outside production, one key is
 * generated on first start into `<keyDir>/signing-key.jwk.json` (git-ignored `.keys/`) and read back on every
 * later start, by every instance of the checkout: a restart keeps the key receivers already trust.
 */

export const EVENT_SIGNING_ALG = 'EdDSA';
const KEY_FILE = 'signing-key.jwk.json';

export interface EventSigningKey {
  kid: string;
  privateKey: KeyLike;
  /** The public half, as published in the JWKS (kid, alg, use included). */
  publicJwk: JWK;
}

export class EventKeyError extends Error {}

function publicPart(jwk: JWK, kid: string): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: EVENT_SIGNING_ALG, use: 'sig' };
}

/** The RFC 7638 thumbprint's idea, shortened: a kid derived from the public key names it stably. */
function kidOf(jwk: JWK): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return `events-${createHash('sha256').update(canonical).digest('base64url').slice(0, 16)}`;
}

async function fromJwk(text: string, source: string): Promise<EventSigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new EventKeyError(`${source} is not JSON (expected a private Ed25519 JWK)`);
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
    throw new EventKeyError(`${source} must be a private Ed25519 JWK: {"kty":"OKP","crv":"Ed25519","x":…,"d":…,"kid":…}`);
  }
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : kidOf(jwk);
  const privateKey = (await importJWK({ ...jwk, alg: EVENT_SIGNING_ALG }, EVENT_SIGNING_ALG)) as KeyLike;
  return { kid, privateKey, publicJwk: publicPart(jwk, kid) };
}

async function generatedJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair(EVENT_SIGNING_ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, kid: kidOf(jwk) });
}

/**
 * The configured key, or (outside production) the one kept in keyDir, generated if missing. Several
 * instances starting at once agree on one key.
 */
export async function loadEventSigningKey(settings: { signingKeyJwk: string | undefined; keyDir: string }): Promise<EventSigningKey> {
  if (settings.signingKeyJwk !== undefined) return fromJwk(settings.signingKeyJwk, 'SESSION_EVENT_SIGNING_KEY');
  const file = path.resolve(settings.keyDir, KEY_FILE);
  if (!existsSync(file)) writeFileOnce(file, await generatedJwk());
  return fromJwk(readFileSync(file, 'utf8'), file);
}
