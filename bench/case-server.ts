import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open-database';
import { createLogger } from '../src/logger';
import { CASE_APPS, type CaseAppName } from './case-apps';

/**
 * A child process serving one benchmark case on 127.0.0.1, so that the load generator (the parent) and
 * the server never share an event loop. Usage: case-server.ts <case-app-name>; the configuration comes
 * from the environment the parent sets; the chosen port is reported to the parent over IPC.
 */

async function main(): Promise<void> {
  const name = process.argv[2] as CaseAppName;
  const buildApp = CASE_APPS[name];
  if (!buildApp) throw new Error(`unknown case app "${name}"`);
  const config = loadConfig(process.env);
  const mongodbUri = config.mongodbUri!;
  const dbName = process.env.BENCH_DB_NAME;
  const database = await openDatabase(config, createLogger(config.logLevel), dbName ? { dbName } : {});
  const app = buildApp({ config, database, mongodbUri, peerSecret: process.env.BENCH_PEER_SECRET ?? '' });
  const server = createServer(app);
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  // The parent ends the case by disconnecting; leave at once, the measurement is over.
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
