import mongoose from 'mongoose';
import request from 'supertest';
import { operationLimits } from '../src/db/connection';
import { bearer, loginUser, PASSWORD, registerUser, uniqueEmail, type SignedInUser, REFRESH_COOKIE } from './support/auth-helpers';
import { startOwnDatabase, type OwnDatabase } from './support/own-database';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The database hangs: its process is stopped (SIGSTOP), so connections are still accepted but nothing
 * answers, unlike a database that is gone (tests/database-outage.test.ts). Every request that needs the
 * database must still answer 503 within DB_OPERATION_TIMEOUT_MS, alone and 20 at once, and the same app
 * must work again once the database is resumed (SIGCONT). Before the fix these took 15 to 20 s with the
 * default bound of 5 s.
 */

/** DB_OPERATION_TIMEOUT_MS for this file: the mechanism scales with it, and a short one keeps the file quick. */
const BOUND_MS = 2_000;
/**
 * What the documented bound allows beyond DB_OPERATION_TIMEOUT_MS (docs/SCALING.md, issue 21): timer and
 * scheduling delay on a shared two-core machine, and the in-process HTTP round trip. The driver itself
 * overshoots by a few ms.
 */
const MARGIN_MS = 500;

let db: OwnDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await startOwnDatabase();
  t = await startTestApp({ DB_OPERATION_TIMEOUT_MS: String(BOUND_MS) }, 'hang', { databaseUri: db.uri });
}, 60_000);

afterEach(async () => {
  db.resume();
  await waitUntilReady();
});

afterAll(async () => {
  await t?.connection.close(true);
  await db?.close();
});

const api = () => request(t.app);

/** Polls readiness until the app says it is ready (the first poll after a resume may still be a 503). */
async function waitUntilReady(deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if ((await api().get('/readyz')).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready ${deadlineMs} ms after the database was resumed`);
}

async function timed(send: () => request.Test): Promise<{ res: request.Response; elapsedMs: number }> {
  const started = performance.now();
  // The supertest timeout only keeps a regression from hanging the suite; the bound is asserted below.
  const res = await send().timeout(30_000);
  return { res, elapsedMs: performance.now() - started };
}

function expectUnavailableInTime({ res, elapsedMs }: { res: request.Response; elapsedMs: number }) {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ success: false, code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(elapsedMs).toBeLessThanOrEqual(BOUND_MS + MARGIN_MS);
}

type Send = (user: SignedInUser, other: SignedInUser) => request.Test;

const requestsThatNeedTheDatabase: Array<[string, Send]> = [
  ['POST /auth/register', () => api().post('/api/v1/auth/register').send({ email: uniqueEmail(), password: PASSWORD })],
  ['POST /auth/login', (user) => api().post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD })],
  ['POST /auth/refresh', (user) => api().post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`)],
  ['POST /auth/logout', (user) => api().post('/api/v1/auth/logout').set(...bearer(user))],
  ['POST /auth/logout by the refresh cookie alone', (user) => api().post('/api/v1/auth/logout').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`)],
  ['POST /auth/logout?scope=global', (user) => api().post('/api/v1/auth/logout?scope=global').set(...bearer(user))],
  ['GET /auth/sessions', (user) => api().get('/api/v1/auth/sessions').set(...bearer(user))],
  ['DELETE /auth/sessions/:id', (user, other) => api().delete(`/api/v1/auth/sessions/${other.sessionId}`).set(...bearer(user))],
  // The first call of a session: a session the instance remembers answers from memory within the lease,
  // user included (docs/SCALING.md); the next describe covers it once the lease has run out.
  ['GET /users/me, the first call of a session', (_user, other) => api().get('/api/v1/users/me').set(...bearer(other))],
  ['GET /auth/verify (forward auth), the first call of a session', (_user, other) => api().get('/api/v1/auth/verify').set(...bearer(other))],
  ['POST /users/me/password', (user) => api().post('/api/v1/users/me/password').set(...bearer(user)).send({ currentPassword: PASSWORD, newPassword: 'another good password' })],
];

/** A user with two sessions, and a request that proves the app and its connections are warm. */
async function signedInTwice(): Promise<[SignedInUser, SignedInUser]> {
  const user = await registerUser(t.app);
  const other = await loginUser(t.app, user.email);
  expect((await api().get('/api/v1/users/me').set(...bearer(user))).status).toBe(200);
  return [user, other];
}

describe('the database process hangs (SIGSTOP) while the API runs', () => {
  it.each(requestsThatNeedTheDatabase)('%s answers 503 SERVICE_UNAVAILABLE within the bound', async (_name, send) => {
    const [user, other] = await signedInTwice();
    await db.pause();
    expectUnavailableInTime(await timed(() => send(user, other)));
  });

  it('login, register and refresh with their per-IP limits on answer 503 within the bound too: the limiter does not make them wait twice', async () => {
    // The suite's other apps run with every limit off; this one with the defaults' limiters counting.
    const limited = await startTestApp(
      { DB_OPERATION_TIMEOUT_MS: String(BOUND_MS), RATE_LIMIT_LOGIN_PER_IP: '100', RATE_LIMIT_REGISTER_PER_IP: '100', RATE_LIMIT_REFRESH_PER_IP: '300' },
      'hang',
      { databaseUri: db.uri },
    );
    try {
      const user = await registerUser(limited.app);
      await db.pause();
      const sends = [
        () => request(limited.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD }),
        () => request(limited.app).post('/api/v1/auth/register').send({ email: uniqueEmail(), password: PASSWORD }),
        () => request(limited.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`),
      ];
      for (const send of sends) {
        const { res, elapsedMs } = await timed(send);
        expect(res.status).toBe(503);
        // A limiter that waited out the database and then let the route wait again took 1.5 times the bound.
        expect(elapsedMs).toBeLessThanOrEqual(BOUND_MS * 1.25);
      }
    } finally {
      await limited.connection.close(true);
    }
  });

  it('20 concurrent requests all answer 503 within the bound', async () => {
    const [user, other] = await signedInTwice();
    await db.pause();
    const sends = Array.from({ length: 20 }, (_, i) => requestsThatNeedTheDatabase[i % requestsThatNeedTheDatabase.length]![1]);
    const answers = await Promise.all(sends.map((send) => timed(() => send(user, other))));
    for (const answer of answers) expectUnavailableInTime(answer);
  });

  it('GET /readyz answers 503 with Retry-After within its own 2 s probe, and /healthz still 200', async () => {
    await signedInTwice();
    await db.pause();
    const ready = await timed(() => api().get('/readyz'));
    expectUnavailableInTime(ready);
    expect((await api().get('/healthz')).status).toBe(200);
  });

  it('requests that need no database answer as usual meanwhile', async () => {
    await db.pause();
    const bad = await timed(() => api().post('/api/v1/auth/login').send({ email: 'not an email', password: 'x' }));
    expect(bad.res.status).toBe(400);
    expect(bad.elapsedMs).toBeLessThan(MARGIN_MS);
    expect((await api().get('/api/v1/users/me')).status).toBe(401);
  });
});

describe('a session this instance remembers, once its lease has run out with the database hung (issue 21, finding 5)', () => {
  // A request whose session was remembered but unverified waited for the feed poll in flight to time out,
  // then made its own read, and answered after up to twice the bound (7.0 s at the default 5 s).
  /** Long enough after the pause for the lease (REVOCATION_LEASE_MS, 150 ms here) to run out while a poll hangs. */
  const PAST_THE_LEASE_MS = 300;

  async function rememberedSessions(count: number): Promise<SignedInUser[]> {
    const users = await Promise.all(Array.from({ length: count }, () => registerUser(t.app)));
    for (const user of users) expect((await api().get('/api/v1/users/me').set(...bearer(user))).status).toBe(200);
    return users;
  }

  it('GET /users/me answers 503 within the bound, alone', async () => {
    expect(t.config.sessionMemory.leaseMs).toBeGreaterThan(0);
    const [user] = await rememberedSessions(1);
    await db.pause();
    // A real fault on a real clock: the poll in flight must be hung and the lease over when the request comes.
    await new Promise((resolve) => setTimeout(resolve, PAST_THE_LEASE_MS));
    expectUnavailableInTime(await timed(() => api().get('/api/v1/users/me').set(...bearer(user!))));
  });

  it('GET /auth/verify (forward auth) answers 503 within the bound, alone', async () => {
    const [user] = await rememberedSessions(1);
    await db.pause();
    await new Promise((resolve) => setTimeout(resolve, PAST_THE_LEASE_MS));
    expectUnavailableInTime(await timed(() => api().get('/api/v1/auth/verify').set(...bearer(user!))));
  });

  it('20 concurrent requests of remembered sessions all answer 503 within the bound', async () => {
    const users = await rememberedSessions(4);
    await db.pause();
    await new Promise((resolve) => setTimeout(resolve, PAST_THE_LEASE_MS));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => timed(() => api().get('/api/v1/users/me').set(...bearer(users[i % users.length]!)))));
    for (const answer of answers) expectUnavailableInTime(answer);
  });
});

describe('a connection that cannot be opened is not retried past the budget', () => {
  // Driver 7 retries an operation whose connection could not be opened (labelled as an overloaded server)
  // up to twice more, with a backoff, reads and writes alike: three attempts where the budget counts two.
  // In the app that happens when a handshake's timeout comes before the checkout's, a race between two
  // timers of the same length. Here the handshake timeout is a tenth of the checkout's, so every new
  // connection fails first and the retries, if any, are certain. Attempts are counted by checkouts.
  it('a read against a hung database makes at most the two attempts the budget counts', async () => {
    const connection = await mongoose.createConnection(db.uri, { ...operationLimits(BOUND_MS), connectTimeoutMS: BOUND_MS / 10 }).asPromise();
    try {
      await connection.collection('probe').findOne({}); // one open connection, idle in the pool
      let checkouts = 0;
      connection.getClient().on('connectionCheckOutStarted', () => checkouts++);
      await db.pause();

      // The idle connection times out on its reply; the one retry of a read then cannot open a connection.
      await expect(connection.collection('probe').findOne({})).rejects.toMatchObject({ name: 'MongoNetworkTimeoutError' });
      expect(checkouts).toBe(2);
      // No idle connection left: the first attempt cannot open one, and that is not retried.
      checkouts = 0;
      await expect(connection.collection('probe').findOne({})).rejects.toMatchObject({ name: 'MongoNetworkTimeoutError' });
      expect(checkouts).toBe(1);
      // Nor is a write.
      checkouts = 0;
      await expect(connection.collection('probe').insertOne({ at: 1 })).rejects.toMatchObject({ name: 'MongoNetworkTimeoutError' });
      expect(checkouts).toBe(1);
    } finally {
      db.resume();
      await connection.close(true);
    }
  });
});

describe('the database resumes (SIGCONT)', () => {
  it('the same app instance works again without a restart, with what was written before the hang', async () => {
    const [user, other] = await signedInTwice();
    await db.pause();
    expectUnavailableInTime(await timed(() => api().get('/api/v1/users/me').set(...bearer(other))));
    db.resume();
    await waitUntilReady();

    expect((await api().get('/api/v1/users/me').set(...bearer(user))).status).toBe(200);
    const again = await loginUser(t.app, user.email);
    const refreshed = await api().post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${again.refreshToken}`);
    expect(refreshed.status).toBe(200);
    expect((await api().post('/api/v1/auth/logout').set(...bearer(again))).status).toBe(200);
    expect((await api().get('/api/v1/users/me').set(...bearer(again))).status).toBe(401);
    expect(await t.models.SessionRevocation.exists({ _id: again.sessionId })).not.toBeNull();
  });
});
