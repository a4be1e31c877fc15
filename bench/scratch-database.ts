import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { loadConfig } from '../src/config';
import { ensureIndexes, type Models } from '../src/db/models';
import { openDatabase, type OpenDatabase } from '../src/db/open-database';
import { startEmbeddedDatabase } from '../src/dev-database/embedded-ferretdb';
import { createLogger } from '../src/logger';

/**
 * `dbName` on the server at `uri`, opened as the API opens it and then emptied (a rerun on MONGODB_URI
 * finds the last run's data), indexes included. No sweeper: nothing a measurement writes expires
 * during it, and a sweep in the middle of a measured round would cost the database time.
 */
export async function openEmptyDatabase(uri: string, dbName: string): Promise<OpenDatabase> {
  const config = loadConfig({ MONGODB_URI: uri, DB_OPERATION_TIMEOUT_MS: '60000' });
  const database = await openDatabase(config, createLogger('warn'), { dbName, sweepIntervalMs: 0 });
  await database.connection.dropDatabase();
  // The drop took the indexes openDatabase had created.
  await ensureIndexes(database.models);
  return database;
}

/**
 * For the measuring scripts run with tsx: an empty database with the API's indexes, on a fresh embedded
 * FerretDB unless MONGODB_URI is set; dropped (and the embedded server stopped) afterwards. A failure
 * is printed and the process exits 1.
 */
export function runOnScratchDatabase(dbName: string, run: (connection: Connection, models: Models) => Promise<void>): void {
  async function main(): Promise<void> {
    const dataDir = process.env.MONGODB_URI ? undefined : mkdtempSync(path.join(os.tmpdir(), `${dbName}-`));
    const embedded = dataDir ? await startEmbeddedDatabase({ dataDir }) : undefined;
    let database: OpenDatabase | undefined;
    try {
      database = await openEmptyDatabase(process.env.MONGODB_URI ?? embedded!.uri, dbName);
      await run(database.connection, database.models);
    } finally {
      await database?.connection.dropDatabase().catch(() => undefined);
      await database?.close();
      await embedded?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
