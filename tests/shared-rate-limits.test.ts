import setCookieParser from 'set-cookie-parser';
import { startApiProcess, type ApiProcess } from './support/api-process';
import { PASSWORD, uniqueEmail, REFRESH_COOKIE } from './support/auth-helpers';
import { processDatabase } from './support/process-database';

/**
 * Two API processes on one database, as behind a load balancer that spreads a client's requests: the
 * rate limits are counted in the database, so two instances allow what one allows, not twice as much.
 */

const ACCOUNT_LIMIT = 4;
const REFRESH_LIMIT = 3;

let a: ApiProcess;
let b: ApiProcess;
const database = processDatabase();

beforeAll(async () => {
  const { uri } = database;
  const env = {
    RATE_LIMIT_WINDOW: '10m',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: String(ACCOUNT_LIMIT),
    RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: '1000',
    RATE_LIMIT_LOGIN_PER_IP: '1000',
    RATE_LIMIT_REGISTER_PER_IP: '1000',
    RATE_LIMIT_REFRESH_PER_IP: String(REFRESH_LIMIT),
  };
  [a, b] = await Promise.all([startApiProcess(uri, env), startApiProcess(uri, env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a, b].map((instance) => instance?.stop()));
  await database.drop();
});

async function register(instance: ApiProcess): Promise<{ email: string; refreshToken: string }> {
  const email = uniqueEmail();
  const res = await fetch(`${instance.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(201);
  const cookies = setCookieParser.parse(res.headers.getSetCookie(), { map: true, decodeValues: false });
  return { email, refreshToken: cookies[REFRESH_COOKIE]!.value };
}

const login = (instance: ApiProcess, email: string, password: string) =>
  fetch(`${instance.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });

async function expectRateLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(await res.json()).toEqual({ success: false, code: 'RATE_LIMITED', message: expect.any(String) });
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

/** Wrong passwords through `instances` in turn; returns the status each got. */
async function failLogins(email: string, instances: ApiProcess[], count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await login(instances[i % instances.length]!, email, 'wrong password')).status);
  return statuses;
}

describe('rate limits shared by two instances on one database', () => {
  it('failed logins spread over both instances trip the account limit at the same count as on one', async () => {
    const alone = await register(a);
    expect(await failLogins(alone.email, [a], ACCOUNT_LIMIT)).toEqual(Array(ACCOUNT_LIMIT).fill(401));
    await expectRateLimited(await login(a, alone.email, PASSWORD));

    const spread = await register(a);
    expect(await failLogins(spread.email, [a, b], ACCOUNT_LIMIT)).toEqual(Array(ACCOUNT_LIMIT).fill(401));
    await expectRateLimited(await login(a, spread.email, PASSWORD));
    await expectRateLimited(await login(b, spread.email, PASSWORD));
  });

  it('concurrent wrong passwords over both instances get no more than the limit checked', async () => {
    const user = await register(b);
    const guesses = Array.from({ length: 3 * ACCOUNT_LIMIT }, (_, i) => login(i % 2 === 0 ? a : b, user.email, `guess ${i}`));
    const statuses = await Promise.all(guesses.map((guess) => guess.then((res) => res.status)));
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(ACCOUNT_LIMIT);
  });

  it('a per-IP limit counts requests to both instances together', async () => {
    const user = await register(b);
    let refreshToken = user.refreshToken;
    for (const instance of [a, b, a]) {
      const res = await fetch(`${instance.url}/api/v1/auth/refresh`, { method: 'POST', headers: { Cookie: `${REFRESH_COOKIE}=${refreshToken}` } });
      expect(res.status).toBe(200);
      const cookies = setCookieParser.parse(res.headers.getSetCookie(), { map: true, decodeValues: false });
      refreshToken = cookies[REFRESH_COOKIE]!.value;
    }
    const refused = await fetch(`${b.url}/api/v1/auth/refresh`, { method: 'POST', headers: { Cookie: `${REFRESH_COOKIE}=${refreshToken}` } });
    await expectRateLimited(refused);
    expect(refused.headers.get('ratelimit-policy')).toMatch(new RegExp(`"refresh-per-ip"; q=${REFRESH_LIMIT}; w=600`));
  });
});
