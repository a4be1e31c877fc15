import mongoose from 'mongoose';
import { testDatabaseUri, uniqueDatabaseName } from './test-app';

/**
 * A database of its own on the run's server, for API processes (which open it themselves): `drop()` removes
 * it and whatever they wrote, so that a run leaves nothing behind on a server it was given (MONGODB_URI).
 */
export function processDatabase(query = ''): { uri: string; drop(): Promise<void> } {
  const uri = `${testDatabaseUri()}${uniqueDatabaseName()}${query}`;
  return {
    uri,
    async drop() {
      const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    },
  };
}
