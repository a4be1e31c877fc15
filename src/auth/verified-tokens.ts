/**
 * Access tokens this process has already verified, so that a known session's next request skips the
 * signature check (an HMAC for HS256, a public-key verification for EdDSA and ES256) and the parsing of the
 * token. The same idea as Envoy's `jwt_authn` cache of verified tokens.
 *
 * Why a remembered token is exactly as good as one verified again:
 * - An entry is made only after a token passed every check of `verifyAccessToken`, and it is keyed by the
 *   token's exact text: a token that differs in one character is another key, and is verified in full.
 * - Signature, algorithm, `kid`, issuer, audience, claims and lifetime ceiling depend only on that text and
 *   on the key set, which is fixed for the life of the process (a key rotation or retirement is a restart
 *   with new configuration, and so a new, empty memory). Each memory belongs to one `AccessTokenSettings`.
 * - What depends on time, `exp` and `nbf`, is checked again on every use against the same clock.
 * - Whether the token's session still lives is not remembered here: every request asks the session core.
 *
 * Bounded: the oldest entries go first once `maxEntries` are held, so a flood of valid tokens costs memory
 * in proportion to the bound, not to the flood.
 */

export interface VerifiedClaims {
  userId: string;
  sessionId: string;
  /** Seconds since the epoch, as in the token. */
  exp: number;
  nbf?: number;
}

export interface VerifiedTokens {
  /** The claims of a token verified before, if it is still within its lifetime at `nowSeconds`. */
  recall(token: string, nowSeconds: number): VerifiedClaims | undefined;
  remember(token: string, claims: VerifiedClaims): void;
}

/** Enough for every token of every session one instance serves at a time, at a few hundred bytes each. */
export const DEFAULT_VERIFIED_TOKENS = 20_000;

export function createVerifiedTokens(maxEntries = DEFAULT_VERIFIED_TOKENS): VerifiedTokens {
  const entries = new Map<string, VerifiedClaims>();
  return {
    recall(token, nowSeconds) {
      const claims = entries.get(token);
      if (!claims) return undefined;
      // As jsonwebtoken and jose decide: expired from `exp` on, and not valid before `nbf`.
      if (nowSeconds >= claims.exp) {
        entries.delete(token);
        return undefined;
      }
      return claims.nbf !== undefined && claims.nbf > nowSeconds ? undefined : claims;
    },
    remember(token, claims) {
      if (maxEntries <= 0) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(token, claims);
    },
  };
}
