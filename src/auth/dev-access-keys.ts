import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AccessPrivateKey, AsymmetricAlgorithm } from '../access-key-config';
import { writeFileOnce } from '../write-file-once';

/**
 * The development key pair for EdDSA or ES256 access tokens, made once and kept in a git-ignored folder
 * (JWT_ACCESS_DEV_KEYS_DIR, default `.keys/access/`), as the embedded database is: every local instance
 * started from the same folder signs and verifies with the same key, and tokens survive a restart.
 * Never used in production, which refuses to start without JWT_ACCESS_PRIVATE_KEYS (src/config.ts).
 */

function generate(algorithm: AsymmetricAlgorithm): KeyObject {
  const { privateKey } = algorithm === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey;
}

/** A kid that changes with the key, so a regenerated key never answers to the old one's name. */
function devKidOf(algorithm: AsymmetricAlgorithm, privateKey: KeyObject): string {
  const publicDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return `dev-${algorithm.toLowerCase()}-${createHash('sha256').update(publicDer).digest('hex').slice(0, 12)}`;
}

export function loadOrCreateDevAccessKey(dir: string, algorithm: AsymmetricAlgorithm): AccessPrivateKey {
  const file = path.join(dir, `${algorithm}.pem`);
  // Of two instances starting at once, the first key wins and both use it.
  if (!existsSync(file)) writeFileOnce(file, generate(algorithm).export({ type: 'pkcs8', format: 'pem' }) as string);
  const privateKey = createPrivateKey(readFileSync(file, 'utf8'));
  return { kid: devKidOf(algorithm, privateKey), privateKey };
}
