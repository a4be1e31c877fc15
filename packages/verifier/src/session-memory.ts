/**
 * What a relying service remembers: tokens the API vouched for (by the token's SHA-256, so a forged token
 * can never match one), and sessions the revocation feed named. A verification that began before
 * something was forgotten may not fill memory afterwards: it may have missed what was forgotten (the
 * ticket, as in the API's own memory).
 */

export interface KnownToken {
  userId: string;
  sessionId: string;
  /** The token's exp, in wall-clock ms. */
  expiresAtMs: number;
}

export function createVerifierMemory(maxEntries: number) {
  const known = new Map<string, KnownToken>();
  const tokensOfSession = new Map<string, Set<string>>();
  /** Session id -> the ticket at which it became known dead; insertion order = age. */
  const revoked = new Map<string, number>();
  let ticket = 0;
  let oldestAdmissible = 1;

  function forgetToken(tokenHash: string): void {
    const entry = known.get(tokenHash);
    if (!entry) return;
    known.delete(tokenHash);
    const tokens = tokensOfSession.get(entry.sessionId);
    tokens?.delete(tokenHash);
    if (tokens?.size === 0) tokensOfSession.delete(entry.sessionId);
  }

  return {
    /** Taken before asking the API about a token. */
    beginRead: () => ticket,
    lookup(tokenHash: string, nowMs: number): KnownToken | undefined {
      const entry = known.get(tokenHash);
      if (!entry) return undefined;
      if (entry.expiresAtMs <= nowMs || revoked.has(entry.sessionId)) {
        forgetToken(tokenHash);
        return undefined;
      }
      return entry;
    },
    isRevoked: (sessionId: string) => revoked.has(sessionId),
    remember(tokenHash: string, entry: KnownToken, readTicket: number): void {
      if (readTicket < oldestAdmissible || revoked.has(entry.sessionId)) return;
      if (known.size >= maxEntries && !known.has(tokenHash)) forgetToken(known.keys().next().value as string);
      known.set(tokenHash, entry);
      let tokens = tokensOfSession.get(entry.sessionId);
      if (!tokens) tokensOfSession.set(entry.sessionId, (tokens = new Set()));
      tokens.add(tokenHash);
    },
    rememberRevoked(sessionId: string): void {
      for (const tokenHash of tokensOfSession.get(sessionId) ?? []) forgetToken(tokenHash);
      ticket += 1;
      revoked.delete(sessionId);
      revoked.set(sessionId, ticket);
      if (revoked.size > maxEntries) {
        const [oldestId, oldestTicket] = revoked.entries().next().value as [string, number];
        revoked.delete(oldestId);
        oldestAdmissible = Math.max(oldestAdmissible, oldestTicket);
      }
    },
    forgetAll(): void {
      known.clear();
      tokensOfSession.clear();
      ticket += 1;
      oldestAdmissible = ticket;
    },
  };
}
