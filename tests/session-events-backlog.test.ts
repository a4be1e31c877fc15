import type { ApiProcess } from './support/api-process';
import { eventsFor } from './support/event-receiver-process';
import { findFreePort, startEventApi, startReceiverFor, testSigningKey } from './support/event-test-setup';
import { registerOn, type ProcessSession } from './support/process-client';
import { processDatabase } from './support/process-database';

/**
 * A thousand logouts while the receiver is down, then it comes up: all thousand events arrive, each once,
 * within a bound; and the logouts themselves never waited for the receiver (their p99 is printed, and held
 * to a generous bound: the bench measures logout with five receivers against none).
 */

const LOGOUTS = 1000;
const CONCURRENCY = 8;
/** After the receiver is up; documented in docs/PERFORMANCE.md (seen: 33 s at load 13 on 2 cores). */
const ARRIVAL_BOUND_MS = 90_000;
const LOGOUT_P99_BOUND_MS = 5_000;

const database = processDatabase();
let api: ApiProcess | undefined;
afterAll(async () => {
  await api?.stop();
  await database.drop();
});

let retriedLogouts = 0;

/**
 * One logout as a client makes it: on 503 (the database slow to answer on a crowded machine) it tries again,
 * and a 401 after a 503 means the first attempt did end the session. Either way its event must arrive:
 * that is the repair path of docs/ARCHITECTURE.md. Returns the first attempt's duration.
 */
async function timedLogout(instance: ApiProcess, session: ProcessSession): Promise<number> {
  let first: number | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = performance.now();
    const res = await fetch(`${instance.url}/api/v1/auth/logout?scope=local`, { method: 'POST', headers: { Authorization: `Bearer ${session.accessToken}` } });
    await res.arrayBuffer();
    first ??= performance.now() - started;
    if (res.status === 200 || (res.status === 401 && attempt > 0)) return first;
    if (res.status !== 503) throw new Error(`logout answered ${res.status}`);
    retriedLogouts += 1;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('logout answered 503 five times');
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

it(`${LOGOUTS} logouts with the receiver down, then up: all ${LOGOUTS} events arrive, once each`, async () => {
  const key = await testSigningKey();
  const receiverPort = await findFreePort();
  api = await startEventApi(database.uri, receiverPort, key);
  const instance = api;

  const ended: string[] = [];
  const durations: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < LOGOUTS) {
        next += 1;
        const session = await registerOn(instance);
        durations.push(await timedLogout(instance, session));
        ended.push(session.sessionId);
      }
    }),
  );
  durations.sort((a, b) => a - b);
  const p50 = percentile(durations, 50);
  const p99 = percentile(durations, 99);
  console.log(`${LOGOUTS} logouts with the receiver down: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ${retriedLogouts} retried after a 503`);
  expect(p99).toBeLessThan(LOGOUT_P99_BOUND_MS);

  const receiver = await startReceiverFor(instance, receiverPort);
  try {
    const upAt = Date.now();
    const received = await receiver.waitFor((r) => r.events.length >= LOGOUTS, ARRIVAL_BOUND_MS);
    console.log(`all ${LOGOUTS} events arrived ${((Date.now() - upAt) / 1000).toFixed(1)} s after the receiver came up`);
    // Every session's event, under its one jti; a delivery answered later than the timeout is sent again
    // (at least once), which the receiver counts and de-duplicates: printed, not failed.
    const counts = [...eventsFor(received, ended).values()].map((events) => events.length);
    expect(counts.filter((count) => count !== 1)).toEqual([]);
    console.log(`${received.events.filter((event) => event.count > 1).length} of them delivered more than once (de-duplicated by jti)`);
  } finally {
    await receiver.stop();
  }
}, 300_000);
