import type { Server } from 'node:http';
import { createApp } from './app';
import { agreeOnLease } from './db/lease-agreement';
import { openDatabase } from './db/open-database';
import { createHttpServer, slowClientLimits } from './http/http-server';
import { createLogger } from './logger';
import { createMetricsServer } from './metrics/metrics-server';
import { createMetrics } from './metrics/metrics';
import { readProcessConfig } from './process-config';
import { logProcessFaults } from './process-faults';
import { logWhereToFind } from './startup-lines';

/** The process: read config, open the database, listen, and shut down cleanly on SIGINT/SIGTERM. */

const SHUTDOWN_GRACE_MS = 10_000;

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
}

async function main(): Promise<void> {
  const config = readProcessConfig();
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  if (config.jwt.secretWasGenerated) {
    logger.warn('JWT_ACCESS_SECRET is not set, nor JWT_ACCESS_KEYS: using a random secret for this process; tokens will not survive a restart');
  }
  const database = await openDatabase(config, logger);
  // Refuses to start beside instances (or a sessions command) running with another REVOCATION_LEASE_MS.
  const lease = await agreeOnLease(database.connection, config.sessionMemory.leaseMs, 'api', logger).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const metricsPort = config.metrics.port;
  const metrics = createMetrics({ processMetrics: metricsPort !== undefined });
  const offset = config.testOnlyClockOffsetMs;
  const clock = offset === 0 ? undefined : () => Date.now() + offset;
  const app = createApp({ config, database, logger, metrics, ...(clock ? { clock } : {}) });
  const server = createHttpServer(app, logger, slowClientLimits(config.http));
  const metricsServer = metricsPort === undefined ? undefined : createMetricsServer(metrics.registry);
  // A port already taken must not leave the embedded database running behind a dead process.
  try {
    await listen(server, config.host, config.port);
    if (metricsServer) await listen(metricsServer, config.metrics.host, metricsPort!);
  } catch (error) {
    await Promise.all([close(server), close(metricsServer)]);
    await lease.leave();
    await database.close();
    throw error;
  }
  logWhereToFind(logger, server, metricsServer, database);

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
    metricsServer?.closeAllConnections();
    void close(metricsServer);
    server.close(async () => {
      await lease.leave();
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
