import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';

/**
 * Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser that has
 * signed in to an account gets a cookie naming a random device id, signed together with that account.
 * A sign-in to that account presenting it is counted against that device's own budget of failures
 * instead of the account-wide one (src/auth/password-attempts.ts): someone guessing the password from
 * many addresses can lock out unknown devices, never the owner's own. The cookie proves only "this
 * browser once knew this account's password"; it grants nothing else.
 *
 * `<device id>.<signature>`: the signature is an HMAC-SHA256 over the id and the account's normalised
 * email, keyed with a key derived (HKDF) from the access-token signing key (keyMaterial), so no new secret
 * needs configuring; a new signing key makes old device cookies count as none (the account-wide ceiling
 * applies again until the next sign-in). The email is not in the cookie.
 */

const KEY_INFO = 'logout-auth-api device cookie v1';

export interface DeviceCookies {
  /** A new device cookie value for a browser that has just proven the account's password. */
  issue(account: string): string;
  /** The device id, if `value` is a device cookie issued for `account`; undefined otherwise. */
  deviceOf(value: string | undefined, account: string): string | undefined;
}

/**
 * What the device-cookie key is derived from: the access-token signing secret (HS256), else the first
 * private signing key (EdDSA, ES256: required in production). In development with a generated key pair
 * neither is at hand when the app is built, so device cookies last as long as the process.
 */
function keyMaterial(jwt: Config['jwt']): Buffer {
  const secret = jwt.keys[0]?.secret ?? jwt.secret;
  if (secret !== undefined) return Buffer.from(secret, 'utf8');
  const privateKey = jwt.privateKeys[0]?.privateKey;
  if (privateKey) return privateKey.export({ format: 'der', type: 'pkcs8' });
  return randomBytes(32);
}

export function createDeviceCookies(config: Pick<Config, 'jwt'>): DeviceCookies {
  const key = Buffer.from(hkdfSync('sha256', keyMaterial(config.jwt), 'device-cookie', KEY_INFO, 32));
  const sign = (deviceId: string, account: string) => createHmac('sha256', key).update(deviceId).update('\0').update(account).digest();

  return {
    issue(account) {
      const deviceId = randomBytes(16).toString('base64url');
      return `${deviceId}.${sign(deviceId, account).toString('base64url')}`;
    },
    deviceOf(value, account) {
      const match = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
      if (!match) return undefined;
      const [, deviceId, signature] = match as unknown as [string, string, string];
      return timingSafeEqual(Buffer.from(signature, 'base64url'), sign(deviceId, account)) ? deviceId : undefined;
    },
  };
}
