import type { Clock } from '../clock';
import { isDuplicateKeyError } from '../db/errors';
import type { SessionEventModels } from '../db/session-event-models';

/**
 * Who delivers an event's current attempt. A claim is an insert against a unique `_id`, atomic on MongoDB
 * and FerretDB alike; nothing ever updates one, because FerretDB's updates are read-then-rewrite.
 *
 * Generation g of outbox event E is claimed as `E#g`. A holder that dies leaves its claim behind until
 * the lease ends; then its successor's `_id` is derived from the lapsed claim itself (`E#g@<lease end>`), so
 * of all the instances that see the same lapsed claim, exactly one inserts the successor. A chain of
 * lapsed claims is followed link by link, each a read by `_id`.
 */

/** Past this many lapsed holders in a row, leave the event to the next poll rather than walk on. */
const MAX_CHAIN = 8;

export interface Claim {
  /** Every `_id` of the chain, the held one last: all of them go when the attempt's outcome is written. */
  keys: string[];
  leaseEndsAt: number;
}

export function createDeliveryClaims(models: SessionEventModels, { owner, leaseMs, clock }: { owner: string; leaseMs: number; clock: Clock }) {
  const { EventClaim } = models;

  async function acquire(eventId: string, generation: number): Promise<Claim | undefined> {
    const keys: string[] = [];
    let key = `${eventId}#${generation}`;
    for (let link = 0; link < MAX_CHAIN; link++) {
      keys.push(key);
      const leaseEndsAt = clock() + leaseMs;
      try {
        await EventClaim.create({ _id: key, owner, leaseEndsAt: new Date(leaseEndsAt) });
        return { keys, leaseEndsAt };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const held = await EventClaim.findById(key).lean();
      // Gone between the insert and the read: its holder finished; the poll after this one sees the outcome.
      if (!held || held.leaseEndsAt.getTime() > clock()) return undefined;
      key = `${eventId}#${generation}@${held.leaseEndsAt.getTime()}`;
    }
    return undefined;
  }

  /** Called after the attempt's outcome is written to the outbox, never before (see event-delivery.ts). */
  async function release(claim: Claim): Promise<void> {
    for (const key of claim.keys) await EventClaim.deleteOne({ _id: key });
  }

  return { acquire, release };
}

export type DeliveryClaims = ReturnType<typeof createDeliveryClaims>;
