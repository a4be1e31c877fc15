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
/** After the receiver is up; documented in docs/PERFORMANCE.md (seen: a few seconds on 2 busy cores). */
const ARRIVAL_BOUND_MS = 90_000;
const LOGOUT_P99_BOUND_MS = 2_000;

const database = processDatabase();
let api: ApiProcess | undefined;
afterAll(async () => {
  await api?.stop();
  await database.drop();
});

async function timedLogout(instance: ApiProcess, session: ProcessSession): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${instance.url}/api/v1/auth/logout?scope=local`, { method: 'POST', headers: { Authorization: `Bearer ${session.accessToken}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`logout answered ${res.status}`);
  return performance.now() - started;
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
  console.log(`${LOGOUTS} logouts with the receiver down: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
  expect(p99).toBeLessThan(LOGOUT_P99_BOUND_MS);

  const receiver = await startReceiverFor(instance, receiverPort);
  try {
    const upAt = Date.now();
    const received = await receiver.waitFor((r) => r.events.length >= LOGOUTS, ARRIVAL_BOUND_MS);
    console.log(`all ${LOGOUTS} events arrived ${((Date.now() - upAt) / 1000).toFixed(1)} s after the receiver came up`);
    const counts = [...eventsFor(received, ended).values()].map((events) => events.length);
    expect(counts.filter((count) => count !== 1)).toEqual([]);
    expect(received.events.filter((event) => event.count !== 1)).toEqual([]);
  } finally {
    await receiver.stop();
  }
}, 300_000);
