import { Types } from 'mongoose';
import { deleteExpiredDocuments } from '../src/db/expired-sweeper';
import { ensureIndexes } from '../src/db/models';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('indexes and expiry', () => {
  it('has a unique index on users.email and a TTL index on sessions.expiresAt where the server supports TTL', async () => {
    const { ttl } = await ensureIndexes(t.models);
    const userIndexes = await t.models.User.collection.indexes();
    expect(userIndexes).toEqual(expect.arrayContaining([expect.objectContaining({ key: { email: 1 }, unique: true })]));
    const expiryIndex = (await t.models.Session.collection.indexes()).find((index) => index.key.expiresAt === 1);
    expect(expiryIndex).toBeDefined();
    // MongoDB: a TTL index; FerretDB v1 rejects TTL, so a plain index stands in and the sweeper deletes.
    expect(expiryIndex?.expireAfterSeconds).toBe(ttl ? 0 : undefined);
  });

  it('deletes expired sessions, tokens and revocations and keeps live ones', async () => {
    const past = new Date(Date.now() - 1000);
    const future = new Date(Date.now() + 60_000);
    const userId = new Types.ObjectId();
    const session = (expiresAt: Date) => ({ _id: new Types.ObjectId(), userId, createdAt: past, lastUsedAt: past, expiresAt, userAgent: '', ip: '' });
    const expired = session(past);
    const live = session(future);
    await t.models.Session.insertMany([expired, live]);
    await t.models.RefreshToken.insertMany([
      { _id: 'expired-token', sessionId: expired._id, userId, createdAt: past, expiresAt: past },
      { _id: 'live-token', sessionId: live._id, userId, createdAt: past, expiresAt: future },
    ]);

    expect(await deleteExpiredDocuments(t.models)).toBeGreaterThanOrEqual(2);
    expect(await t.models.Session.exists({ _id: expired._id })).toBeNull();
    expect(await t.models.Session.exists({ _id: live._id })).not.toBeNull();
    expect(await t.models.RefreshToken.exists({ _id: 'expired-token' })).toBeNull();
    expect(await t.models.RefreshToken.exists({ _id: 'live-token' })).not.toBeNull();
  });
});
