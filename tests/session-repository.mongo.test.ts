import { createMongoSessionRepository } from '../src/db/mongo-session-repository';
import { openDatabase } from '../src/db/open-database';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { describeSessionRepositoryContract } from './support/session-repository-contract';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';

describeSessionRepositoryContract('MongoDB (the real database)', async () => {
  const uri = testDatabaseUri();
  const config = loadConfig({ NODE_ENV: 'test', MONGODB_URI: uri, LOG_LEVEL: 'silent' });
  const database = await openDatabase(config, createLogger('silent'), { dbName: uniqueDatabaseName(), sweepIntervalMs: 0 });
  return {
    repository: createMongoSessionRepository(database.models),
    async close() {
      await database.connection.dropDatabase().catch(() => undefined);
      await database.close();
    },
  };
});
