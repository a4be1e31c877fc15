import { Types } from 'mongoose';
import { deleteExpiredDocuments } from '../src/db/expired-sweeper';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** An index as the database lists it, without its name and version: fields in order, and its options. */
interface ListedIndex {
  key: Array<[string, number]>;
  unique?: boolean;
  expireAfterSeconds?: number;
}

async function listedIndexes(collection: string): Promise<ListedIndex[]> {
  const indexes = await t.connection.db!.collection(collection).listIndexes().toArray();
  return indexes
    .map((index) => ({
      key: Object.entries(index.key as Record<string, number>),
      ...(index.unique ? { unique: true } : {}),
      ...(index.expireAfterSeconds !== undefined ? { expireAfterSeconds: index.expireAfterSeconds as number } : {}),
    }))
    .sort(byKey);
}

const byKey = (a: ListedIndex, b: ListedIndex) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key));

describe('indexes and expiry', () => {
  it('has exactly the indexes the queries rely on, with TTL on every expiresAt where the server supports TTL', async () => {
    // FerretDB v1 refuses TTL indexes (it says so in buildInfo as ferretdbVersion); MongoDB takes them.
    const buildInfo = await t.connection.db!.admin().command({ buildInfo: 1 });
    const ttlSupported = !(typeof buildInfo.ferretdbVersion === 'string' && buildInfo.ferretdbVersion.startsWith('v1.'));
    const ttl = ttlSupported ? { expireAfterSeconds: 0 } : {};
    const id: ListedIndex = { key: [['_id', 1]] };
    const expiry: ListedIndex = { key: [['expiresAt', 1]], ...ttl };
    // Sessions stay an hour past their end, for the expiry sweep to end them with their event first.
    const sessionExpiry: ListedIndex = { key: [['expiresAt', 1]], ...(ttlSupported ? { expireAfterSeconds: 3600 } : {}) };
    const expected: Record<string, ListedIndex[]> = {
      users: [id, { key: [['email', 1]], unique: true }],
      sessions: [id, sessionExpiry, { key: [['userId', 1], ['createdAt', -1]] }],
      refresh_tokens: [id, expiry, { key: [['sessionId', 1]] }, { key: [['userId', 1]] }],
      refresh_token_rotations: [id, expiry, { key: [['sessionId', 1]] }],
      session_revocations: [id, expiry, { key: [['userId', 1]] }],
      rate_limit_hits: [id, expiry, { key: [['key', 1], ['at', 1]] }],
      session_event_outbox: [id, { key: [['createdAt', 1]] }, { key: [['receiver', 1], ['nextAttemptAt', 1]] }],
      session_event_failures: [id, { key: [['receiver', 1]] }],
    };
    for (const [collection, indexes] of Object.entries(expected)) {
      expect({ collection, indexes: await listedIndexes(collection) }).toEqual({ collection, indexes: [...indexes].sort(byKey) });
    }
  });

  it('deletes expired tokens and revocations, and sessions an hour past their end, and keeps live ones', async () => {
    const past = new Date(Date.now() - 1000);
    const future = new Date(Date.now() + 60_000);
    const userId = new Types.ObjectId();
    const session = (expiresAt: Date) => ({ _id: new Types.ObjectId(), userId, createdAt: past, lastUsedAt: past, expiresAt, userAgent: '', ip: '' });
    const expired = session(new Date(Date.now() - 3600_000 - 1000));
    const justEnded = session(past);
    const live = session(future);
    await t.models.Session.insertMany([expired, justEnded, live]);
    await t.models.RefreshToken.insertMany([
      { _id: 'expired-token', sessionId: expired._id, userId, createdAt: past, expiresAt: past },
      { _id: 'live-token', sessionId: live._id, userId, createdAt: past, expiresAt: future },
    ]);

    expect(await deleteExpiredDocuments(t.models)).toBeGreaterThanOrEqual(2);
    expect(await t.models.Session.exists({ _id: expired._id })).toBeNull();
    expect(await t.models.Session.exists({ _id: live._id })).not.toBeNull();
    // Its expiry event is the session core's to emit first (src/sessions/session-expiry.ts).
    expect(await t.models.Session.exists({ _id: justEnded._id })).not.toBeNull();
    expect(await t.models.RefreshToken.exists({ _id: 'expired-token' })).toBeNull();
    expect(await t.models.RefreshToken.exists({ _id: 'live-token' })).not.toBeNull();
  });
});
