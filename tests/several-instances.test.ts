import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startApiProcess, type ApiProcess } from './support/api-process';
import { meStatus, registerOn, sendOn } from './support/process-client';
import { expectRevocationHoldsOverRounds, revokingRequestsOn, type Hammered } from './support/revocation-rounds';
import { seededRandom } from './support/seeded-random';
import { processDatabase } from './support/process-database';

/**
 * Four API processes on one database, with the default settings (memory on, strict everywhere): A takes the
 * revoking requests; B, C and D are hammered with the session's access token meanwhile. C's clock runs 10 s
 * ahead and D's 10 s behind (Debian's libfaketime). Whatever revokes the session, every request to B, C or
 * D that starts after A has answered must get 401.
 */

const ROUNDS = 20;
/** After A answers, each instance must have served at least this many requests before a round ends. */
const REQUESTS_AFTER_ANSWER = 3;
/** A round never hammers for longer than this after A answered (bounded load). */
const MAX_TAIL_MS = 3_000;
const random = seededRandom();

/** Debian's libfaketime (`apt-get install faketime`), the multithreaded build, as Node runs threads. */
function libfaketime(): string | undefined {
  const libDir = '/usr/lib';
  return readdirSync(libDir)
    .map((dir) => path.join(libDir, dir, 'faketime', 'libfaketimeMT.so.1'))
    .find((file) => existsSync(file));
}

/**
 * The whole process's clock moved by libfaketime (CI installs it); on a machine without it, the API's
 * own test-only setting moves every clock the API reads for sessions and tokens instead.
 */
function clockOffsetBy(offsetSeconds: number): Record<string, string> {
  const library = libfaketime();
  if (!library) return { TEST_ONLY_CLOCK_OFFSET_MS: String(offsetSeconds * 1000) };
  return { LD_PRELOAD: library, FAKETIME: `${offsetSeconds >= 0 ? '+' : ''}${offsetSeconds}s`, FAKETIME_NO_CACHE: '1' };
}

let a: ApiProcess;
let b: ApiProcess;
let c: ApiProcess;
let d: ApiProcess;
let hammered: Hammered[];
const database = processDatabase();

beforeAll(async () => {
  const { uri } = database;
  const env = {
    // Reuse detection answers at once, without a grace period, so its round is like the others.
    REFRESH_REUSE_GRACE_SECONDS: '0',
    // Off (0): not what these tests are about, and counting costs queries that on FerretDB read every hit.
    RATE_LIMIT_LOGIN_PER_IP: '0',
    RATE_LIMIT_REGISTER_PER_IP: '0',
    RATE_LIMIT_REFRESH_PER_IP: '0',
  };
  const skewed = (offsetSeconds: number) => ({ ...env, ...clockOffsetBy(offsetSeconds) });
  [a, b, c, d] = await Promise.all([
    startApiProcess(uri, env),
    startApiProcess(uri, env),
    startApiProcess(uri, skewed(10)),
    startApiProcess(uri, skewed(-10)),
  ]);
  hammered = [
    { name: 'B', statusOf: (token) => meStatus(b, token) },
    { name: 'C (+10 s)', statusOf: (token) => meStatus(c, token) },
    { name: 'D (-10 s)', statusOf: (token) => meStatus(d, token) },
  ];
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b, c, d].map((instance) => instance?.stop()));
  await database.drop();
});

const revokingRequests = revokingRequestsOn(() => a);

describe('a revocation answered by A holds on every instance (default settings)', () => {
  it('runs C with its clock 10 s ahead and D with its clock 10 s behind', async () => {
    // A token's iat is the signing instance's clock, whichever way that clock was moved.
    const skewOf = async (instance: ApiProcess) => {
      const { accessToken } = await registerOn(instance);
      const { iat } = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { iat: number };
      return iat * 1000 - Date.now();
    };
    expect(Math.abs(await skewOf(b))).toBeLessThan(2_000);
    expect(await skewOf(c)).toBeGreaterThan(8_000);
    expect(await skewOf(d)).toBeLessThan(-8_000);
  });

  for (const [name, makeRequest] of Object.entries(revokingRequests)) {
    it(`${name}: every request to B, C or D that starts after A answered gets 401, over ${ROUNDS} rounds`, async () => {
      await expectRevocationHoldsOverRounds(name, ROUNDS, hammered, makeRequest, { requestsAfterAnswer: REQUESTS_AFTER_ANSWER, maxTailMs: MAX_TAIL_MS });
    }, 240_000);
  }

  it(`an instance paused (SIGSTOP) across a logout rejects the token once resumed, over ${ROUNDS} rounds (seed ${random.seed})`, async () => {
    const pid = b.child.pid!;
    const statuses: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const target = await registerOn(a);
      expect(await meStatus(b, target.accessToken)).toBe(200);
      expect(await meStatus(b, target.accessToken)).toBe(200);
      // Paused at a random point of its poll cycle (seeded; TEST_SEED replays it).
      await new Promise((resolve) => setTimeout(resolve, random.between(0, 60)));
      process.kill(pid, 'SIGSTOP');
      let pending: Array<Promise<number>> = [];
      try {
        expect(await sendOn(a, 'POST', '/api/v1/auth/logout', target.accessToken)).toBe(200);
        // Sent after A answered, while B is paused: the kernel queues them until B runs again.
        pending = Array.from({ length: 3 }, () => meStatus(b, target.accessToken));
        await new Promise((resolve) => setTimeout(resolve, random.between(0, 200)));
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      statuses.push(...(await Promise.all(pending)));
      statuses.push(await meStatus(b, target.accessToken));
    }
    expect(statuses).toHaveLength(ROUNDS * 4);
    expect(statuses.filter((status) => status !== 401)).toEqual([]);
  }, 240_000);

  it('a session started on one instance is accepted by the others, which share nothing but the database', async () => {
    const user = await registerOn(d);
    for (const instance of [a, b, c]) expect(await meStatus(instance, user.accessToken)).toBe(200);
  });
});
