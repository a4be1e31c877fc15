import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { openDatabase } from './database';
import { createHttpServer } from './http/http-server';
import { createLogger } from './logger';
import { logProcessFaults } from './process-faults';

/** The process: read config, open the database, listen, and shut down cleanly on SIGINT/SIGTERM. */

const SHUTDOWN_GRACE_MS = 10_000;

function readConfig(): Config {
  // A local .env (git-ignored) fills in what the real environment leaves unset.
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  if (config.jwt.secretWasGenerated) {
    logger.warn('JWT_ACCESS_SECRET is not set, nor JWT_ACCESS_KEYS: using a random secret for this process; tokens will not survive a restart');
  }
  const database = await openDatabase(config, logger);
  const app = createApp({ config, connection: database.connection, logger });
  const server = createHttpServer(app, logger);
  // A port already taken must not leave the embedded database running behind a dead process.
  await listen(server, config.host, config.port).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  logger.info(`API listening on http://${config.host}:${config.port}`);

  let stopping = false;
  const shutdown = (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(async () => {
      await database.close();
      logger.info('stopped');
      process.exit(exitCode);
    });
    server.closeIdleConnections();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  logProcessFaults(process, logger, () => shutdown('uncaughtException', 1));
}

main().catch((error: unknown) => {
  console.error('Failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
