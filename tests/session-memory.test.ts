import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createMongoRevocationFeed, FEED_RETENTION_MS } from '../src/db/mongo-revocation-feed';
import { createSessionModels } from '../src/db/session-models';
import { createSessionMemory, type SessionMemory } from '../src/sessions/session-memory';
import { ConfigError, loadConfig } from '../src/config';
import { bearer, cookiesOf, loginUser, registerUser, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { isOperation, mintingFor, recordOperations, refreshesAcross, roundsUntilRaced, startAt } from './support/operation-log';
import { startTestApp, uniqueDatabaseName, type TestApp } from './support/test-app';

/**
 * Session memory (src/sessions/session-memory.ts) with the default settings: what an instance does when it
 * revokes a session itself, which database queries an authenticated request sends, and the feed's rules.
 * Several instances are in several-instances.test.ts.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const me = (app: TestApp, accessToken: string) => request(app.app).get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);
const refresh = (refreshToken: string) => request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${refreshToken}`);

describe('memory on the instance that revokes', () => {
  it('rejects the old access token right after logout, although the session was remembered', async () => {
    const user = await registerUser(t.app);
    expect((await me(t, user.accessToken)).status).toBe(200);
    expect((await me(t, user.accessToken)).status).toBe(200);

    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);
    expect((await me(t, user.accessToken)).status).toBe(401);
    expect((await refresh(user.refreshToken)).status).toBe(401);
  });

  it('rejects a remembered session revoked by DELETE /sessions/:id and by a password change', async () => {
    const user = await registerUser(t.app);
    const laptop = await loginUser(t.app, user.email);
    const phone = await loginUser(t.app, user.email);
    for (const device of [user, laptop, phone]) expect((await me(t, device.accessToken)).status).toBe(200);

    const { sid } = jwt.decode(laptop.accessToken) as { sid: string };
    expect((await request(t.app).delete(`/api/v1/auth/sessions/${sid}`).set(...bearer(user))).status).toBe(200);
    expect((await me(t, laptop.accessToken)).status).toBe(401);

    const changed = await request(t.app)
      .post('/api/v1/users/me/password')
      .set(...bearer(user))
      .send({ currentPassword: user.password, newPassword: 'another long passphrase' });
    expect(changed.status).toBe(200);
    expect((await me(t, phone.accessToken)).status).toBe(401);
    expect((await me(t, user.accessToken)).status).toBe(200);
  });

  it('once logout has answered 200, no token of the session works, not even one minted by a racing refresh', async () => {
    // At least three rounds, and until refreshes were caught mid-rotation by the revocation in one of them.
    await roundsUntilRaced(async () => {
      const user: SignedInUser = await registerUser(t.app);
      expect((await me(t, user.accessToken)).status).toBe(200);

      // Refreshes and reads of the remembered session all at once; the logout starts when the first refresh
      // has read the session as live and is minting. (A read begun before a revocation and ended after it
      // is forced below, in 'memory that cannot vouch for itself': over HTTP it cannot be timed.)
      const logout = startAt(mintingFor([user.sessionId]), () => request(t.app).post('/api/v1/auth/logout').set(...bearer(user)));
      const log = recordOperations(t.connection, logout.onOperation);
      let racing: request.Response[];
      try {
        racing = await Promise.all([...Array.from({ length: 8 }, () => refresh(user.refreshToken)), ...Array.from({ length: 8 }, () => me(t, user.accessToken))]);
        expect((await logout.result()).status).toBe(200);
      } finally {
        log.stop();
      }
      const minted = racing.slice(0, 8).filter((res) => res.status === 200);
      const accessTokens = [user.accessToken, ...minted.map((res) => res.body.accessToken as string)];
      const refreshTokens = [user.refreshToken, ...minted.map((res) => cookiesOf(res)[REFRESH_COOKIE]?.value).filter((v): v is string => !!v)];
      for (const token of accessTokens) expect((await me(t, token)).status).toBe(401);
      for (const token of refreshTokens) expect((await refresh(token)).status).toBe(401);
      // Caught: refreshes that had read the session live before the revocation and claimed after it.
      const [revocation] = log.positions(isOperation('session_revocations', 'insertOne', (doc) => String(doc._id) === user.sessionId));
      return refreshesAcross(log, user.sessionId, revocation!) > 0;
    }, { atLeast: 3 });
  });
});

describe('database queries of an authenticated request, counted on the real database', () => {
  const SESSION_COLLECTIONS = new Set(['sessions', 'session_revocations']);
  let queries: string[] = [];
  let other: TestApp;

  beforeAll(async () => {
    // Two instances on one database; the counted one is `t`. Mongoose reports every operation it sends.
    other = await startTestApp({}, t.dbName);
    t.connection.set('debug', (collection: string, method: string) => {
      queries.push(`${collection}.${method}`);
    });
  });
  afterAll(async () => {
    t.connection.set('debug', false);
    await other.connection.close();
  });

  const sessionQueries = () => queries.filter((query) => SESSION_COLLECTIONS.has(query.split('.')[0]!));

  it('reads the session and its user once; then GET /users/me with the known session sends no query at all', async () => {
    const user = await registerUser(t.app);
    queries = [];
    const first = await me(t, user.accessToken);
    expect(first.status).toBe(200);
    expect(sessionQueries()).toEqual(['sessions.findOne', 'session_revocations.findOne']);
    expect(queries.filter((query) => query.startsWith('users.'))).toEqual(['users.findOne']);

    queries = [];
    for (let i = 0; i < 10; i += 1) {
      const res = await me(t, user.accessToken);
      expect(res.status).toBe(200);
      expect(res.body.user).toEqual(first.body.user);
    }
    // The user's public fields are kept beside the remembered session (src/users/user-service.ts).
    expect(queries.filter((query) => !query.startsWith('revocation_feed.'))).toEqual([]);
  });

  it('a known session whose account another instance deleted is refused, and its user never served again', async () => {
    const user = await registerUser(t.app);
    const laptop = await loginUser(t.app, user.email);
    expect((await me(t, user.accessToken)).status).toBe(200);
    expect((await me(t, laptop.accessToken)).status).toBe(200);
    const deleted = await request(other.app).delete('/api/v1/users/me').set(...bearer(laptop)).send({ password: user.password });
    expect(deleted.status).toBe(200);
    const after = await me(t, user.accessToken);
    expect(after.status).toBe(401);
    expect(after.body.user).toBeUndefined();
  });

  it('a session revoked on another instance is refused from what the feed said; a replay costs no query either', async () => {
    const user = await registerUser(t.app);
    expect((await me(t, user.accessToken)).status).toBe(200);
    queries = [];
    expect((await request(other.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);

    for (let i = 0; i < 5; i += 1) expect((await me(t, user.accessToken)).status).toBe(401);
    expect(sessionQueries()).toEqual([]);
    // The revocation arrived through the feed, the one query the memory sends on its own.
    expect(queries.filter((query) => query.startsWith('revocation_feed.')).length).toBeGreaterThan(0);
  });

  it('a session revoked on another instance by its id in upper case is refused from the feed all the same', async () => {
    const phone = await registerUser(t.app);
    const laptop = await loginUser(t.app, phone.email);
    expect((await me(t, phone.accessToken)).status).toBe(200);
    queries = [];
    const revoked = await request(other.app).delete(`/api/v1/auth/sessions/${phone.sessionId.toUpperCase()}`).set(...bearer(laptop));
    expect(revoked.status).toBe(200);

    expect((await me(t, phone.accessToken)).status).toBe(401);
    // Refused by what the feed said, not by a read: the feed carries the id as this instance remembers it.
    expect(sessionQueries()).toEqual([]);
  });

  it('a revoked session this instance never saw is read once, then remembered as dead', async () => {
    const user = await registerUser(other.app);
    expect((await request(other.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);
    // Until `t` polls, it knows nothing of this session; whichever comes first, the database or the feed
    // tells it, and after that no replay reads the database.
    queries = [];
    for (let i = 0; i < 5; i += 1) expect((await me(t, user.accessToken)).status).toBe(401);
    expect(sessionQueries().length).toBeLessThanOrEqual(2);
    queries = [];
    for (let i = 0; i < 5; i += 1) expect((await me(t, user.accessToken)).status).toBe(401);
    expect(sessionQueries()).toEqual([]);
  });
});

describe('the revocation feed', () => {
  const feedOf = (app: TestApp) => createMongoRevocationFeed(app.models);

  it('numbers concurrent appends of many instances densely: each number once, none skipped', async () => {
    const start = await feedOf(t).currentSeq();
    // A feed object per append: twelve instances racing for the same numbers.
    const log = recordOperations(t.connection);
    let seqs: number[];
    try {
      seqs = await Promise.all(Array.from({ length: 12 }, (_, i) => feedOf(t).append([`concurrent-${i}`])));
    } finally {
      log.stop();
    }
    // The race happened: appends lost numbers to each other and tried again (12 inserts would mean none did).
    const inserts = log.positions(isOperation('revocation_feed', 'insertOne', (doc) => String(doc.sessionIds).startsWith('concurrent-')));
    expect(inserts.length).toBeGreaterThan(12);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => start + 1 + i));
    const entries = await feedOf(t).readFrom(start + 1);
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 12 }, (_, i) => start + 1 + i));
  });

  it('one instance groups the appends that wait for a running one into a single entry', async () => {
    const feed = feedOf(t);
    const seqs = await Promise.all(Array.from({ length: 12 }, (_, i) => feed.append([`grouped-${i}`])));
    const distinct = [...new Set(seqs)].sort((x, y) => x - y);
    expect(distinct).toHaveLength(2);
    const entries = await t.models.RevocationFeedEntry.find({ _id: { $in: distinct } }).lean();
    expect(entries.flatMap((entry) => entry.sessionIds).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `grouped-${i}`).sort());
  });

  it('a read from any position returns every entry above it, across powers of ten and read spans, and what is left after pruning', async () => {
    // A feed of its own whose numbers cross 10, 100 and 1000, and more than one read span (1000) above 1000.
    const models = createSessionModels(t.connection.useDb(uniqueDatabaseName()));
    const feed = createMongoRevocationFeed(models);
    const now = new Date();
    await models.RevocationFeedEntry.insertMany(Array.from({ length: 2506 }, (_, seq) => ({ _id: seq, sessionIds: [`s-${seq}`], createdAt: now, expiresAt: now })));
    const seqsFrom = async (position: number) => (await feed.readFrom(position)).map((entry) => entry.seq);
    const upTo = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);
    try {
      for (const position of [0, 5, 9, 10, 41, 99, 100, 998, 999, 1000, 1005, 2000, 2505]) expect(await seqsFrom(position)).toEqual(upTo(position, 2505));
      expect((await feed.readFrom(41))[0]).toEqual({ seq: 41, sessionIds: ['s-41'] });
      expect(await seqsFrom(2506)).toEqual([]);
      // An instance that fell behind, past its position's whole read range, finds what is left (and sees that it fell behind).
      await models.RevocationFeedEntry.deleteMany({ _id: { $lt: 150 } });
      expect(await seqsFrom(41)).toEqual(upTo(150, 2505));
      // A range's last number not committed yet ends the read there, as a gap does.
      await models.RevocationFeedEntry.deleteOne({ _id: 1000 });
      expect(await seqsFrom(150)).toEqual(upTo(150, 999));
    } finally {
      await models.RevocationFeedEntry.db.dropDatabase();
    }
  });

  it('appends above the newest entry, whether the numbers it has seen are far below the newest or above a restarted feed', async () => {
    const models = createSessionModels(t.connection.useDb(uniqueDatabaseName()));
    const now = new Date();
    const store = (first: number, last: number) =>
      models.RevocationFeedEntry.insertMany(Array.from({ length: last - first + 1 }, (_, i) => ({ _id: first + i, sessionIds: [], createdAt: now, expiresAt: now })));
    const feed = createMongoRevocationFeed(models);
    try {
      await store(0, 50);
      expect((await feed.readFrom(41)).at(-1)!.seq).toBe(50);
      // Other instances append 2,455 entries: the search climbs from 50 across 100, 1000 and 2000.
      await store(51, 2505);
      const newestReads = async (append: () => Promise<number>) => {
        const log = recordOperations(models.RevocationFeedEntry.db);
        try {
          return { seq: await append(), filters: log.operations.filter((op) => op.method === 'findOne').map((op) => JSON.stringify(op.args[0])) };
        } finally {
          log.stop();
        }
      };
      expect(await newestReads(() => feed.append(['after-others']))).toEqual({
        seq: 2506,
        filters: ['{"_id":{"$gte":50,"$lte":100}}', '{"_id":{"$gte":100,"$lte":1000}}', '{"_id":{"$gte":1000,"$lte":2000}}', '{"_id":{"$gte":2000,"$lte":3000}}'],
      });
      // The feed is dropped and starts again: nothing is kept from 2506 on, so the whole feed is read.
      await models.RevocationFeedEntry.deleteMany({});
      await store(0, 5);
      expect(await newestReads(() => feed.append(['after-restart']))).toEqual({ seq: 6, filters: ['{"_id":{"$gte":2506,"$lte":3506}}', '{}'] });
      expect(await createMongoRevocationFeed(models).currentSeq()).toBe(6);
    } finally {
      await models.RevocationFeedEntry.db.dropDatabase();
    }
  });

  it('pruning deletes only entries below the newest expired one, so the feed never restarts its numbering', async () => {
    const feed = feedOf(t);
    await feed.append(['prune-a']);
    const last = await feed.append(['prune-b']);
    const later = new Date(Date.now() + FEED_RETENTION_MS + 1000);
    await feed.prune(later);
    const left = await t.models.RevocationFeedEntry.find({}).lean();
    expect(left.map((entry) => entry._id)).toEqual([last]);
    expect(await feed.append(['prune-c'])).toBe(last + 1);
  });
});

describe('memory that cannot vouch for itself', () => {
  let clock = 0;
  let memory: SessionMemory;
  const LEASE_MS = 1_000;
  const sessionId = '6b02db12e5a083b87b5ac343';
  const userId = '6b02db11e5a083b87b5a9c33';
  const farFuture = new Date(Date.now() + 60 * 60 * 1000);

  beforeEach(async () => {
    clock = 0;
    memory = createSessionMemory(createMongoRevocationFeed(t.models), { leaseMs: LEASE_MS, maxEntries: 10 }, { now: () => clock });
    await memory.whenPolled();
  });
  afterEach(() => memory.stop());

  it('answers from memory only while its last successful poll started less than the lease ago', async () => {
    memory.rememberActive(sessionId, userId, farFuture, memory.beginRead());
    expect(memory.check(sessionId, userId)).toBe('active');
    clock += LEASE_MS;
    expect(memory.check(sessionId, userId)).toBe('unverified');
    await memory.whenPolled();
    expect(memory.check(sessionId, userId)).toBe('active');
  });

  it('lets a request share a read in flight only while that read began less than the lease ago', () => {
    const read = memory.beginRead();
    clock += LEASE_MS - 1;
    expect(memory.mayShareRead(read.startedAt)).toBe(true);
    clock += 1;
    expect(memory.mayShareRead(read.startedAt)).toBe(false);
  });

  it('a read that began before a revocation was learnt cannot remember the session as active again', () => {
    const ticket = memory.beginRead();
    memory.rememberRevoked(sessionId);
    memory.rememberActive(sessionId, userId, farFuture, ticket);
    expect(memory.check(sessionId, userId)).toBe('revoked');
  });

  it('forgets every session when it finds that it fell behind the feed (its position was pruned)', async () => {
    memory.rememberActive(sessionId, userId, farFuture, memory.beginRead());
    const feed = createMongoRevocationFeed(t.models);
    await feed.append(['behind-1']);
    await feed.append(['behind-2']);
    await feed.append(['behind-3']);
    await feed.prune(new Date(Date.now() + FEED_RETENTION_MS + 1000));
    await memory.whenPolled();
    expect(memory.check(sessionId, userId)).toBe('unknown');
    expect(memory.check('behind-3', userId)).toBe('revoked');
  });

  it('bounds what it remembers: the oldest entries go first, and an old read cannot refill a mark it lost', () => {
    const ticket = memory.beginRead();
    for (let i = 0; i < 11; i += 1) memory.rememberRevoked(`flood-${i}`);
    expect(memory.check('flood-0', userId)).toBe('unknown');
    expect(memory.check('flood-10', userId)).toBe('revoked');
    memory.rememberActive('flood-0', userId, farFuture, ticket);
    expect(memory.check('flood-0', userId)).toBe('unknown');
  });
});

describe('REVOCATION_LEASE_MS', () => {
  it('defaults to a 150 ms lease with memory on', () => {
    expect(loadConfig({}).sessionMemory).toEqual({ leaseMs: 150, maxEntries: 100_000 });
  });

  it('accepts 0 (no memory: every request reads the database) and refuses a negative or non-numeric lease', () => {
    expect(loadConfig({ REVOCATION_LEASE_MS: '0' }).sessionMemory.leaseMs).toBe(0);
    expect(() => loadConfig({ REVOCATION_LEASE_MS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ REVOCATION_LEASE_MS: 'soon' })).toThrow(ConfigError);
  });

  it('refuses the replaced SESSION_CACHE_STALENESS_MS with a message naming its successor', () => {
    expect(() => loadConfig({ SESSION_CACHE_STALENESS_MS: '1000' })).toThrow(/REVOCATION_LEASE_MS/);
  });
});
