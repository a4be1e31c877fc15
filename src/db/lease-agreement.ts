import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';

/**
 * One REVOCATION_LEASE_MS per deployment (docs/SCALING.md, "One lease per deployment"). The barrier is
 * only sound when every process sharing the database uses the same lease: a revoking process waits out
 * its own lease, and a process remembering sessions trusts its memory for its own. With A at 150 ms and
 * F at 3000 ms, F accepted a token for up to half a second after A's logout had answered (issue 21).
 *
 * So every process that revokes or remembers (each API instance, the operator command) publishes its
 * lease in the database, under an id of its own, and refreshes it while it lives; and it starts only if
 * every other live record states the same lease. Publish first, then read: of two processes starting
 * at once with different leases, the one that reads second sees the other's record, and refuses.
 * A record nobody refreshed for RECORD_LIFETIME_MS is a process that is gone.
 */

/** How often a live process refreshes its record. */
const HEARTBEAT_MS = 10_000;
/**
 * A record not refreshed for this long belongs to a process that is gone. Several heartbeats, and far
 * more than the clock skew between machines (each compares another's stamp with its own clock).
 */
export const RECORD_LIFETIME_MS = 60_000;

interface LeaseRecord {
  _id: string;
  leaseMs: number;
  host: string;
  pid: number;
  role: string;
  refreshedAt: Date;
}

const leaseRecordSchema = new Schema<LeaseRecord>(
  { _id: String, leaseMs: Number, host: String, pid: Number, role: String, refreshedAt: Date },
  { versionKey: false, collection: 'revocation_leases' },
);

export class LeaseMismatchError extends Error {
  constructor(leaseMs: number, others: LeaseRecord[]) {
    const seen = others.map((other) => `${other.role} on ${other.host} (pid ${other.pid}): ${other.leaseMs} ms`).join('; ');
    super(
      `REVOCATION_LEASE_MS is ${leaseMs} here, but processes using this database run with another lease (${seen}). ` +
        'Every API instance and the sessions command must use the same value: a revoking process waits out its own lease, ' +
        `and an instance trusts its memory for its own. Change the value everywhere at once (a record lapses ${RECORD_LIFETIME_MS / 1000} s after its process stops).`,
    );
    this.name = 'LeaseMismatchError';
  }
}

export interface LeaseAgreement {
  /** Stops refreshing and removes this process's record. */
  leave(): Promise<void>;
}

/**
 * Publishes this process's lease and checks it against every live process's. Throws LeaseMismatchError
 * (and leaves no record) when they differ.
 */
export async function agreeOnLease(connection: Connection, leaseMs: number, role: string, logger?: Logger): Promise<LeaseAgreement> {
  const Lease: Model<LeaseRecord> =
    (connection.models.RevocationLease as Model<LeaseRecord> | undefined) ?? connection.model<LeaseRecord>('RevocationLease', leaseRecordSchema);
  const record = { _id: randomUUID(), leaseMs, host: os.hostname(), pid: process.pid, role };
  const refresh = () => Lease.replaceOne({ _id: record._id }, { ...record, refreshedAt: new Date() }, { upsert: true });
  await refresh();
  const live = await Lease.find({ refreshedAt: { $gt: new Date(Date.now() - RECORD_LIFETIME_MS) } }).lean<LeaseRecord[]>();
  const others = live.filter((other) => other._id !== record._id && other.leaseMs !== leaseMs);
  if (others.length > 0) {
    await Lease.deleteOne({ _id: record._id });
    throw new LeaseMismatchError(leaseMs, others);
  }
  const timer = setInterval(() => {
    refresh().catch((error: unknown) => logger?.warn({ err: error }, 'could not refresh this process\'s revocation lease record'));
    // Records of processes gone long ago: FerretDB has no TTL index.
    Lease.deleteMany({ refreshedAt: { $lt: new Date(Date.now() - 10 * RECORD_LIFETIME_MS) } }).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    async leave() {
      clearInterval(timer);
      await Lease.deleteOne({ _id: record._id }).catch(() => undefined);
    },
  };
}
