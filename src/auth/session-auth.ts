import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock';
import type { Config } from '../config';
import type { Models } from '../db/models';
import { createSessionEventOutbox } from '../events/session-event-outbox';
import { createRevocationFeed } from './revocation-feed';
import { createSessionMemory } from './session-memory';
import { createSessionService } from './session-service';
import { createSessionStore, type SessionEvents } from './session-store';
import { accessTokenSettings } from './tokens';

/**
 * The session store, its memory and the session service over them, wired together once: the app uses
 * this, and so do the benchmark and the operator command, so that what they run is exactly what the
 * routes run.
 */
export interface SessionAuthDeps {
  config: Config;
  connection: Connection;
  models: Models;
  logger: Logger;
  clock?: Clock;
  /** Hooks for metrics (src/app.ts wires them to the app's instruments). */
  events?: SessionEvents & { barrierPassed?: (seconds: number) => void };
}

export function createSessionAuth(deps: SessionAuthDeps) {
  const { config, connection, models, logger, clock = systemClock, events = {} } = deps;
  const memory = createSessionMemory(createRevocationFeed(models), config.sessionMemory, {
    logger,
    clock,
    ...(events.barrierPassed ? { onBarrierPassed: events.barrierPassed } : {}),
  });
  // The memory's feed poller lives exactly as long as the database connection it polls.
  connection.once('close', memory.stop);
  // Every session end is in the event outbox before its revocation is committed (src/events/).
  const outbox = createSessionEventOutbox(models, config.sessionEvents.receivers, clock);
  const sessionEvents = { ...events, ending: outbox.recordIntent, ended: outbox.committed };
  const sessions = createSessionStore(models, config, memory, { clock, events: sessionEvents });
  const tokenSettings = accessTokenSettings(config, clock);
  return { sessions, memory, outbox, tokenSettings, sessionService: createSessionService(sessions, tokenSettings) };
}
