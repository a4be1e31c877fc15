import setCookieParser from 'set-cookie-parser';
import { startApiProcess, type ApiProcess } from './support/api-process';
import { PASSWORD, uniqueEmail, REFRESH_COOKIE } from './support/auth-helpers';
import { startOwnDatabase, type OwnDatabase } from './support/own-database';

/**
 * The database stopped and restarted under load (issue 11, "Faults under load"): clients log in,
 * refresh, read /users/me and log out continuously against a real API process while its database is
 * killed (SIGKILL) and started again on the same port and data, then hung (SIGSTOP) and killed and
 * started again. Afterwards:
 *   - no answer was a 5xx other than 503, and no request failed for want of an answer;
 *   - the API process never exited, and works again without a restart;
 *   - every session whose logout answered 200, before, during or after the faults, stays dead: its
 *     access token gets 401 and its last refresh token gets 401.
 * Bounded: CLIENTS clients, each phase a few seconds, about 40 s in all.
 */

const CLIENTS = 8;
/** DB_OPERATION_TIMEOUT_MS for the API process: short, so a hung database answers 503 within 2 s. */
const BOUND_MS = 2_000;
/** How long each phase of load runs, and how long the database stays down or hung. */
const PHASE_MS = 3_000;
/** No request may take longer than this (the bound, a retry's worth, and a loaded machine). */
const ANSWER_WITHIN_MS = 10_000;

let db: OwnDatabase;
let api: ApiProcess;

beforeAll(async () => {
  db = await startOwnDatabase();
  api = await startApiProcess(`${db.uri}restart_under_load`, {
    DB_OPERATION_TIMEOUT_MS: String(BOUND_MS),
    // Off: one address makes every request here, and limits are not what this test is about.
    RATE_LIMIT_LOGIN_PER_IP: '0',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: '0',
    RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '0',
    RATE_LIMIT_REGISTER_PER_IP: '0',
    RATE_LIMIT_REFRESH_PER_IP: '0',
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await db?.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  cookies: Record<string, string>;
}

/** Every answer the clients got, by status; and the requests that got none. */
const statuses = new Map<number, number>();
const unanswered: string[] = [];

async function send(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer | undefined> {
  try {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const cookies = Object.fromEntries(setCookieParser.parse(res.headers.getSetCookie()).map((c) => [c.name, c.value]));
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, cookies };
  } catch (error) {
    unanswered.push(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

interface Session {
  accessToken: string;
  refreshToken: string;
}

/** Sessions whose logout answered 200, with the last tokens the client held for them. */
const loggedOut: Session[] = [];

/**
 * One client: log in, read /users/me, refresh, read again, log out; on any failure it starts over with
 * a new login. A 503 is what a client must expect while the database is away; it just tries again.
 */
async function runClient(email: string, stop: { now: boolean }): Promise<void> {
  while (!stop.now) {
    const login = await send('POST', '/api/v1/auth/login', {}, { email, password: PASSWORD });
    if (login?.status !== 200) continue;
    const session: Session = { accessToken: login.body.accessToken as string, refreshToken: login.cookies.refreshToken! };
    const bearer = () => ({ Authorization: `Bearer ${session.accessToken}` });

    if ((await send('GET', '/api/v1/users/me', bearer()))?.status !== 200) continue;
    const refreshed = await send('POST', '/api/v1/auth/refresh', { Cookie: `${REFRESH_COOKIE}=${session.refreshToken}` });
    if (refreshed?.status !== 200) continue;
    session.accessToken = refreshed.body.accessToken as string;
    if (refreshed.cookies.refreshToken) session.refreshToken = refreshed.cookies.refreshToken;
    if ((await send('GET', '/api/v1/users/me', bearer()))?.status !== 200) continue;

    const logout = await send('POST', '/api/v1/auth/logout', { ...bearer(), Cookie: `${REFRESH_COOKIE}=${session.refreshToken}` });
    if (logout?.status === 200) loggedOut.push({ ...session });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answersAgain(path: string, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if ((await fetch(`${api.url}${path}`).then((res) => res.status, () => 0)) === 200) return true;
    await sleep(100);
  }
  return false;
}

describe('the database stopped and restarted while clients log in, refresh and log out', () => {
  it('answers only 2xx, 401 and 503, never loses a revocation, and recovers without a restart', async () => {
    const emails = Array.from({ length: CLIENTS }, () => uniqueEmail());
    for (const email of emails) {
      expect((await send('POST', '/api/v1/auth/register', {}, { email, password: PASSWORD }))?.status).toBe(201);
    }
    const stop = { now: false };
    const clients = emails.map((email) => runClient(email, stop));

    await sleep(PHASE_MS);
    const loggedOutBeforeFaults = loggedOut.length;

    // 1. Killed: connections are refused until it is back.
    await db.kill();
    await sleep(PHASE_MS);
    await db.restart();
    await sleep(PHASE_MS);

    // 2. Hung, then killed while hung and started again, as a supervisor would.
    await db.pause();
    await sleep(PHASE_MS);
    await db.kill();
    await db.restart();
    await sleep(PHASE_MS);

    const loggedOutBeforeLastPhase = loggedOut.length;
    await sleep(PHASE_MS);
    stop.now = true;
    await Promise.all(clients);

    const summary = { statuses: Object.fromEntries(statuses), loggedOut: loggedOut.length, unanswered: unanswered.length };
    console.info(`database restarted under load: ${JSON.stringify(summary)}`);

    // The faults happened, and were seen.
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    // No answer other than success, 401 and 503; every request got one.
    const unexpected = [...statuses.keys()].filter((status) => ![200, 201, 401, 503].includes(status));
    expect(unexpected).toEqual([]);
    expect(unanswered).toEqual([]);
    // No crash, and recovery without a restart: the same process, ready, and logouts completing again.
    expect(api.child.exitCode).toBeNull();
    expect(api.child.signalCode).toBeNull();
    expect(api.output()).not.toMatch(/uncaught|"level":60/i);
    expect(await answersAgain('/readyz', 20_000)).toBe(true);
    expect(loggedOutBeforeFaults).toBeGreaterThan(0);
    expect(loggedOut.length).toBeGreaterThan(loggedOutBeforeLastPhase);

    // No revocation lost: every session logged out with a 200 is still dead, by either token.
    for (const session of loggedOut) {
      const me = await send('GET', '/api/v1/users/me', { Authorization: `Bearer ${session.accessToken}` });
      const refresh = await send('POST', '/api/v1/auth/refresh', { Cookie: `${REFRESH_COOKIE}=${session.refreshToken}` });
      expect({ me: me?.status, refresh: refresh?.status }).toEqual({ me: 401, refresh: 401 });
    }
  }, 120_000);
});
