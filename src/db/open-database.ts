import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { connectDatabase } from './connection';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../dev-database/embedded-ferretdb';
import { startExpiredDocumentSweeper } from './expired-sweeper';
import { createModels, ensureIndexes } from './models';
import { removeRunningDatabaseRecord, writeRunningDatabaseRecord } from './running-database-record';

/** Without a TTL monitor, expired documents are deleted by the app this often. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export interface OpenDatabase {
  connection: Connection;
  embedded: EmbeddedDatabase | undefined;
  /** The connection string, database name included (describeMongoUri before printing it). */
  uri: string;
  close(): Promise<void>;
}

/**
 * MONGODB_URI when given; otherwise (never in production, which config refuses) the embedded FerretDB,
 * built on first use. Indexes are in place before the first request.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    logger.info('MONGODB_URI is not set: starting the embedded FerretDB database');
    embedded = await startEmbeddedDatabase({ dataDir: config.embeddedDb.dir, port: config.embeddedDb.port });
    uri = `${embedded.uri}auth`;
    logger.info({ uri, dataDir: embedded.dataDir, ferretdbPid: embedded.pid }, 'embedded database is listening');
  }
  try {
    const connection = await connectDatabase(uri, { operationTimeoutMs: config.dbOperationTimeoutMs });
    const models = createModels(connection);
    const { ttl } = await ensureIndexes(models);
    if (!ttl) logger.info('this MongoDB server does not support TTL indexes: the API deletes expired sessions itself every 10 minutes');
    const stopSweeper = ttl ? () => undefined : startExpiredDocumentSweeper(models, logger, SWEEP_INTERVAL_MS);
    // So that `npm run sessions` on this checkout can find the database this process started.
    if (embedded) writeRunningDatabaseRecord(embedded.dataDir, { uri, pid: process.pid, ferretdbPid: embedded.pid, startedAt: new Date().toISOString() });
    return {
      connection,
      embedded,
      uri,
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
