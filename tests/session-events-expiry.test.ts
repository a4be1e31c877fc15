import type { JWK } from 'jose';
import type { ApiProcess } from './support/api-process';
import { eventsFor, SESSION_REVOKED, type ReceiverProcess } from './support/event-receiver-process';
import { findFreePort, startEventApi, startReceiverFor, testSigningKey } from './support/event-test-setup';
import { refreshOn, registerOn } from './support/process-client';
import { processDatabase } from './support/process-database';

/**
 * Expiry is a session end like any other: a session that ends by itself reaches the receiver as one SET,
 * `idle_expired` or `absolute_expired`, initiated by policy, within the documented bound after its end:
 * SESSION_EXPIRY_SWEEP_MS + 2 s (the sweep's delay past an end) + one sweep and one delivery. Short
 * lifetimes on a real API process and a real receiver; the bound is asserted with a margin for a busy
 * two-core machine.
 */

const SWEEP_MS = 500;
const BOUND_MS = SWEEP_MS + 2_000;
const MARGIN_MS = 6_000;

const database = processDatabase();
let api: ApiProcess;
let receiver: ReceiverProcess;
let key: JWK;

beforeAll(async () => {
  key = await testSigningKey();
  const port = await findFreePort();
  api = await startEventApi(database.uri, port, key, {
    ACCESS_TOKEN_TTL: '1s',
    REFRESH_TOKEN_TTL: '3s',
    SESSION_ABSOLUTE_LIFETIME: '5s',
    SESSION_EXPIRY_SWEEP_MS: String(SWEEP_MS),
  });
  receiver = await startReceiverFor(api, port);
}, 60_000);
afterAll(async () => {
  await Promise.all([api?.stop(), receiver?.stop()]);
  await database.drop();
});

async function eventOf(sessionId: string, endsAt: number) {
  const received = await receiver.waitFor((r) => (eventsFor(r, [sessionId]).get(sessionId) ?? []).length > 0, endsAt - Date.now() + BOUND_MS + MARGIN_MS);
  const [event, ...more] = eventsFor(received, [sessionId]).get(sessionId)!;
  expect(more).toEqual([]);
  expect(event!.count).toBe(1);
  return { event: event!, arrivedAt: Date.now() };
}

describe('expiry as a signed session-end event', () => {
  it('an idle session: one idle_expired SET, by policy, within the bound after its end', async () => {
    const idle = await registerOn(api);
    const endsAt = Date.now() + 3_000;
    const { event, arrivedAt } = await eventOf(idle.sessionId, endsAt);
    expect(event.claims.events[SESSION_REVOKED]).toEqual({ event_timestamp: expect.any(Number), initiating_entity: 'policy', reason_admin: { en: 'idle_expired' } });
    expect(arrivedAt - endsAt).toBeLessThanOrEqual(BOUND_MS + MARGIN_MS);
  });

  it('a session refreshed all along: one absolute_expired SET at the end of its lifetime', async () => {
    const busy = await registerOn(api);
    const endsAt = Date.now() + 5_000;
    let refreshToken = busy.refreshToken;
    // Refreshed every second, so the idle timeout never comes first.
    while (Date.now() < endsAt - 1_200) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const refreshed = await refreshOn(api, refreshToken);
      expect(refreshed.status).toBe(200);
      refreshToken = refreshed.refreshToken ?? refreshToken;
    }
    const { event } = await eventOf(busy.sessionId, endsAt);
    expect(event.claims.events[SESSION_REVOKED]).toMatchObject({ initiating_entity: 'policy', reason_admin: { en: 'absolute_expired' } });
  });
});
