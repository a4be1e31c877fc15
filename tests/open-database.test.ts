import { Types } from 'mongoose';
import { loadConfig } from '../src/config';
import { openDatabase, type OpenDatabase } from '../src/db/open-database';
import { createLogger } from '../src/logger';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';

/** openDatabase, the one way the API, the tests' apps, the operator command and the benchmark open the database. */

const opened: OpenDatabase[] = [];
afterAll(async () => {
  for (const database of opened) {
    if (database.connection.readyState === 1) await database.connection.dropDatabase();
    await database.close();
  }
});

async function open(sweepIntervalMs?: number) {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const config = loadConfig({ NODE_ENV: 'test', MONGODB_URI: testDatabaseUri() });
  const dbName = uniqueDatabaseName();
  const database = await openDatabase(config, logger, { dbName, ...(sweepIntervalMs === undefined ? {} : { sweepIntervalMs }) });
  opened.push(database);
  const messages = () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { database, dbName, messages };
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

const NO_TTL = /does not support TTL indexes: the API deletes expired sessions itself every 50 ms$/;

describe('openDatabase', () => {
  it('opens the database dbName names, with the models and their indexes', async () => {
    const { database, dbName } = await open();
    expect(database.connection.name).toBe(dbName);
    expect(database.uri).toBe(testDatabaseUri());
    const userIndexes = await database.models.User.collection.indexes();
    expect(userIndexes).toEqual(expect.arrayContaining([expect.objectContaining({ key: { email: 1 }, unique: true })]));
    const hitIndexes = await database.models.RateLimitHit.collection.indexes();
    expect(hitIndexes).toEqual(expect.arrayContaining([expect.objectContaining({ key: { key: 1, at: 1 } })]));
  });

  it('where the server refuses TTL indexes, deletes expired documents itself at the interval given; elsewhere a TTL index is there', async () => {
    const { database, messages } = await open(50);
    const { RateLimitHit } = database.models;
    const now = Date.now();
    const hit = (expiresAt: number) => ({ _id: new Types.ObjectId(), key: 'k', at: new Date(now - 1000), expiresAt: new Date(expiresAt) });
    const expired = hit(now - 1);
    const live = hit(now + 60_000);
    await RateLimitHit.insertMany([expired, live]);

    if (messages().some((message) => NO_TTL.test(message))) {
      expect(await until(async () => (await RateLimitHit.exists({ _id: expired._id })) === null, 5000)).toBe(true);
      expect(await RateLimitHit.exists({ _id: live._id })).not.toBeNull();
    } else {
      const expiry = (await RateLimitHit.collection.indexes()).find((index) => index.key.expiresAt === 1);
      expect(expiry?.expireAfterSeconds).toBe(0);
    }
  });

  it('with the interval 0 says nothing about sweeping (the operator command keeps its stderr for its own lines)', async () => {
    const { messages } = await open(0);
    expect(messages()).toEqual([]);
  });

  it('close() closes the connection', async () => {
    const { database } = await open();
    await database.connection.dropDatabase();
    await database.close();
    expect(database.connection.readyState).toBe(0);
  });
});
