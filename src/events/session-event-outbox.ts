import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { EventReceiver } from '../config';
import type { SessionEventModels, OutboxEventDocument } from '../db/session-event-models';
import type { SessionsEnded } from './session-end-event';

/**
 * The durable outbox: one document per ended session per receiver, written after the revocation is
 * committed and before the revoking request answers. Its `_id` and `jti` are derived from the session
 * and the receiver, so recording the same session end twice (a retried logout, a revocation announced
 * again) inserts nothing new; and should the event have been delivered and pruned already, the one it
 * writes carries the same `jti`, which receivers de-duplicate. docs/ARCHITECTURE.md argues the order.
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

  /** Writes the events of sessions that have just ended; resolves once they are durable. */
  async function record(ended: SessionsEnded): Promise<void> {
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
    /** Called with the events this process has just written (metrics, and a delivery attempt at once). */
    whenRecorded(listener: RecordedListener) {
      listeners.push(listener);
    },
    enabled: receivers.length > 0,
  };
}

export type SessionEventOutbox = ReturnType<typeof createSessionEventOutbox>;
