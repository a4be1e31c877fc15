import type { Clock } from '../clock';
import { initiatorOf, type SessionEndReason } from './session';
import type { DurableSessionEnds, SessionEnds } from './session-events';
import type { SessionMemory } from './session-memory';
import type { SessionRepository } from './session-repository';

/** Revocations outlive any session they guard, so an expired revocation never revives a session. */
const REVOCATION_MARGIN_MS = 60 * 60 * 1000;

/**
 * The one door every session end passes: each session's revocation is an insert against its id, so
 * exactly one call ends it, and that call alone emits the end. The in-process event goes out once the
 * insert is committed and before the barrier; what must outlive a crash is the durable step's, written
 * before the insert (docs/ARCHITECTURE.md, "Session ends").
 */
export function createRevocation(deps: {
  repository: SessionRepository;
  memory: SessionMemory;
  ends: SessionEnds;
  durable?: DurableSessionEnds | undefined;
  idleMs: number;
  clock: Clock;
}) {
  const { repository, memory, ends, durable, idleMs, clock } = deps;

  /**
   * Ends the sessions and returns the ids this call ended (not those ended before), once no instance can
   * accept them any more. Sessions ended before are announced again: a retry after a failed announcement
   * completes it. `announce: false` skips the feed and its wait, for sessions no instance can accept
   * anyway (expired ones).
   */
  async function endSessionsNow(userId: string, ids: string[], reason: SessionEndReason, { announce = true } = {}): Promise<string[]> {
    // As stored (lower-case hex), however the caller typed it: memory and the feed compare strings.
    const sessionIds = [...new Set(ids.map((id) => id.toLowerCase()))];
    const at = new Date(clock());
    const expiresAt = new Date(at.getTime() + idleMs + REVOCATION_MARGIN_MS);
    const event = (ids: string[]) => ({ userId, sessionIds: ids, reason, at, initiatedBy: initiatorOf(reason) });
    if (durable && sessionIds.length > 0) await durable.ending(event(sessionIds));
    const results = await Promise.allSettled(
      sessionIds.map((sessionId) => repository.insertRevocation({ sessionId, userId, reason, revokedAt: at, expiresAt })),
    );
    const committed = sessionIds.filter((_, i) => results[i]!.status === 'fulfilled');
    const ended = sessionIds.filter((_, i) => {
      const result = results[i]!;
      return result.status === 'fulfilled' && result.value;
    });
    if (ended.length > 0) ends.emit(event(ended));
    if (durable && committed.length > 0) durable.ended(event(committed));
    if (announce) {
      memory.forgetUncertain(sessionIds.filter((_, i) => results[i]!.status === 'rejected'));
      await memory.publishRevocations(committed);
    }
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return ended;
  }

  return { endSessionsNow };
}

export type Revocation = ReturnType<typeof createRevocation>;
