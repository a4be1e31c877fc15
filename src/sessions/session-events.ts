import type { SessionsEnded } from './session';

/**
 * The one hook every session end passes through (src/sessions/session-core.ts emits; metrics, the audit
 * log and anything that leaves the process listen). A listener that throws is reported and skipped: a
 * revocation that is committed stays committed whatever a listener does.
 */
export type SessionEndListener = (event: SessionsEnded) => void;

export interface SessionEnds {
  listen(listener: SessionEndListener): void;
  emit(event: SessionsEnded): void;
}

export function createSessionEnds(onListenerError: (error: unknown) => void = () => undefined): SessionEnds {
  const listeners: SessionEndListener[] = [];
  return {
    listen(listener) {
      listeners.push(listener);
    },
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
  };
}

/**
 * A step every session end passes inside the revocation, for what must outlive a crash (the event outbox,
 * src/events/): `ending` runs before the revocation inserts and is awaited, so its failure fails the
 * revocation (which the caller's retry repeats); `ended` runs once they are committed, for every session
 * the call found revoked, whether this call or an earlier one revoked it.
 */
export interface DurableSessionEnds {
  ending(event: SessionsEnded): Promise<void>;
  ended(event: SessionsEnded): void;
}
