import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { describeMongoUri } from './db/describe-uri';
import type { OpenDatabase } from './db/open-database';

/** The address a server really listens on (PORT=0 picks one), as a URL; IPv6 hosts in brackets. */
export function urlOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/**
 * What a person who just ran `npm start` needs next: where to send requests, where the docs and the
 * probes are, whether metrics are served, and which database this is. Never a credential: the
 * connection string is printed without its user, password or options.
 */
export function logWhereToFind(logger: Logger, api: Server, metrics: Server | undefined, database: OpenDatabase): void {
  const url = urlOf(api);
  logger.info(
    database.embeddedDataDir
      ? `database: the embedded FerretDB at ${describeMongoUri(database.uri)} (files in ${database.embeddedDataDir})`
      : `database: MONGODB_URI, ${describeMongoUri(database.uri)}`,
  );
  logger.info(`API listening on ${url} (routes under ${url}/api/v1)`);
  logger.info(`interactive docs: ${url}/docs`);
  logger.info(`health: ${url}/healthz (readiness: ${url}/readyz)`);
  logger.info(metrics ? `metrics: ${urlOf(metrics)}/metrics` : 'metrics: off (set METRICS_PORT to serve /metrics)');
}
