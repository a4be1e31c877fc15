import setCookieParser from 'set-cookie-parser';
import { startApiProcess, type ApiProcess } from './support/api-process';
import { PASSWORD, uniqueEmail } from './support/auth-helpers';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';

/**
 * Three API processes on one database, as behind a load balancer: A and B cache sessions with a
 * staleness bound, S is strict (bound 0). What a logout through A must do to each of them.
 */

const STALENESS_BOUND_MS = 1_500;

let a: ApiProcess;
let b: ApiProcess;
let strict: ApiProcess;

beforeAll(async () => {
  const uri = `${testDatabaseUri()}${uniqueDatabaseName()}`;
  const cached = { SESSION_CACHE_STALENESS_MS: String(STALENESS_BOUND_MS) };
  [a, b, strict] = await Promise.all([
    startApiProcess(uri, cached),
    startApiProcess(uri, cached),
    startApiProcess(uri, { SESSION_CACHE_STALENESS_MS: '0' }),
  ]);
}, 60_000);
afterAll(() => Promise.all([a, b, strict].map((instance) => instance?.stop())));

async function register(instance: ApiProcess): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await fetch(`${instance.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail(), password: PASSWORD }),
  });
  expect(res.status).toBe(201);
  const cookies = setCookieParser.parse(res.headers.getSetCookie(), { map: true, decodeValues: false });
  return { accessToken: cookies.accessToken!.value, refreshToken: cookies.refreshToken!.value };
}

const me = (instance: ApiProcess, accessToken: string) =>
  fetch(`${instance.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${accessToken}` } }).then((res) => res.status);

const refresh = (instance: ApiProcess, refreshToken: string) =>
  fetch(`${instance.url}/api/v1/auth/refresh`, { method: 'POST', headers: { Cookie: `refreshToken=${refreshToken}` } }).then((res) => res.status);

const logout = (instance: ApiProcess, accessToken: string) =>
  fetch(`${instance.url}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${accessToken}` } }).then((res) => res.status);

describe('several API instances on one database', () => {
  it('a logout through A kills the old tokens: at once on A, on the strict instance and for refresh everywhere; on B within its staleness bound', async () => {
    const user = await register(a);
    // Every instance has seen the session in use, so the caching ones hold it in memory.
    expect(await me(a, user.accessToken)).toBe(200);
    expect(await me(b, user.accessToken)).toBe(200);
    expect(await me(strict, user.accessToken)).toBe(200);

    expect(await logout(a, user.accessToken)).toBe(200);
    const loggedOutAt = Date.now();

    expect(await me(a, user.accessToken)).toBe(401);
    expect(await me(strict, user.accessToken)).toBe(401);
    expect(await refresh(b, user.refreshToken)).toBe(401);
    expect(await refresh(a, user.refreshToken)).toBe(401);
    expect(await refresh(strict, user.refreshToken)).toBe(401);

    // B may still accept the access token from memory, but not once the bound has passed.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, STALENESS_BOUND_MS - (Date.now() - loggedOutAt))));
    expect(await me(b, user.accessToken)).toBe(401);
  });

  it('a session started on one instance is accepted by the others, which share nothing but the database', async () => {
    const user = await register(b);
    expect(await me(a, user.accessToken)).toBe(200);
    expect(await me(strict, user.accessToken)).toBe(200);
  });
});
