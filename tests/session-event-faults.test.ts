import type { JWK } from 'jose';
import mongoose, { type Connection } from 'mongoose';
import type { ApiProcess } from './support/api-process';
import { eventsFor, type Received } from './support/event-receiver-process';
import { findFreePort, killHard, runSessionsCommand, startEventApi, startReceiverFor, testSigningKey } from './support/event-test-setup';
import { parsePrometheusText, seriesKey } from './support/metrics-scrape';
import { registerOn, type ProcessSession } from './support/process-client';
import { processDatabase } from './support/process-database';

/**
 * Session-end events under real faults: a receiver that answers 503, one that is down or hangs while the
 * API is SIGKILLed, two API instances delivering the same outbox, a thousand events waiting for a receiver.
 * Each test has its own database, API processes and receiver. Retries run in tenths of a second here
 * (FAST_RETRIES); a killed instance's claims lapse after 8 s.
 */

let key: JWK;
beforeAll(async () => {
  key = await testSigningKey();
});

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

function ownDatabase() {
  const database = processDatabase();
  cleanups.push(() => database.drop());
  return database;
}
function track<T extends { stop(): Promise<void> }>(process: T): T {
  cleanups.push(() => process.stop());
  return process;
}

async function logout(api: ApiProcess, session: ProcessSession): Promise<number> {
  const res = await fetch(`${api.url}/api/v1/auth/logout?scope=local`, { method: 'POST', headers: { Authorization: `Bearer ${session.accessToken}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Signs in `count` users and logs each out: the ended sessions' ids. */
async function signInAndLogOut(api: ApiProcess, count: number): Promise<string[]> {
  const ended: string[] = [];
  for (let i = 0; i < count; i++) {
    const session = await registerOn(api);
    expect(await logout(api, session)).toBe(200);
    ended.push(session.sessionId);
  }
  return ended;
}

const allArrived = (sessionIds: string[]) => (received: Received) => [...eventsFor(received, sessionIds).values()].every((events) => events.length > 0);

function expectEachOnce(received: Received, sessionIds: string[]): void {
  const counts = [...eventsFor(received, sessionIds).entries()].map(([id, events]) => [id, events.length, events[0]?.count]);
  expect(counts).toEqual(sessionIds.map((id) => [id, 1, 1]));
}

async function outboxCount(uri: string): Promise<number> {
  const connection: Connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    return await connection.collection('session_event_outbox').countDocuments({});
  } finally {
    await connection.close();
  }
}

/** The sender deletes an event just after the receiver's 202: the outbox empties a moment after arrival. */
async function outboxEmptied(uri: string): Promise<number> {
  let count = await outboxCount(uri);
  for (let i = 0; i < 100 && count > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    count = await outboxCount(uri);
  }
  return count;
}

async function scrape(metricsPort: number): Promise<Map<string, number>> {
  return parsePrometheusText(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
}

describe('delivery survives faults: every event arrives', () => {
  it('the receiver answers 503 for a while, then 202: every event arrives, once each', async () => {
    const database = ownDatabase();
    const receiverPort = await findFreePort();
    const api = track(await startEventApi(database.uri, receiverPort, key));
    const receiver = track(await startReceiverFor(api, receiverPort));
    await receiver.setMode('unavailable');
    const ended = await signInAndLogOut(api, 5);
    // The sender met the fault several times (retries included) before the receiver recovers.
    await receiver.waitFor((r) => r.faults.unavailable >= 8);
    await receiver.setMode('accept');
    expectEachOnce(await receiver.waitFor(allArrived(ended)), ended);
    expect(await outboxEmptied(database.uri)).toBe(0);
  }, 90_000);

  it('the receiver is down while the API is SIGKILLed and restarted: every event arrives after both are back', async () => {
    const database = ownDatabase();
    const receiverPort = await findFreePort();
    const first = await startEventApi(database.uri, receiverPort, key);
    cleanups.push(() => first.stop());
    const ended = await signInAndLogOut(first, 5);
    await killHard(first);
    const second = track(await startEventApi(database.uri, receiverPort, key));
    const receiver = track(await startReceiverFor(second, receiverPort));
    expectEachOnce(await receiver.waitFor(allArrived(ended)), ended);
  }, 90_000);

  it('the API is SIGKILLed while its deliveries hang (claims held): after the lease lapses, the restarted API delivers them', async () => {
    const database = ownDatabase();
    const receiverPort = await findFreePort();
    const first = await startEventApi(database.uri, receiverPort, key);
    cleanups.push(() => first.stop());
    const hanging = await startReceiverFor(first, receiverPort);
    cleanups.push(() => hanging.stop());
    await hanging.setMode('hang');
    const ended = await signInAndLogOut(first, 3);
    await hanging.waitFor((r) => r.faults.hung >= 1);
    await killHard(first);
    await hanging.stop();
    const second = track(await startEventApi(database.uri, receiverPort, key));
    // The same receiver back, reading the keys from the instance that is alive.
    const receiver = track(await startReceiverFor(second, receiverPort));
    const received = await receiver.waitFor(allArrived(ended), 30_000);
    // A delivery cut off by the kill may have reached the receiver before: at least once, never lost.
    expect([...eventsFor(received, ended).values()].map((events) => events.length)).toEqual([1, 1, 1]);
    expect(second.url).not.toBe(first.url);
  }, 90_000);
});

describe('two API instances on one outbox', () => {
  it('deliver every event exactly once between them, while both work the same due events', async () => {
    const database = ownDatabase();
    const receiverPort = await findFreePort();
    const [metricsA, metricsB] = [await findFreePort(), await findFreePort()];
    const a = track(await startEventApi(database.uri, receiverPort, key, { METRICS_PORT: String(metricsA) }));
    const b = track(await startEventApi(database.uri, receiverPort, key, { METRICS_PORT: String(metricsB) }));
    const receiver = track(await startReceiverFor(a, receiverPort));
    // Down first, so that both instances find the same backlog due when it comes back.
    await receiver.setMode('unavailable');
    const ended = [...(await signInAndLogOut(a, 20)), ...(await signInAndLogOut(b, 20))];
    await receiver.waitFor((r) => r.faults.unavailable >= 2);
    // The first SET is held until a second comes; the first sender waits on its probe meanwhile, so the
    // second is the other sender's: both work the backlog at the same time, by construction.
    await receiver.setMode('accept-paired');
    const received = await receiver.waitFor(allArrived(ended), 30_000);
    expectEachOnce(received, ended);
    expect(received.faults.paired).toBe(1);
    // Each sender counts a delivery once it has deleted the event, a moment after the receiver's 202.
    expect(await outboxEmptied(database.uri)).toBe(0);
    const host = `127.0.0.1:${receiverPort}`;
    const scrapeDelivered = () => Promise.all([metricsA, metricsB].map(async (port) => (await scrape(port)).get(seriesKey('session_events_delivered_total', { receiver: host })) ?? 0));
    let delivered = await scrapeDelivered();
    // The counter moves when the sender has the delete's answer, a moment after the outbox is empty.
    for (let i = 0; i < 50 && delivered[0]! + delivered[1]! < ended.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      delivered = await scrapeDelivered();
    }
    expect(delivered[0]! + delivered[1]!).toBe(ended.length);
    // Both delivered some: they worked the backlog at the same time (else this proves nothing).
    expect(delivered.every((count) => count > 0)).toBe(true);
  }, 120_000);
});

describe('a receiver that refuses, and one that never comes back', () => {
  it('400 with an RFC 8935 error: counted as rejected, not retried, gone from the outbox', async () => {
    const database = ownDatabase();
    const receiverPort = await findFreePort();
    const metricsPort = await findFreePort();
    const api = track(await startEventApi(database.uri, receiverPort, key, { METRICS_PORT: String(metricsPort) }));
    const receiver = track(await startReceiverFor(api, receiverPort));
    await receiver.setMode('reject');
    await signInAndLogOut(api, 2);
    const host = `127.0.0.1:${receiverPort}`;
    for (let i = 0; i < 100 && (await scrape(metricsPort)).get(seriesKey('session_events_rejected_total', { receiver: host })) !== 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const samples = await scrape(metricsPort);
    expect(samples.get(seriesKey('session_events_rejected_total', { receiver: host }))).toBe(2);
    expect(samples.get(seriesKey('session_events_emitted_total', { receiver: host }))).toBe(2);
    expect(await outboxEmptied(database.uri)).toBe(0);
    expect(api.output()).not.toMatch(/eyJ/); // the refused token is never logged
  }, 60_000);

  it('past the horizon an event fails (counted), and the operator puts it back: then it arrives', async () => {
    const database = ownDatabase();
    const receiverPort = await findFreePort();
    const metricsPort = await findFreePort();
    const api = track(await startEventApi(database.uri, receiverPort, key, { METRICS_PORT: String(metricsPort), SESSION_EVENT_RETRY_HORIZON: '2s' }));
    const [session] = await signInAndLogOut(api, 1);
    const host = `127.0.0.1:${receiverPort}`;
    for (let i = 0; i < 100 && (await scrape(metricsPort)).get(seriesKey('session_events_failed_total', { receiver: host })) !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await scrape(metricsPort)).get(seriesKey('session_events_failed_total', { receiver: host }))).toBe(1);
    const pending = await runSessionsCommand(['events', 'pending'], { MONGODB_URI: database.uri });
    expect(pending.stdout).toBe('no pending session events; 1 failed\n');

    const receiver = track(await startReceiverFor(api, receiverPort));
    const retry = await runSessionsCommand(['events', 'retry', receiver.eventsUrl], { MONGODB_URI: database.uri });
    expect(retry).toMatchObject({ code: 0, stdout: `1 failed session event of ${receiver.eventsUrl} back in the outbox; the API instances deliver them now\n` });
    expectEachOnce(await receiver.waitFor(allArrived([session!])), [session!]);
  }, 60_000);
});

describe('an event is written before its revocation and sent only once the revocation exists', () => {
  it('an intent without its revocation is looked at and held back; once the revocation is inserted, it arrives', async () => {
    const database = ownDatabase();
    const receiverPort = await findFreePort();
    const api = track(await startEventApi(database.uri, receiverPort, key));
    const receiver = track(await startReceiverFor(api, receiverPort));
    const connection: Connection = await mongoose.createConnection(database.uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
    cleanups.push(() => connection.close());
    // What a process leaves behind when it dies (or its database fails) between the two inserts.
    const sessionId = new mongoose.Types.ObjectId();
    const userId = new mongoose.Types.ObjectId();
    const now = new Date();
    const outbox = connection.collection<{ _id: string; generation: number }>('session_event_outbox');
    await outbox.insertOne({
      _id: `${sessionId.toString()}:fixture`,
      jti: `fixture-${sessionId.toString()}`,
      receiver: receiver.eventsUrl,
      userId: userId.toString(),
      sessionId: sessionId.toString(),
      reason: 'logout',
      initiatedBy: 'user',
      endedAt: now,
      createdAt: now,
      generation: 0,
      attempts: 0,
      nextAttemptAt: now,
      awaitsCommit: true,
    } as never);
    // Held back at least twice (each look moves it to a new generation), and never sent meanwhile.
    for (let i = 0; i < 200 && ((await outbox.findOne({ _id: `${sessionId.toString()}:fixture` }))?.generation ?? 0) < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await outbox.findOne({ _id: `${sessionId.toString()}:fixture` }))?.generation).toBeGreaterThanOrEqual(2);
    expect(eventsFor(await receiver.received(), [sessionId.toString()]).get(sessionId.toString())).toEqual([]);

    await connection.collection('session_revocations').insertOne({ _id: sessionId, userId, reason: 'logout', revokedAt: now, expiresAt: new Date(Date.now() + 3_600_000) } as never);
    expectEachOnce(await receiver.waitFor(allArrived([sessionId.toString()])), [sessionId.toString()]);
  }, 60_000);
});
