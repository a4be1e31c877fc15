import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Models } from '../db/models';
import { createAuthenticator } from './require-auth';
import { createSessionCache } from './session-cache';
import { createSessionStore } from './session-store';
import { accessTokenSettings } from './tokens';

/**
 * The session store, its cache and the auth middleware, wired together once: the app uses this, and so
 * does the benchmark, so that what is measured is exactly what the routes run.
 */
export function createSessionAuth(deps: { config: Config; connection: Connection; models: Models; logger: Logger }) {
  const { config, connection, models, logger } = deps;
  const sessionCache = createSessionCache(models, config.sessionCache, logger);
  // The cache's revocation poller lives exactly as long as the database connection it polls.
  connection.once('close', sessionCache.stop);
  const sessions = createSessionStore(models, config, sessionCache);
  const tokenSettings = accessTokenSettings(config);
  const authenticator = createAuthenticator(sessions, tokenSettings, config);
  return { sessions, tokenSettings, authenticator };
}
