import { execFile } from 'node:child_process';
import path from 'node:path';
import { startApiProcess, type ApiProcess } from './support/api-process';
import { PASSWORD } from './support/auth-helpers';
import { registerOn, sendOn } from './support/process-client';
import { processDatabase } from './support/process-database';
import { startRelay, startRelyingService, type RelyingProcess } from './support/relying-process';
import { expectRevocationHoldsOverRounds, revokingRequestsOn, targetAndOtherDevice, type Hammered, type RevokingRequest } from './support/revocation-rounds';
import { seededRandom } from './support/seeded-random';

/**
 * The barrier reaches registered relying services. Real processes: API instances A and B and the example
 * relying service twice (R1 following A, R2 following B through a relay the test can cut), one database,
 * default settings. R1 and R2 are hammered with a session's token while A revokes it, in every way a
 * session can be revoked: every request that started after A's answer gets 401. R2 frozen by SIGSTOP
 * across a logout refuses the token once resumed; R2 cut off from the API answers 503, never 200.
 */

const ROUNDS = 20;
/** Requests each relying service must have served after A's answer for a round to count. */
const REQUESTS_AFTER_ANSWER = 3;
/** A round never hammers for longer than this after A answered (bounded load). */
const MAX_TAIL_MS = 3_000;
const ROOT = path.resolve(__dirname, '..');
const random = seededRandom();

const CREDENTIALS = { r1: 'r1-credential-0123456789abcdef0123456789ab', r2: 'r2-credential-0123456789abcdef0123456789ab' };
const database = processDatabase();
let a: ApiProcess;
let b: ApiProcess;
let r1: RelyingProcess;
let r2: RelyingProcess;
let relay: Awaited<ReturnType<typeof startRelay>>;
let hammered: Hammered[];

beforeAll(async () => {
  const env = {
    RELYING_SERVICES: `r1:${CREDENTIALS.r1},r2:${CREDENTIALS.r2}`,
    // Reuse detection answers at once, without a grace period, so its round is like the others.
    REFRESH_REUSE_GRACE_SECONDS: '0',
    RATE_LIMIT_LOGIN_PER_IP: '0',
    RATE_LIMIT_REGISTER_PER_IP: '0',
    RATE_LIMIT_REFRESH_PER_IP: '0',
  };
  [a, b] = await Promise.all([startApiProcess(database.uri, env), startApiProcess(database.uri, env)]);
  relay = await startRelay(b.url);
  [r1, r2] = await Promise.all([
    startRelyingService({ AUTH_API_URL: a.url, RELYING_SERVICE_NAME: 'r1', RELYING_SERVICE_CREDENTIAL: CREDENTIALS.r1 }),
    startRelyingService({ AUTH_API_URL: relay.url, RELYING_SERVICE_NAME: 'r2', RELYING_SERVICE_CREDENTIAL: CREDENTIALS.r2 }),
  ]);
  hammered = [
    { name: 'R1', statusOf: (token) => ordersStatus(r1, token) },
    { name: 'R2', statusOf: (token) => ordersStatus(r2, token) },
  ];
}, 120_000);

afterAll(async () => {
  await Promise.all([r1, r2].map((service) => service?.stop()));
  await relay?.close();
  await Promise.all([a, b].map((instance) => instance?.stop()));
  await database.drop();
}, 60_000);

function ordersStatus(service: RelyingProcess, accessToken: string): Promise<number> {
  return sendOn(service, 'GET', '/orders', accessToken);
}

/** `npm run sessions -- revoke <email>` against the shared database, as an operator runs it. */
function operatorRevoke(email: string): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/operator/sessions-command.ts', 'revoke', email],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', MONGODB_URI: database.uri }, timeout: 30_000 },
      (error) => resolve(error ? 1 : 0),
    );
  });
}


const revokingRequests: Record<string, () => Promise<RevokingRequest>> = {
  ...revokingRequestsOn(() => a),
  'account deletion': async () => {
    const { target, other } = await targetAndOtherDevice(a);
    return { target, revoke: () => sendOn(a, 'DELETE', '/api/v1/users/me', other.accessToken, { password: PASSWORD }), expectedStatus: 200 };
  },
  'operator revoke (npm run sessions -- revoke)': async () => {
    const target = await registerOn(a);
    return { target, revoke: () => operatorRevoke(target.email), expectedStatus: 0 };
  },
};

describe('a revocation answered by A holds on every registered relying service (default settings)', () => {
  for (const [name, makeRequest] of Object.entries(revokingRequests)) {
    it(`${name}: every request to R1 or R2 that starts after the answer gets 401, over ${ROUNDS} rounds`, async () => {
      await expectRevocationHoldsOverRounds(name, ROUNDS, hammered, makeRequest, { requestsAfterAnswer: REQUESTS_AFTER_ANSWER, maxTailMs: MAX_TAIL_MS });
    }, 300_000);
  }

  it(`R2 paused (SIGSTOP) across a logout rejects the token once resumed, over ${ROUNDS} rounds (seed ${random.seed})`, async () => {
    const pid = r2.child.pid!;
    const statuses: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const target = await registerOn(a);
      expect(await ordersStatus(r2, target.accessToken)).toBe(200);
      expect(await ordersStatus(r2, target.accessToken)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, random.between(0, 60)));
      process.kill(pid, 'SIGSTOP');
      let pending: Array<Promise<number>> = [];
      try {
        expect(await sendOn(a, 'POST', '/api/v1/auth/logout', target.accessToken)).toBe(200);
        // Sent after A answered, while R2 is paused: the kernel queues them until R2 runs again.
        pending = Array.from({ length: 3 }, () => ordersStatus(r2, target.accessToken));
        await new Promise((resolve) => setTimeout(resolve, random.between(0, 200)));
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      statuses.push(...(await Promise.all(pending)));
      statuses.push(await ordersStatus(r2, target.accessToken));
    }
    expect(statuses).toHaveLength(ROUNDS * 4);
    expect(statuses.filter((status) => status !== 401)).toEqual([]);
  }, 300_000);

  it(`R2 cut off from the API answers 503, never 200, for a token logged out meanwhile; once mended, 401 (${ROUNDS} rounds)`, async () => {
    const during: number[] = [];
    const after: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const target = await registerOn(a);
      expect(await ordersStatus(r2, target.accessToken)).toBe(200);
      relay.cut();
      try {
        expect(await sendOn(a, 'POST', '/api/v1/auth/logout', target.accessToken)).toBe(200);
        for (let i = 0; i < 3; i += 1) during.push(await ordersStatus(r2, target.accessToken));
        // A session R2 has never seen cannot be checked either.
        const fresh = await registerOn(a);
        during.push(await ordersStatus(r2, fresh.accessToken));
      } finally {
        relay.mend();
      }
      after.push(await ordersStatus(r2, target.accessToken));
    }
    expect(during.filter((status) => status !== 503)).toEqual([]);
    expect(after.filter((status) => status !== 401)).toEqual([]);
  }, 300_000);
});
