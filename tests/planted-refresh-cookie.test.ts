import request from 'supertest';
import { CookieJar } from 'tough-cookie';
import { authCookieNames } from '../src/auth/cookies';
import { startApiProcess, type ApiProcess } from './support/api-process';
import { PASSWORD, uniqueEmail } from './support/auth-helpers';
import { processDatabase } from './support/process-database';

/**
 * Issue 21, finding 1, replayed against a real API process in production mode, with an RFC 6265 cookie
 * jar (tough-cookie) standing in for the victim's browser at https://app.example.test:
 * - the victim holds a host-only `__Secure-refreshToken` (and `__Host-accessToken`);
 * - a sibling, https://evil.example.test, plants the attacker's own refresh token as
 *   `__Secure-refreshToken; Domain=example.test; Path=/api/v1/auth; Secure`;
 * - the victim's next refresh sends both. It must not only be refused: the answer must leave the browser
 *   without the planted cookie, and the planted token's session must be dead, so that the refresh after
 *   it cannot sign the browser into the attacker's account (before the fix it got 200 and the attacker).
 */

const SITE = 'https://app.example.test';
const SIBLING = 'https://evil.example.test';
const names = authCookieNames({ secure: true, sameSite: 'lax', domain: undefined });

let api: ApiProcess;
const database = processDatabase();
beforeAll(async () => {
  api = await startApiProcess(database.uri, { NODE_ENV: 'production', RATE_LIMIT_LOGIN_PER_IP: '0', RATE_LIMIT_REGISTER_PER_IP: '0' });
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await database.drop();
});

/** A browser: sends what its jar holds for the URL, and stores what the answer sets, as RFC 6265 says. */
function browser() {
  const jar = new CookieJar();
  async function send(method: 'get' | 'post', path: string, body?: object): Promise<request.Response> {
    const url = `${SITE}${path}`;
    let pending = request(api.url)[method](path).set('Host', new URL(SITE).host);
    const cookie = await jar.getCookieString(url);
    if (cookie) pending = pending.set('Cookie', cookie);
    const res = await (body ? pending.send(body) : pending);
    for (const line of (res.headers['set-cookie'] as unknown as string[] | undefined) ?? []) await jar.setCookie(line, url);
    return res;
  }
  /** Every value of the refresh cookie the browser would send to the refresh route. */
  async function refreshCookieValues(): Promise<string[]> {
    const cookies = await jar.getCookies(`${SITE}/api/v1/auth/refresh`);
    return cookies.filter((cookie) => cookie.key === names.refresh).map((cookie) => cookie.value);
  }
  return { jar, send, refreshCookieValues };
}

async function registered(): Promise<ReturnType<typeof browser> & { email: string }> {
  const b = browser();
  const email = uniqueEmail();
  const res = await b.send('post', '/api/v1/auth/register', { email, password: PASSWORD });
  expect(res.status).toBe(201);
  return { ...b, email };
}

describe('a refresh cookie planted for the parent domain by a sibling subdomain', () => {
  it("neither survives the refused refresh, the planter's session is revoked with the victim's, and the next refresh cannot sign the victim into the planter's account", async () => {
    const victim = await registered();
    const attacker = await registered();
    const [attackerToken] = await attacker.refreshCookieValues();
    const [victimToken] = await victim.refreshCookieValues();

    await victim.jar.setCookie(`${names.refresh}=${attackerToken}; Domain=example.test; Path=/api/v1/auth; Secure; HttpOnly; SameSite=Lax`, SIBLING);
    expect((await victim.refreshCookieValues()).sort()).toEqual([attackerToken, victimToken].sort());

    const refused = await victim.send('post', '/api/v1/auth/refresh');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
    // The answer expired the planted variant too, which only a Set-Cookie with its Domain can.
    expect(await victim.refreshCookieValues()).toEqual([]);

    // The SPA's next silent refresh, and the attacker's own: both sessions are over.
    const next = await victim.send('post', '/api/v1/auth/refresh');
    expect(next.status).toBe(401);
    expect((await victim.send('get', '/api/v1/users/me')).status).toBe(401);
    expect((await attacker.send('post', '/api/v1/auth/refresh')).status).toBe(401);
  });

  it('the planted variant is expired even when the refresh token it carries is dead, and the victim can sign in again and refresh', async () => {
    const victim = await registered();
    await victim.jar.setCookie(`${names.refresh}=${'A'.repeat(43)}; Domain=example.test; Path=/api/v1/auth; Secure; HttpOnly`, SIBLING);
    expect((await victim.send('post', '/api/v1/auth/refresh')).status).toBe(401);
    expect(await victim.refreshCookieValues()).toEqual([]);
    expect((await victim.send('post', '/api/v1/auth/login', { email: victim.email, password: PASSWORD })).status).toBe(200);
    expect((await victim.send('post', '/api/v1/auth/refresh')).status).toBe(200);
  });
});
