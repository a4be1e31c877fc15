import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { EventReceiver } from '../config';
import type { SessionEventModels, OutboxEventDocument } from '../db/session-event-models';
import type { SessionsEnded } from '../sessions/session';

/**
 * The durable outbox: one document per ended session per receiver. A revocation writes its events as
 * intents *before* the revocation insert (recordIntent), and delivery sends an intent only once the session's
 * revocation exists: the revocation insert is what makes the event real, so the two commit as one step
 * (docs/ARCHITECTURE.md argues it). An end recorded after the fact (expiry) is written with `record`.
 * `_id` and `jti` are derived from the session and the receiver, so recording the same end twice inserts
 * nothing new; should the event have been delivered and pruned already, a new one carries the same `jti`,
 * which receivers de-duplicate.
 */

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('base64url');

export const receiverKey = (receiverUrl: string) => digest('receiver', receiverUrl).slice(0, 12);
export const outboxId = (sessionId: string, receiverUrl: string) => `${sessionId}:${receiverKey(receiverUrl)}`;
/** Unique per (session, receiver) and stable across re-recording: what receivers de-duplicate on. */
export const eventJti = (sessionId: string, receiverUrl: string) => digest('session-revoked', sessionId, receiverUrl).slice(0, 32);

interface WriteError {
  index?: number;
  code?: number;
  err?: { index?: number; code?: number };
}

/** The documents an unordered insertMany skipped as duplicates; rethrows anything else. */
function duplicatesOf(error: unknown): Set<number> {
  const writeErrors = (error as { writeErrors?: WriteError[] | WriteError }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  if (list.length === 0 || list.some((e) => (e.code ?? e.err?.code) !== 11000)) throw error;
  return new Set(list.map((e) => e.index ?? e.err?.index ?? -1));
}

export type RecordedListener = (recorded: OutboxEventDocument[]) => void;

export function createSessionEventOutbox(models: SessionEventModels, receivers: EventReceiver[], clock: Clock) {
  const { OutboxEvent } = models;
  const listeners: RecordedListener[] = [];
  const committedListeners: Array<() => void> = [];

  /** Writes the events of sessions that ended (or, with awaitsCommit, are about to); resolves once durable. */
  async function record(ended: SessionsEnded, { awaitsCommit = false } = {}): Promise<void> {
    if (receivers.length === 0 || ended.sessionIds.length === 0) return;
    const now = new Date(clock());
    const documents: OutboxEventDocument[] = ended.sessionIds.flatMap((sessionId) =>
      receivers.map(({ url }) => ({
        _id: outboxId(sessionId, url),
        jti: eventJti(sessionId, url),
        receiver: url,
        userId: ended.userId,
        sessionId,
        reason: ended.reason,
        initiatedBy: ended.initiatedBy,
        endedAt: ended.at,
        createdAt: now,
        generation: 0,
        attempts: 0,
        nextAttemptAt: now,
        awaitsCommit,
      })),
    );
    let skipped = new Set<number>();
    try {
      await OutboxEvent.insertMany(documents, { ordered: false, lean: true });
    } catch (error) {
      skipped = duplicatesOf(error);
    }
    const recorded = documents.filter((_, i) => !skipped.has(i));
    if (recorded.length > 0) for (const listener of listeners) listener(recorded);
  }

  return {
    record,
    /** Before a revocation: its events, delivered only once the session's revocation exists. */
    recordIntent: (ending: SessionsEnded) => record(ending, { awaitsCommit: true }),
    /** After a revocation committed: delivery may start now. */
    committed(ended: SessionsEnded) {
      if (receivers.length > 0 && ended.sessionIds.length > 0) for (const listener of committedListeners) listener();
    },
    whenCommitted(listener: () => void) {
      committedListeners.push(listener);
    },
    /** Called with the events this process has just written (metrics, and a delivery attempt at once). */
    whenRecorded(listener: RecordedListener) {
      listeners.push(listener);
    },
    enabled: receivers.length > 0,
  };
}

export type SessionEventOutbox = ReturnType<typeof createSessionEventOutbox>;
