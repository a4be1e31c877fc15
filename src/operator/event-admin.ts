import type { OutboxEventDocument, SessionEventModels } from '../db/session-event-models';
import { OperatorError } from './session-admin';

/**
 * The operator's view of session-end events (npm run sessions -- events …): what is still pending, and
 * putting a receiver's failed events back in the outbox so that the running API instances deliver them now.
 */

const MAX_LISTED = 50;

function row(event: Pick<OutboxEventDocument, 'jti' | 'receiver' | 'sessionId' | 'reason' | 'attempts' | 'nextAttemptAt' | 'createdAt' | 'lastError'>, now: number) {
  const age = Math.round((now - event.createdAt.getTime()) / 1000);
  return [event.jti, new URL(event.receiver).host, event.sessionId, event.reason, String(event.attempts), `${age}s`, event.nextAttemptAt.toISOString(), event.lastError ?? ''].join('  ');
}

export function createEventAdmin(models: SessionEventModels, clock: () => number = Date.now) {
  const { OutboxEvent, FailedEvent } = models;

  async function listPending(): Promise<string> {
    const now = clock();
    const total = await OutboxEvent.countDocuments({});
    const failed = await FailedEvent.countDocuments({});
    if (total === 0) return `no pending session events; ${failed} failed`;
    const oldest = await OutboxEvent.find({}).sort({ createdAt: 1 }).limit(MAX_LISTED).lean<OutboxEventDocument[]>();
    const lines = [`${total} pending session event${total === 1 ? '' : 's'} (oldest first${total > MAX_LISTED ? `, first ${MAX_LISTED}` : ''}); ${failed} failed`];
    lines.push(['jti', 'receiver', 'session', 'reason', 'attempts', 'age', 'next attempt', 'last error'].join('  '));
    for (const event of oldest) lines.push(row(event, now));
    return lines.join('\n');
  }

  /** Moves the receiver's failed events back to the outbox, due now, with a fresh horizon. */
  async function retryFailed(receiverUrl: string): Promise<number> {
    let receiver: string;
    try {
      receiver = new URL(receiverUrl).href;
    } catch {
      throw new OperatorError(`"${receiverUrl}" is not a URL; give the receiver as in SESSION_EVENT_RECEIVERS`);
    }
    const failed = await FailedEvent.find({ receiver }).lean<Array<OutboxEventDocument & { failedAt: Date }>>();
    const now = new Date(clock());
    for (const event of failed) {
      const { failedAt, ...fields } = event;
      void failedAt;
      // A new generation: no claim of the failed one can stand for it.
      const retried: OutboxEventDocument = { ...fields, generation: event.generation + 1, attempts: 0, createdAt: now, nextAttemptAt: now };
      await OutboxEvent.create(retried).catch((error: { code?: number }) => {
        if (error.code !== 11000) throw error;
      });
      await FailedEvent.deleteOne({ _id: event._id });
    }
    return failed.length;
  }

  return { listPending, retryFailed };
}
