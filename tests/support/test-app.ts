import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import type { DestinationStream } from 'pino';
import { buildApp } from '../../src/app';
import type { Clock } from '../../src/clock';
import { loadConfig, type Config } from '../../src/config';
import type { Models } from '../../src/db/models';
import { openDatabase } from '../../src/db/open-database';
import { createLogger } from '../../src/logger';
import { createMetrics, type Metrics } from '../../src/metrics/metrics';
import type { SessionCore } from '../../src/sessions/session-core';
import type { SessionEnds } from '../../src/sessions/session-events';
import { TEST_SECRET } from './test-secret';

// The test files import it from here; it has a file of its own so that api-process.ts (which the SPA's
// browser tests load too) does not load the whole app for it.
export { TEST_SECRET };

/** What every test app runs with unless a test says otherwise: fast hashing, quiet logs, a fixed secret. */
const BASE_ENV = {
  NODE_ENV: 'test',
  JWT_ACCESS_SECRET: TEST_SECRET,
  LOG_LEVEL: 'silent',
  PASSWORD_HASH_MEMORY_KIB: '8192',
  PASSWORD_HASH_ITERATIONS: '1',
  // Off (0): suites make many logins from one address, and every counted request costs queries that, on
  // FerretDB, read the whole counter collection. The rate-limit suites set their own, low limits.
  RATE_LIMIT_LOGIN_PER_IP: '0',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: '0',
  RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '0',
  RATE_LIMIT_REGISTER_PER_IP: '0',
  RATE_LIMIT_REFRESH_PER_IP: '0',
  // Off (0): a test ends expired sessions itself (core.endExpiredSessions), at the moment it chooses.
  SESSION_EXPIRY_SWEEP_MS: '0',
};

export interface TestApp {
  app: Express;
  config: Config;
  connection: Connection;
  models: Models;
  /** The app's own instruments; tests serve them with tests/support/metrics-scrape.ts. */
  metrics: Metrics;
  /** The session core the app runs on, and its session-end events. */
  core: SessionCore;
  ends: SessionEnds;
  dbName: string;
  close(): Promise<void>;
}

export function testDatabaseUri(): string {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest (its global setup starts the database)');
  return uri;
}

export function uniqueDatabaseName(): string {
  return `test_${randomBytes(6).toString('hex')}`;
}

export interface TestAppOptions {
  /** Receives the app's real log output (set LOG_LEVEL too). */
  logDestination?: DestinationStream;
  /** Another database server than the run's shared one (a test that stops its own). */
  databaseUri?: string;
  /** The wall clock sessions and tokens use (tests/support/test-clock.ts); the system's by default. */
  clock?: Clock;
}

/**
 * The real app on the real database, in-process for supertest. Each call gets a database of its own
 * unless `dbName` names one to share (two apps, one database).
 */
export async function startTestApp(
  env: Record<string, string | undefined> = {},
  dbName = uniqueDatabaseName(),
  options: TestAppOptions = {},
): Promise<TestApp> {
  const uri = options.databaseUri ?? testDatabaseUri();
  // Production refuses the failed-password budgets off: there they get a height no test reaches.
  const budgets = env.NODE_ENV === 'production' ? { RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000000', RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '1000000' } : {};
  const config = loadConfig({ ...BASE_ENV, ...budgets, MONGODB_URI: uri, ...env });
  const logger = createLogger(config.logLevel, options.logDestination, config.logFormat);
  // Opened as the server opens it, sweeper included; on `uri` whatever `env` says.
  const database = await openDatabase({ ...config, mongodbUri: uri }, logger, { dbName });
  const { connection, models } = database;
  const metrics = createMetrics();
  const { app, core, ends } = buildApp({ config, database, logger, metrics, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    app,
    core,
    ends,
    config,
    connection,
    models,
    metrics,
    dbName,
    async close() {
      if (connection.readyState === 1) await connection.dropDatabase().catch(() => undefined);
      await database.close();
    },
  };
}
