import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Session-end events (src/events/), labelled by receiver host only: a handful of configured receivers,
 * never a user, a session or a full URL (which may carry a path secret). docs/OPERATIONS.md lists them.
 */
export function createSessionEventMetrics(registers: Registry[]) {
  const counter = (name: string, help: string) => new Counter<'receiver'>({ name, help, labelNames: ['receiver'], registers });
  let oldestPendingMs: () => Promise<number | undefined> = async () => undefined;
  new Gauge({
    name: 'session_event_outbox_oldest_pending_seconds',
    help: 'Age of the oldest session-end event not yet delivered, rejected or failed, across all instances (0 when none)',
    registers,
    async collect() {
      this.set(Math.max(0, (await oldestPendingMs().catch(() => undefined)) ?? 0) / 1000);
    },
  });
  return {
    emitted: counter('session_events_emitted_total', 'Session-end events written to the outbox by this instance, one per ended session per receiver'),
    delivered: counter('session_events_delivered_total', 'Session-end events the receiver accepted with 202'),
    rejected: counter('session_events_rejected_total', 'Session-end events the receiver refused for good (400 with an RFC 8935 error)'),
    failed: counter('session_events_failed_total', 'Session-end events given up after the retry horizon (kept for the operator to retry)'),
    /** Given the outbox's query once (src/events/event-delivery.ts); read at each scrape. */
    measureOldestPendingWith(query: () => Promise<number | undefined>) {
      oldestPendingMs = query;
    },
  };
}

export type SessionEventMetrics = ReturnType<typeof createSessionEventMetrics>;
