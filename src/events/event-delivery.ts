import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock';
import type { EventReceiver, SessionEventSettings } from '../config';
import { isDuplicateKeyError } from '../db/errors';
import type { OutboxEventDocument, SessionEventModels } from '../db/session-event-models';
import type { SessionEventMetrics } from '../metrics/event-metrics';
import { createDeliveryClaims, type Claim } from './delivery-claims';
import type { EventSigningKey } from './event-signing-key';
import { pushSet, type PushOutcome } from './push-delivery';
import { signSessionRevokedSet } from './security-event-token';
import type { Initiator as InitiatingEntity, SessionEndReason } from '../sessions/session';

/**
 * Delivers the outbox (session-event-outbox.ts) to the receivers, on every instance at once, never in the
 * way of a request: a poll every `pollMs`, and one at once after this process records an event.
 *
 * Each attempt is claimed first (delivery-claims.ts); the claim's holder alone rewrites the event, and
 * writes the outcome before it lets go of the claim: delivered or rejected → deleted (so the outbox holds
 * only pending events), otherwise the next generation with a later `nextAttemptAt` (exponential backoff,
 * jitter), or past the horizon → moved to the failures. A process killed at any moment leaves either no
 * claim (the event is simply due) or a claim whose lease ends: then another instance, or this one
 * restarted, takes it over. The only duplicate is that of a holder killed between the receiver's 202 and
 * the delete: at least once, and receivers de-duplicate by `jti`.
 *
 * A receiver that fails is held back in this process (one probe at a time, with its own backoff), so that
 * a thousand pending events for a receiver that is down cost one attempt per period, not a thousand.
 */

const BATCH = 100;
const CONCURRENCY_PER_RECEIVER = 8;
/** Failed events are kept this long for the operator (npm run sessions -- events …), then pruned. */
const FAILED_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
const MAINTENANCE_EVERY_MS = 60_000;
/**
 * An intent whose revocation has not appeared after this long belongs to a revocation that failed and was
 * not retried: the session did not end, and its intent is dropped. A retry later writes a new one.
 */
const UNCOMMITTED_GRACE_MS = 10 * 60 * 1000;

export interface EventDeliveryDeps {
  models: SessionEventModels;
  settings: SessionEventSettings;
  issuer: string;
  signingKey: () => Promise<EventSigningKey>;
  metrics: SessionEventMetrics;
  logger: Logger;
  clock?: Clock;
  /** Whether the session's revocation is committed (its document exists): the gate of an intent. */
  isRevoked: (sessionId: string) => Promise<boolean>;
  /** Jitter's source; tests may seed it. */
  random?: () => number;
}

export function createEventDelivery(deps: EventDeliveryDeps) {
  const { models, settings, issuer, signingKey, metrics, logger, isRevoked, clock = systemClock, random = Math.random } = deps;
  const { OutboxEvent, FailedEvent, EventClaim } = models;
  const owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const claims = createDeliveryClaims(models, { owner, leaseMs: settings.leaseMs, clock });
  const receivers = new Map(settings.receivers.map((receiver) => [receiver.url, receiver]));
  const hostOf = (url: string) => new URL(url).host;
  /** Per receiver, in this process: consecutive retryable failures, and until when it is held back. */
  const health = new Map<string, { failures: number; heldUntil: number }>();

  for (const { url } of settings.receivers) {
    for (const counter of [metrics.emitted, metrics.delivered, metrics.rejected, metrics.failed]) counter.inc({ receiver: hostOf(url) }, 0);
  }
  metrics.measureOldestPendingWith(oldestPendingMs);

  /** Exponential in the attempt number, capped, with "equal jitter": between half and all of it. */
  function backoffMs(attempt: number): number {
    const ceiling = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** Math.min(attempt, 40));
    return ceiling / 2 + random() * (ceiling / 2);
  }

  const isHeldBack = (url: string) => (health.get(url)?.heldUntil ?? 0) > clock();

  function noteOutcome(url: string, result: PushOutcome): void {
    if (result.outcome !== 'retry') {
      health.delete(url);
      return;
    }
    const failures = (health.get(url)?.failures ?? 0) + 1;
    health.set(url, { failures, heldUntil: clock() + backoffMs(failures - 1) });
  }

  async function sign(event: OutboxEventDocument, receiver: EventReceiver): Promise<string> {
    return signSessionRevokedSet(
      {
        jti: event.jti,
        userId: event.userId,
        sessionId: event.sessionId,
        reason: event.reason as SessionEndReason,
        initiatedBy: event.initiatedBy as InitiatingEntity,
        endedAt: event.endedAt,
      },
      receiver.audience,
      { key: await signingKey(), issuer },
      new Date(clock()),
    );
  }

  /** Gives up on an event: kept among the failures for the operator, counted, and logged (without a token). */
  async function fail(event: OutboxEventDocument, why: string): Promise<void> {
    const { _id, ...fields } = event;
    try {
      await FailedEvent.create({ _id, ...fields, lastError: why, failedAt: new Date(clock()) });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    await OutboxEvent.deleteOne({ _id });
    metrics.failed.inc({ receiver: hostOf(event.receiver) });
    logger.error({ receiver: hostOf(event.receiver), jti: event.jti, attempts: event.attempts, lastError: why }, 'session event failed: not delivered within the retry horizon');
  }

  /** Writes an attempt's outcome; only the claim's holder calls this, before releasing the claim. */
  async function settle(event: OutboxEventDocument, result: PushOutcome): Promise<void> {
    const receiver = hostOf(event.receiver);
    if (result.outcome === 'delivered') {
      await OutboxEvent.deleteOne({ _id: event._id });
      metrics.delivered.inc({ receiver });
      return;
    }
    if (result.outcome === 'rejected') {
      await OutboxEvent.deleteOne({ _id: event._id });
      metrics.rejected.inc({ receiver });
      logger.warn({ receiver, jti: event.jti, err: result.err, description: result.description }, 'session event rejected by its receiver; not retried');
      return;
    }
    const now = clock();
    if (now - event.createdAt.getTime() >= settings.retryHorizonMs) return fail(event, result.why);
    await OutboxEvent.updateOne(
      { _id: event._id },
      {
        $set: { generation: event.generation + 1, attempts: event.attempts + 1, nextAttemptAt: new Date(now + backoffMs(event.attempts)), lastError: result.why, awaitsCommit: false },
      },
    );
  }

  /** Claims, re-reads, does `work` with the event as it stands now, releases. False when another has it. */
  async function withClaim(seen: OutboxEventDocument, work: (event: OutboxEventDocument) => Promise<void>): Promise<boolean> {
    const claim: Claim | undefined = await claims.acquire(seen._id, seen.generation);
    if (!claim) return false;
    try {
      // What this poll read may be stale: another instance may have finished this generation meanwhile.
      const event = await OutboxEvent.findById(seen._id).lean<OutboxEventDocument>();
      if (!event || event.generation !== seen.generation) return false;
      await work(event);
      return true;
    } finally {
      await claims.release(claim);
    }
  }

  /** An intent whose revocation is not there (yet): looked at again soon, dropped after the grace. */
  async function settleUncommitted(event: OutboxEventDocument): Promise<void> {
    const now = clock();
    if (now - event.createdAt.getTime() > UNCOMMITTED_GRACE_MS) {
      await OutboxEvent.deleteOne({ _id: event._id });
      logger.info({ receiver: hostOf(event.receiver), jti: event.jti }, 'session event dropped: its revocation was never committed');
      return;
    }
    await OutboxEvent.updateOne({ _id: event._id }, { $set: { generation: event.generation + 1, nextAttemptAt: new Date(now + settings.pollMs) } });
  }

  async function attempt(seen: OutboxEventDocument): Promise<void> {
    const receiver = receivers.get(seen.receiver);
    if (!receiver || isHeldBack(seen.receiver)) return;
    await withClaim(seen, async (event) => {
      if (event.awaitsCommit && !(await isRevoked(event.sessionId))) return settleUncommitted(event);
      const result = await pushSet(receiver.url, await sign(event, receiver), settings.timeoutMs);
      noteOutcome(receiver.url, result);
      await settle(event, result);
    });
  }

  /** One probe first; the rest only if the receiver answered, a few at a time. */
  async function deliverTo(receiver: EventReceiver): Promise<boolean> {
    if (isHeldBack(receiver.url)) return false;
    const due = await OutboxEvent.find({ receiver: receiver.url, nextAttemptAt: { $lte: new Date(clock()) } })
      .sort({ nextAttemptAt: 1 })
      .limit(BATCH)
      .lean<OutboxEventDocument[]>();
    if (due.length === 0) return false;
    const [probe, ...rest] = due;
    await attempt(probe!);
    let next = 0;
    const worker = async () => {
      while (next < rest.length && !isHeldBack(receiver.url)) await attempt(rest[next++]!);
    };
    await Promise.all(Array.from({ length: CONCURRENCY_PER_RECEIVER }, worker));
    return due.length === BATCH && !isHeldBack(receiver.url);
  }

  /** Events past the horizon that no attempt will fail: receivers held back here, or no longer configured. */
  async function failAbandoned(): Promise<void> {
    const now = clock();
    const abandoned = await OutboxEvent.find({ createdAt: { $lte: new Date(now - settings.retryHorizonMs) } })
      .limit(BATCH)
      .lean<OutboxEventDocument[]>();
    for (const seen of abandoned) {
      if (receivers.has(seen.receiver) && !isHeldBack(seen.receiver)) continue;
      await withClaim(seen, (event) => fail(event, event.lastError ?? 'receiver not configured on this instance'));
    }
  }

  let lastMaintenance = 0;
  /**
   * Fails abandoned events, prunes failures past their retention and claims left by a holder that died
   * after writing its outcome. These queries scan (on FerretDB) the pending events: not on every poll,
   * which a busy instance runs after every logout, but a few times per horizon and at most once a minute.
   */
  async function maintain(): Promise<void> {
    const now = clock();
    if (now - lastMaintenance < Math.min(MAINTENANCE_EVERY_MS, settings.retryHorizonMs / 4)) return;
    lastMaintenance = now;
    await failAbandoned();
    await FailedEvent.deleteMany({ failedAt: { $lt: new Date(now - FAILED_RETENTION_MS) } });
    const lapsed = await EventClaim.find({ leaseEndsAt: { $lt: new Date(now - settings.leaseMs) } }).limit(BATCH).lean();
    for (const claim of lapsed) {
      const [eventId, generation] = claim._id.split('#');
      const event = await OutboxEvent.findById(eventId).lean<OutboxEventDocument>();
      // Safe only once its generation is over: nobody can act on a claim the re-read (withClaim) refuses.
      if (!event || event.generation > Number.parseInt(generation ?? '', 10)) await EventClaim.deleteOne({ _id: claim._id });
    }
  }

  async function oldestPendingMs(): Promise<number | undefined> {
    const oldest = await OutboxEvent.findOne({}, { createdAt: 1 }).sort({ createdAt: 1 }).lean<Pick<OutboxEventDocument, 'createdAt'>>();
    return oldest ? clock() - oldest.createdAt.getTime() : undefined;
  }

  let running = false;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  /** Runs a delivery round now, or right after the one in progress. */
  async function poll(): Promise<void> {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const more = await Promise.all(settings.receivers.map(deliverTo));
        if (more.some(Boolean)) again = true;
        await maintain();
      } while (again && !stopped);
    } catch (error) {
      // The database is away, most likely: nothing is lost, the next poll tries again.
      logger.warn({ err: error }, 'session event delivery round failed; retrying at the next poll');
    } finally {
      running = false;
    }
  }

  return {
    owner,
    poll,
    start() {
      if (timer || settings.receivers.length === 0) return;
      timer = setInterval(() => void poll(), settings.pollMs);
      timer.unref();
      void poll();
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}

export type EventDelivery = ReturnType<typeof createEventDelivery>;
