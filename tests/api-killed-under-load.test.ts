import { startApiProcess, type ApiProcess } from './support/api-process';
import { uniqueEmail } from './support/auth-helpers';
import { loginOn, meStatus, refreshOn, registerOn, type ProcessSession } from './support/process-client';
import { seededRandom } from './support/seeded-random';
import { processDatabase } from './support/process-database';

/**
 * Two API processes on one database; 50 clients refresh, read and log out continuously, spread over both,
 * while one process is killed with SIGKILL and started again, several times. Bounded: LOAD_MS of load.
 * Afterwards no logged-out token works, no client whose every request completed normally was ever told
 * its refresh token was reused, and every client holds a working session or was last told 401.
 */

const CLIENTS = 50;
/** Load runs at least this long, and until the victim has been killed KILLS times. */
const LOAD_MS = 10_000;
const KILLS = 3;
const KILL_EVERY_MS = 2_000;
const random = seededRandom();

// Rate limits off (0): not what this test is about, and counting costs queries that on FerretDB read every hit.
const env = {
  RATE_LIMIT_LOGIN_PER_IP: '0',
  RATE_LIMIT_REGISTER_PER_IP: '0',
  RATE_LIMIT_REFRESH_PER_IP: '0',
};
const database = processDatabase();
const { uri } = database;
/** The instances clients may pick; the killed one is out of it until it answers again. */
let live: ApiProcess[] = [];
let steady: ApiProcess;
let victim: ApiProcess | undefined;

beforeAll(async () => {
  [steady, victim] = await Promise.all([startApiProcess(uri, env), startApiProcess(uri, env)]);
  live = [steady, victim];
}, 60_000);
afterAll(async () => {
  await Promise.all([steady, victim].map((instance) => instance?.stop()));
  await database.drop();
});

interface Client {
  email: string;
  session: ProcessSession;
  /** False once any request failed at the network level or with a 5xx: its outcome is unknown to it. */
  allNormal: boolean;
  sawReused: boolean;
  lastStatus: number;
}

const loggedOut: ProcessSession[] = [];
let killed = 0;

const pick = () => live[random.between(0, live.length - 1)]!;

/**
 * Sends a request as a client would: on a network error (the process died under it) it retries on an
 * instance that is up, and from then on the client's requests no longer all completed normally.
 */
async function send<T>(client: Client, request: (instance: ApiProcess) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request(pick());
    } catch (error) {
      client.allNormal = false;
      if (attempt === 5) throw error;
    }
  }
}

/** One step of a client: mostly refreshes, some reads, some logouts followed by a new login. */
async function step(client: Client): Promise<void> {
  const roll = random.next();
  if (roll < 0.6) {
    const res = await send(client, (instance) => refreshOn(instance, client.session.refreshToken));
    client.lastStatus = res.status;
    if (res.status === 200 && res.refreshToken) client.session = { ...client.session, refreshToken: res.refreshToken };
    if (res.code === 'REFRESH_TOKEN_REUSED') client.sawReused = true;
    if (res.status === 401) client.session = await send(client, (instance) => loginOn(instance, client.email));
  } else if (roll < 0.8) {
    client.lastStatus = await send(client, (instance) => meStatus(instance, client.session.accessToken));
  } else {
    const status = await send(client, async (instance) => {
      const res = await fetch(`${instance.url}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${client.session.accessToken}` } });
      await res.arrayBuffer();
      return res.status;
    });
    client.lastStatus = status;
    if (status === 200) loggedOut.push(client.session);
    client.session = await send(client, (instance) => loginOn(instance, client.email));
  }
  if (client.lastStatus >= 500) client.allNormal = false;
}

async function killAndRestartVictim(): Promise<void> {
  const dying = victim!;
  live = [steady];
  process.kill(dying.child.pid!, 'SIGKILL');
  await dying.exited;
  killed += 1;
  victim = await restartAsAnOrchestratorWould();
  live = [steady, victim];
}

/**
 * The killed instance started again, and again if it fails to start, as systemd or Kubernetes would: under
 * this test's own load its first connection to the database can time out (DB_OPERATION_TIMEOUT_MS / 2), and
 * the process then exits with "Failed to start". At most three tries; each failed one is printed.
 */
async function restartAsAnOrchestratorWould(): Promise<ApiProcess> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startApiProcess(uri, env);
    } catch (error) {
      if (attempt >= 3) throw error;
      console.log(`restart ${attempt} of the killed instance failed, trying again: ${error instanceof Error ? error.message.split('\n').at(-1) : error}`);
    }
  }
}

describe(`an API process killed (SIGKILL) under load, ${CLIENTS} clients, two instances (seed ${random.seed})`, () => {
  it('loses no logout, accuses no well-behaved client of reuse, and leaves every client signed in or clearly refused', async () => {
    const clients: Client[] = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const email = uniqueEmail();
        return { email, session: await registerOn(steady, email), allNormal: true, sawReused: false, lastStatus: 201 };
      }),
    );
    const deadline = Date.now() + LOAD_MS;
    let killerDone = false;
    const killer = (async () => {
      while (killed < KILLS) {
        await new Promise((resolve) => setTimeout(resolve, random.between(KILL_EVERY_MS / 2, KILL_EVERY_MS)));
        await killAndRestartVictim();
      }
      killerDone = true;
    })();
    await Promise.all(
      clients.map(async (client) => {
        while (Date.now() < deadline || !killerDone) await step(client);
      }),
    );
    await killer;

    expect(killed).toBe(KILLS);
    expect(loggedOut.length).toBeGreaterThan(0);
    for (const session of loggedOut) {
      expect(await meStatus(steady, session.accessToken)).toBe(401);
      expect((await refreshOn(victim!, session.refreshToken)).status).toBe(401);
    }
    const accused = clients.filter((client) => client.allNormal && client.sawReused);
    expect(accused.map((client) => client.email)).toEqual([]);
    for (const client of clients) {
      const working = (await meStatus(steady, client.session.accessToken)) === 200;
      if (!working) expect(client.lastStatus).toBe(401);
    }
    // Printed so a run shows how much happened, not only that nothing failed.
    console.log(`${killed} kills, ${loggedOut.length} logouts, ${clients.filter((c) => !c.allNormal).length} clients hit by a kill`);
  }, 120_000);
});

