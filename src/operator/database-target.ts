import type { Config } from '../config';
import { describeMongoUri } from '../db/describe-uri';
import { findRunningDatabase } from '../db/running-database-record';
import { OperatorError } from './session-admin';

/**
 * Which database the operator command works on: MONGODB_URI when set, as for the API; otherwise the
 * embedded database of an API running on this checkout (its note in EMBEDDED_DB_DIR). The command never
 * starts a database of its own: sessions live where the API that issued them keeps them.
 */
export function chooseDatabase(config: Pick<Config, 'mongodbUri' | 'embeddedDb'>): { uri: string; description: string } {
  if (config.mongodbUri) return { uri: config.mongodbUri, description: describeMongoUri(config.mongodbUri) };
  const running = findRunningDatabase(config.embeddedDb.dir);
  if (running) return { uri: running.uri, description: `${describeMongoUri(running.uri)} (the embedded database of API process ${running.pid})` };
  throw new OperatorError(
    `no database: MONGODB_URI is not set and no running API has an embedded database in ${config.embeddedDb.dir} (start one with npm start, or set MONGODB_URI)`,
  );
}
