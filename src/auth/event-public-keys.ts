import { EVENT_SIGNING_ALG, type EventSigningKey } from '../events/event-signing-key';
import type { PublicJwk, PublicKeySource } from './public-keys';

/** The session-end events' signing key, as one source of the published key set (none while events are off). */
export function eventSigningPublicKeys(signingKey: () => Promise<EventSigningKey | undefined>): PublicKeySource {
  return async () => {
    const key = await signingKey();
    if (!key) return [];
    const { kid, kty, crv, x } = key.publicJwk;
    if (!kid || !kty) throw new Error('the event-signing key has no kid or kty');
    return [{ kid, alg: EVENT_SIGNING_ALG, use: 'sig', kty, ...(crv ? { crv } : {}), ...(x ? { x } : {}) } satisfies PublicJwk];
  };
}
