import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { createRevocationFollower, type FeedAnswer } from './revocation-follower';
import { createVerifierMemory } from './session-memory';

/**
 * Verifies this API's access tokens in another service, and keeps the API's promise there: once a
 * revoking request has answered, this service refuses the session too.
 *
 * - Locally, through the API's public keys (/.well-known/jwks.json; EdDSA or ES256): a forged or expired
 *   token is refused without asking anyone. With HS256 the set is empty and the API vouches for each
 *   token instead, once (below).
 * - A token not seen before is checked once through GET /api/v1/auth/verify, then remembered.
 * - Memory answers only while the revocation feed has been read within the API's lease
 *   (revocation-follower.ts); otherwise the feed is read first, and if that does not restore the lease,
 *   the API's verify answers for the request; if the API cannot be reached the answer is "unavailable"
 *   (503), never "ok" for a token whose session may have been revoked.
 */

export interface VerifierOptions {
  /** The API's base URL, e.g. http://auth-api:3000 */
  apiUrl: string;
  /** This service's name and credential, as registered in the API's RELYING_SERVICES. */
  serviceName: string;
  credential: string;
  /** As the API's JWT_ISSUER and JWT_AUDIENCE (both default to logout-auth-api). */
  issuer?: string;
  audience?: string;
  /** The longest any call to the API may take before this service answers 503 (default 1000 ms). */
  apiTimeoutMs?: number;
  /** Tokens and revoked sessions remembered, each (default 100 000). */
  maxEntries?: number;
  /** Told when the feed cannot be read; never given a credential. */
  onError?: (error: unknown) => void;
}

export type Verdict =
  | { outcome: 'ok'; userId: string; sessionId: string }
  | { outcome: 'unauthorized' }
  /** The API could not be asked in time: answer 503, retry later. */
  | { outcome: 'unavailable' };

const UNAUTHORIZED: Verdict = { outcome: 'unauthorized' };
const UNAVAILABLE: Verdict = { outcome: 'unavailable' };
const MAX_TOKEN_LENGTH = 8192;
/** How often the public keys are fetched again (the API's Cache-Control max-age). */
const JWKS_MAX_AGE_MS = 300_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export function createVerifier(options: VerifierOptions) {
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const issuer = options.issuer ?? 'logout-auth-api';
  const audience = options.audience ?? 'logout-auth-api';
  const timeoutMs = options.apiTimeoutMs ?? 1000;
  const authorization = `Basic ${Buffer.from(`${options.serviceName}:${options.credential}`).toString('base64')}`;
  const memory = createVerifierMemory(options.maxEntries ?? 100_000);

  async function callApi(path: string, headers: Record<string, string>): Promise<Response> {
    return fetch(`${apiUrl}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
  }

  const follower = createRevocationFollower({
    now: () => performance.now(),
    async read(from) {
      const res = await callApi(`/api/v1/revocations${from === undefined ? '' : `?from=${from}`}`, { Authorization: authorization });
      if (res.status !== 200) {
        await res.arrayBuffer();
        throw new Error(`the revocation feed answered ${res.status}`);
      }
      return (await res.json()) as FeedAnswer;
    },
    revoked: (sessionId) => memory.rememberRevoked(sessionId),
    forgetAll: () => memory.forgetAll(),
    ...(options.onError ? { onPollError: options.onError } : {}),
  });

  let keys: { set: ReturnType<typeof createLocalJWKSet>; fetchedAt: number } | undefined;
  let keysEmpty = false;

  /** The API's public keys, fetched again after their max-age or when a token names one not in them. */
  async function refreshKeys(): Promise<void> {
    const res = await callApi('/.well-known/jwks.json', {});
    if (res.status !== 200) throw new Error(`the key set answered ${res.status}`);
    const jwks = (await res.json()) as JSONWebKeySet;
    keysEmpty = jwks.keys.length === 0;
    keys = { set: createLocalJWKSet(jwks), fetchedAt: performance.now() };
  }

  /** The token's claims if it verifies locally; undefined if it does not; 'remote' with HS256. */
  async function verifyLocally(token: string): Promise<{ sub: string; sid: string } | undefined | 'remote'> {
    if (!keys || performance.now() - keys.fetchedAt > JWKS_MAX_AGE_MS) await refreshKeys();
    if (keysEmpty) return 'remote';
    const attempt = async () => (await jwtVerify(token, keys!.set, { issuer, audience, algorithms: ['EdDSA', 'ES256'] })).payload;
    let payload;
    try {
      payload = await attempt();
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') return undefined;
      // A key added since the set was fetched (a rotation's first step); at most once per call.
      await refreshKeys();
      payload = await attempt().catch(() => undefined);
    }
    if (!payload || typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return undefined;
    return { sub: payload.sub, sid: payload.sid };
  }

  /** GET /api/v1/auth/verify with the token: the API's own answer, barrier included. */
  async function askApi(token: string): Promise<Verdict> {
    const res = await callApi('/api/v1/auth/verify', { Authorization: `Bearer ${token}` });
    if (res.status === 401 || res.status === 403) {
      await res.arrayBuffer();
      return UNAUTHORIZED;
    }
    if (res.status !== 200) {
      await res.arrayBuffer();
      return UNAVAILABLE;
    }
    const body = (await res.json()) as { userId: string; sessionId: string };
    return { outcome: 'ok', userId: body.userId, sessionId: body.sessionId };
  }

  async function check(token: string): Promise<Verdict> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return UNAUTHORIZED;
    try {
      const local = await verifyLocally(token);
      if (local === undefined) return UNAUTHORIZED;
      // A dead mark never reverts: it answers whatever the lease says.
      if (local !== 'remote' && memory.isRevoked(local.sid)) return UNAUTHORIZED;
      if (follower.leaseMs() === 0) return await askApi(token); // the API keeps no memory; neither may this service
      if (!follower.isTrusted()) {
        await follower.whenPolled();
        // Still not trusted (the feed could not be read, or the read took longer than the lease): the API
        // answers for this request itself, under its own barrier; unreachable, that is a 503.
        if (!follower.isTrusted()) return await askApi(token);
      }
      const tokenHash = hashOf(token);
      const known = memory.lookup(tokenHash, Date.now());
      if (known) return { outcome: 'ok', userId: known.userId, sessionId: known.sessionId };
      const ticket = memory.beginRead();
      const verdict = await askApi(token);
      if (verdict.outcome !== 'ok') return verdict;
      if (memory.isRevoked(verdict.sessionId)) return UNAUTHORIZED;
      const { exp } = decodeJwt(token);
      if (typeof exp === 'number') memory.remember(tokenHash, { userId: verdict.userId, sessionId: verdict.sessionId, expiresAtMs: exp * 1000 }, ticket);
      return verdict;
    } catch (error) {
      options.onError?.(error);
      return UNAVAILABLE;
    }
  }

  return {
    check,
    /** Starts following the feed; call once before serving. */
    start: () => follower.start(),
    stop: () => follower.stop(),
    /** Resolves once the feed has been read (or the first attempt failed). */
    ready: () => follower.whenPolled(),
  };
}

export type Verifier = ReturnType<typeof createVerifier>;
