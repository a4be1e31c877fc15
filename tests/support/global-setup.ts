import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../../src/dev-database/embedded-ferretdb';

/**
 * One real database for the whole run: MONGODB_URI when set (a MongoDB, Atlas or a FerretDB you run),
 * otherwise an embedded FerretDB on a free port with its files in a temporary folder. Test files each
 * use a database of their own on it (tests/support/test-app.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-test-db-'));
  const database = await startEmbeddedDatabase({ dataDir });
  process.env.TEST_MONGODB_URI = database.uri;
  (globalThis as { __EMBEDDED_DB__?: typeof database }).__EMBEDDED_DB__ = database;
}
