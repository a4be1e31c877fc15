import { rmSync } from 'node:fs';
import type { EmbeddedDatabase } from '../../src/dev-database/embedded-ferretdb';

export default async function globalTeardown(): Promise<void> {
  const database = (globalThis as { __EMBEDDED_DB__?: EmbeddedDatabase }).__EMBEDDED_DB__;
  if (!database) return;
  await database.stop();
  rmSync(database.dataDir, { recursive: true, force: true });
}
