import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The session-end events' outbox (src/events/), in three collections kept apart so that the one every
 * instance polls holds only what is still to be delivered (FerretDB scans every query not by `_id`):
 *
 * - session_event_outbox: one document per ended session per receiver, `_id` = `<sessionId>:<receiver key>`.
 *   Inserted idempotently just before the revocation (delivered only once it exists); deleted once delivered or rejected; moved to
 *   failures after the retry horizon. Only the holder of the current claim rewrites one.
 * - session_event_claims: `_id` = `<outbox id>#<generation>` (or a successor of a lapsed claim, see
 *   events/delivery-claims.ts): whoever inserts it delivers that attempt. An insert against `_id` is atomic
 *   on MongoDB and FerretDB alike, where a conditional update is not (FerretDB rewrites documents).
 * - session_event_failures: events given up after the horizon, until an operator retries them.
 */

export interface OutboxEventDocument {
  _id: string;
  jti: string;
  /** The receiver's URL, as configured (SESSION_EVENT_RECEIVERS). */
  receiver: string;
  userId: string;
  sessionId: string;
  reason: string;
  initiatedBy: string;
  endedAt: Date;
  createdAt: Date;
  /** Counts the claims this event has gone through: each attempt is claimed under a new one. */
  generation: number;
  attempts: number;
  nextAttemptAt: Date;
  /** Why the last attempt failed (status or network error), for the operator. */
  lastError?: string;
  /** An intent written before its revocation: delivered only once session_revocations holds the session. */
  awaitsCommit?: boolean;
}

export interface FailedEventDocument extends OutboxEventDocument {
  failedAt: Date;
}

export interface EventClaimDocument {
  _id: string;
  owner: string;
  leaseEndsAt: Date;
}

const eventFields = {
  _id: { type: String, required: true },
  jti: { type: String, required: true },
  receiver: { type: String, required: true },
  userId: { type: String, required: true },
  sessionId: { type: String, required: true },
  reason: { type: String, required: true },
  initiatedBy: { type: String, required: true },
  endedAt: { type: Date, required: true },
  createdAt: { type: Date, required: true },
  generation: { type: Number, required: true },
  attempts: { type: Number, required: true },
  nextAttemptAt: { type: Date, required: true },
  lastError: { type: String },
  awaitsCommit: { type: Boolean },
};

const outboxSchema = new Schema<OutboxEventDocument>(eventFields, { collection: 'session_event_outbox', versionKey: false });
const failureSchema = new Schema<FailedEventDocument>(
  { ...eventFields, failedAt: { type: Date, required: true } },
  { collection: 'session_event_failures', versionKey: false },
);
const claimSchema = new Schema<EventClaimDocument>(
  { _id: { type: String, required: true }, owner: { type: String, required: true }, leaseEndsAt: { type: Date, required: true } },
  { collection: 'session_event_claims', versionKey: false },
);

export interface SessionEventModels {
  OutboxEvent: Model<OutboxEventDocument>;
  FailedEvent: Model<FailedEventDocument>;
  EventClaim: Model<EventClaimDocument>;
}

export function createSessionEventModels(connection: Connection): SessionEventModels {
  return {
    OutboxEvent: connection.model<OutboxEventDocument>('OutboxEvent', outboxSchema),
    FailedEvent: connection.model<FailedEventDocument>('FailedEvent', failureSchema),
    EventClaim: connection.model<EventClaimDocument>('EventClaim', claimSchema),
  };
}
