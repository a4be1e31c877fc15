import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock';
import type { Config } from '../config';
import type { Models } from '../db/models';
import { createMongoSessionRepository } from '../db/mongo-session-repository';
import { createSessionEventOutbox } from '../events/session-event-outbox';
import { createSessionCore, type CheckSource } from '../sessions/session-core';
import { createSessionEnds } from '../sessions/session-events';
import { createSessionMemory } from '../sessions/session-memory';
import { accessTokenSettings } from './tokens';

/**
 * The session core on MongoDB, with its memory, wired together once: the app uses this, and so do the
 * benchmark and the operator command, so that what they run is exactly what the routes run. To keep
 * sessions in another store, pass another SessionRepository here (src/sessions/session-repository.ts).
 */
export interface SessionAuthDeps {
  config: Config;
  /** The database connection: the feed poller and the expiry sweeps stop when it closes. */
  connection: { once(event: 'close', listener: () => void): unknown };
  models: Models;
  logger: Logger;
  clock?: Clock;
  /** Where each authentication was answered (metrics). */
  onChecked?: (source: CheckSource) => void;
  /** How long each revoking request waited in the barrier, in seconds (metrics). */
  onBarrierPassed?: (seconds: number) => void;
}

export function createSessionAuth(deps: SessionAuthDeps) {
  const { config, connection, models, logger, clock = systemClock, onChecked, onBarrierPassed } = deps;
  const repository = createMongoSessionRepository(models, clock);
  const memory = createSessionMemory(repository.feed, config.sessionMemory, { logger, clock, ...(onBarrierPassed ? { onBarrierPassed } : {}) });
  const ends = createSessionEnds((error) => logger.error({ err: error }, 'a session-end listener failed'));
  // Every session end is in the event outbox as an intent before its revocation is committed (src/events/).
  const outbox = createSessionEventOutbox(models, config.sessionEvents.receivers, clock);
  const durable = { ending: outbox.recordIntent, ended: outbox.committed };
  const core = createSessionCore({ repository, memory, settings: config, ends, durable, clock, ...(onChecked ? { onChecked } : {}) });
  const stopSweeping =
    config.sessionExpirySweepMs > 0
      ? core.startExpirySweeps((error) => logger.warn({ err: error }, 'could not end expired sessions; the next sweep tries again'), config.sessionExpirySweepMs)
      : () => undefined;
  // The memory's feed poller and the expiry sweeps live exactly as long as the database connection.
  connection.once('close', () => {
    memory.stop();
    stopSweeping();
  });
  return { core, memory, ends, outbox, feed: repository.feed, tokenSettings: accessTokenSettings(config, clock) };
}
