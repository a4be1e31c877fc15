import type { Clock } from '../clock';
import type { SessionLifetime } from './session-lifetime';
import type { Revocation } from './session-revocation';
import type { SessionRepository } from './session-repository';

/** How often each instance looks for sessions that have ended by themselves. */
export const EXPIRY_SWEEP_EVERY_MS = 15_000;
/**
 * A session is swept this long after its end, not at once: a refresh that read it as live just before its
 * end has this long to finish, and instances' clocks this much leeway. Whatever still loses the race ends
 * with the expiry all the same (the revocation wins; the late successor token never works).
 */
export const EXPIRY_SWEEP_DELAY_MS = 2_000;
/** Sessions handled per sweep: a backlog is worked off one batch per sweep, each a bounded amount of work. */
const SWEEP_BATCH = 500;

/**
 * Expiry as a session end like any other: a session whose idle timeout or absolute lifetime has passed is
 * ended through the revocation door with `idle_expired` or `absolute_expired`, so it produces its one
 * event, within EXPIRY_SWEEP_EVERY_MS + EXPIRY_SWEEP_DELAY_MS (plus one sweep's duration) of its end. Every
 * instance sweeps; the revocation's insert decides which one ends each session. The swept sessions'
 * records are deleted afterwards: they can never be used again, and the next sweep need not see them.
 *
 * The sweep finds sessions by their stored end (`expiresAt`, one index range), which never lies past the
 * absolute lifetime the session was written under. A SESSION_ABSOLUTE_LIFETIME shortened later ends older
 * sessions at once (every check applies today's lifetime), but their event waits for their stored end.
 */
export function createSessionExpiry(deps: { repository: SessionRepository; lifetime: SessionLifetime; revocation: Revocation; clock: Clock }) {
  const { repository, lifetime, revocation, clock } = deps;

  /** Ends every session found past its end; returns how many this call ended. */
  async function endExpiredSessions(): Promise<number> {
    const nowMs = clock() - EXPIRY_SWEEP_DELAY_MS;
    const ended = (await repository.listEndedSessions(new Date(nowMs), SWEEP_BATCH)).filter((session) => !lifetime.isLive(session, nowMs));
    if (ended.length === 0) return 0;
    const revoked = await repository.revokedAmong(ended.map((s) => s.id));
    let count = 0;
    for (const session of ended.filter((s) => !revoked.has(s.id))) {
      // Expired sessions are refused everywhere already: nothing to announce, no barrier to wait out.
      count += (await revocation.endSessionsNow(session.userId, [session.id], lifetime.expiryReason(session), { announce: false })).length;
    }
    await repository.deleteSessions(ended.map((s) => s.id));
    return count;
  }

  /** Sweeps every EXPIRY_SWEEP_EVERY_MS until the returned function is called; never keeps a process alive. */
  function startSweeping(onError: (error: unknown) => void, everyMs = EXPIRY_SWEEP_EVERY_MS): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      endExpiredSessions()
        .catch(onError)
        .finally(() => (running = false));
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  return { endExpiredSessions, startSweeping };
}
