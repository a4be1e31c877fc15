import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock';
import type { Config } from '../config';
import type { Models } from '../db/models';
import { createAuthenticator } from './require-auth';
import { createRevocationFeed } from './revocation-feed';
import { createSessionMemory } from './session-memory';
import { createSessionStore, type SessionEvents } from './session-store';
import { accessTokenSettings } from './tokens';

/**
 * The session store, its memory and the auth middleware, wired together once: the app uses this, and so
 * does the benchmark, so that what is measured is exactly what the routes run.
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
  const sessions = createSessionStore(models, config, memory, { clock, events });
  const tokenSettings = accessTokenSettings(config, clock);
  const authenticator = createAuthenticator(sessions, tokenSettings, config);
  return { sessions, memory, tokenSettings, authenticator };
}
