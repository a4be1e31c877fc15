import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config';
// A type only, erased when compiled: the module itself is loaded by import() below, and only without MONGODB_URI.
// eslint-disable-next-line no-restricted-imports
import type { EmbeddedDatabase } from '../dev-database/embedded-ferretdb';
import { connectDatabase } from './connection';
import { startExpiredDocumentSweeper } from './expired-sweeper';
import { createModels, ensureIndexes, type Models } from './models';
import { removeRunningDatabaseRecord, writeRunningDatabaseRecord } from './running-database-record';

/** Without a TTL monitor, expired documents are deleted by the app this often. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export interface OpenDatabaseOptions {
  /** Another database than the one the connection string names (each test file uses its own). */
  dbName?: string;
  /**
   * How often expired documents are deleted where the server has no TTL monitor (FerretDB v1); 10
   * minutes unless given. 0: never, for a process that does not serve the API and soon ends (the
   * operator command, the benchmark's seeding).
   */
  sweepIntervalMs?: number;
}

export interface OpenDatabase {
  connection: Connection;
  /** Every model, created once on this connection. */
  models: Models;
  /**
   * The connection string, with the database name it was given or the embedded one's (describeMongoUri
   * before printing it); `dbName`, when given, is the database used instead.
   */
  uri: string;
  /** Where the embedded database keeps its files, when this process started one. */
  embeddedDataDir: string | undefined;
  /** Stops the sweeper, closes the connection, and stops the embedded database if this started one. */
  close(): Promise<void>;
}

function describeInterval(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} minutes` : `${ms} ms`;
}

/**
 * The one way every process opens the database (the API, the tests' apps, the operator command, the
 * benchmark): MONGODB_URI when given; otherwise (never in production, which config refuses) the
 * embedded FerretDB, built on first use. The models are created once, the indexes are in place before
 * the first request, and where the server has no TTL monitor the process deletes expired documents.
 */
export async function openDatabase(
  config: Pick<Config, 'mongodbUri' | 'embeddedDb' | 'dbOperationTimeoutMs'>,
  logger: Logger,
  options: OpenDatabaseOptions = {},
): Promise<OpenDatabase> {
  const { dbName, sweepIntervalMs = SWEEP_INTERVAL_MS } = options;
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    logger.info('MONGODB_URI is not set: starting the embedded FerretDB database');
    // Loaded here and only now, so that a server on MONGODB_URI never loads the code that builds and
    // runs FerretDB (tests/dev-database-imports.test.ts).
    const { startEmbeddedDatabase } = await import('../dev-database/embedded-ferretdb');
    embedded = await startEmbeddedDatabase({ dataDir: config.embeddedDb.dir, port: config.embeddedDb.port });
    uri = `${embedded.uri}auth`;
    logger.info({ uri, dataDir: embedded.dataDir, ferretdbPid: embedded.pid }, 'embedded database is listening');
  }
  try {
    const connection = await connectDatabase(uri, { ...(dbName ? { dbName } : {}), operationTimeoutMs: config.dbOperationTimeoutMs });
    const models = createModels(connection);
    const { ttl } = await ensureIndexes(models).catch(async (error: unknown) => {
      await connection.close().catch(() => undefined);
      throw error;
    });
    const sweeps = !ttl && sweepIntervalMs > 0;
    if (sweeps) {
      logger.info(`this MongoDB server does not support TTL indexes: the API deletes expired sessions itself every ${describeInterval(sweepIntervalMs)}`);
    }
    const stopSweeper = sweeps ? startExpiredDocumentSweeper(models, logger, sweepIntervalMs) : () => undefined;
    // Some callers close the connection itself (tests); the sweeper lives no longer than it.
    connection.once('close', stopSweeper);
    // So that `npm run sessions` on this checkout can find the database this process started.
    if (embedded) writeRunningDatabaseRecord(embedded.dataDir, { uri, pid: process.pid, ferretdbPid: embedded.pid, startedAt: new Date().toISOString() });
    return {
      connection,
      models,
      uri,
      embeddedDataDir: embedded?.dataDir,
      async close() {
        stopSweeper();
        await connection.close();
        if (embedded) removeRunningDatabaseRecord(embedded.dataDir);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
