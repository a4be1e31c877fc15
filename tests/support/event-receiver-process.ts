import path from 'node:path';
import type { JWTPayload } from 'jose';
import { spawnProcess, type SpawnedProcess } from './api-process';

/** The event receiver (event-receiver.ts) as a real process, and its control routes. */

const ROOT = path.resolve(__dirname, '..', '..');

export interface ReceivedEvent {
  jti: string;
  count: number;
  header: { alg: string; typ: string; kid: string };
  claims: JWTPayload & {
    sub_id: { format: string; user: { format: string; id: string }; session: { format: string; id: string } };
    events: Record<string, { event_timestamp: number; initiating_entity: string; reason_admin: { en: string } }>;
  };
}

export interface Received {
  events: ReceivedEvent[];
  refused: Array<{ err: string; description: string }>;
  faults: { unavailable: number; hung: number; paired: number };
}

export interface ReceiverProcess extends SpawnedProcess {
  eventsUrl: string;
  setMode(mode: 'accept' | 'accept-paired' | 'unavailable' | 'reject' | 'hang'): Promise<void>;
  received(): Promise<Received>;
  /** Polls until `done` holds for what arrived (bounded: fails after timeoutMs with what did arrive). */
  waitFor(done: (received: Received) => boolean, timeoutMs?: number): Promise<Received>;
}

export interface ReceiverSettings {
  port: number;
  jwksUrl: string;
  issuer: string;
  audience: string;
}

export const receiverUrl = (port: number) => `http://127.0.0.1:${port}/events`;

export async function startReceiver({ port, jwksUrl, issuer, audience }: ReceiverSettings): Promise<ReceiverProcess> {
  const spawned = spawnProcess(process.execPath, ['--import', 'tsx', 'tests/support/event-receiver.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), JWKS_URL: jwksUrl, ISSUER: issuer, AUDIENCE: audience },
  });
  await spawned.printed(/receiver listening on \d+/, 20_000);
  const base = `http://127.0.0.1:${port}`;
  const received = async () => (await (await fetch(`${base}/control/received`)).json()) as Received;
  return {
    ...spawned,
    eventsUrl: receiverUrl(port),
    async setMode(mode) {
      const res = await fetch(`${base}/control/mode`, { method: 'POST', body: mode });
      if (res.status !== 200) throw new Error(`receiver mode ${mode}: ${res.status}`);
    },
    received,
    async waitFor(done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last = await received();
      while (!done(last)) {
        if (Date.now() > deadline) throw new Error(`the receiver did not get what was expected within ${timeoutMs / 1000}s; it has ${JSON.stringify(summary(last))}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        last = await received();
      }
      return last;
    },
  };
}

function summary(received: Received) {
  return { events: received.events.length, duplicates: received.events.filter((e) => e.count > 1).length, refused: received.refused.slice(0, 3), faults: received.faults };
}

export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

/** The events about these sessions, by session id. */
export function eventsFor(received: Received, sessionIds: string[]): Map<string, ReceivedEvent[]> {
  const bySession = new Map<string, ReceivedEvent[]>(sessionIds.map((id) => [id, []]));
  for (const event of received.events) bySession.get(event.claims.sub_id.session.id)?.push(event);
  return bySession;
}
