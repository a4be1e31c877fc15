import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { connectDatabase } from '../src/db/connection';
import { startEmbeddedDatabase } from '../src/dev-database/embedded-ferretdb';
import { createModels, ensureIndexes, type Models } from '../src/db/models';

/**
 * For the measuring scripts run with tsx: an empty database with the API's indexes, on a fresh embedded
 * FerretDB unless MONGODB_URI is set; dropped (and the embedded server stopped) afterwards. A failure
 * is printed and the process exits 1.
 */
export function runOnScratchDatabase(dbName: string, run: (connection: Connection, models: Models) => Promise<void>): void {
  async function main(): Promise<void> {
    const dataDir = process.env.MONGODB_URI ? undefined : mkdtempSync(path.join(os.tmpdir(), `${dbName}-`));
    const embedded = dataDir ? await startEmbeddedDatabase({ dataDir }) : undefined;
    const connection = await connectDatabase(process.env.MONGODB_URI ?? embedded!.uri, { dbName, operationTimeoutMs: 30_000 });
    try {
      await connection.dropDatabase();
      const models = createModels(connection);
      await ensureIndexes(models);
      await run(connection, models);
    } finally {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
      await embedded?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
