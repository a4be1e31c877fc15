import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * RELYING_SERVICES: the services registered to follow the revocation feed (docs/INTEGRATION.md),
 * `name:credential,name:credential`. A credential is at least 32 bytes, like a signing secret; only its
 * SHA-256 is kept, so the configuration object holds nothing a log line could leak.
 */

export interface RelyingService {
  name: string;
  /** SHA-256 of the credential, compared in constant time (src/auth/relying-services.ts). */
  credentialHash: Buffer;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MIN_CREDENTIAL_BYTES = 32;

export function hashCredential(credential: string): Buffer {
  return createHash('sha256').update(credential, 'utf8').digest();
}

export const relyingServiceList = z.string().transform((value, ctx) => {
  const services: RelyingService[] = [];
  for (const entry of value.split(',').map((item) => item.trim()).filter((item) => item.length > 0)) {
    const separator = entry.indexOf(':');
    const name = entry.slice(0, Math.max(separator, 0)).trim();
    const credential = entry.slice(separator + 1).trim();
    if (separator < 0 || !NAME.test(name)) {
      ctx.addIssue({ code: 'custom', message: 'each service must be name:credential, the name 1-64 letters, digits, ".", "_" or "-"' });
    } else if (Buffer.byteLength(credential, 'utf8') < MIN_CREDENTIAL_BYTES) {
      ctx.addIssue({ code: 'custom', message: `the credential of service "${name}" must be at least ${MIN_CREDENTIAL_BYTES} bytes long` });
    } else if (services.some((service) => service.name === name)) {
      ctx.addIssue({ code: 'custom', message: `service "${name}" is listed twice` });
    } else {
      services.push({ name, credentialHash: hashCredential(credential) });
    }
  }
  return services;
});
