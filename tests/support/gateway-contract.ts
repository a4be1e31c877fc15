import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import jwt from 'jsonwebtoken';
import { findFreePort } from '../../src/dev-database/free-port';
import { startApiProcess, type ApiProcess } from './api-process';
import { ACCESS_COOKIE, PASSWORD, uniqueEmail } from './auth-helpers';
import { startRecordingUpstream, type Gateway, type GatewayAddresses, type RecordingUpstream, type UpstreamHit } from './gateway-process';
import { processDatabase } from './process-database';

/**
 * One contract for every documented gateway configuration (docs/INTEGRATION.md): the gateway, a real
 * process run with the very file the page shows, stands in front of an app and two API instances on one
 * database, and asks GET /api/v1/auth/verify before every request to the app. The app must never see a
 * request with a token whose logout has answered, a forged token, or a cookie-authenticated POST from a
 * foreign Origin, whatever method header the client adds itself.
 */

export interface GatewayUnderTest {
  /** The example file the page must show verbatim. */
  exampleFile: string;
  /** Starts the gateway (the executable `binary`) with the example, its addresses replaced by these. */
  start(binary: string, addresses: GatewayAddresses): Promise<Gateway>;
  /** What the API instances need beyond TRUST_PROXY to stand behind this gateway at `gatewayUrl`, as the page says. */
  apiEnv?(gatewayUrl: string): Record<string, string>;
}

const EVIL = 'https://evil.example.net';
/** A round hammers for this long after the logout answered (bounded load). */
const TAIL_MS = 400;
const CONCURRENCY = 4;

interface Account {
  userId: string;
  accessToken: string;
  sessionId: string;
}

/**
 * The contract for a gateway whose binary is `binary` (undefined when not installed). CI must have it
 * (.ci/run installs or builds each); elsewhere, without it, the block is skipped with `installHint`.
 */
export function describeGateway(title: string, binary: string | undefined, installHint: string, under: GatewayUnderTest): void {
  const describeIfPresent = binary || process.env.CI ? describe : describe.skip;
  if (!binary && !process.env.CI) console.warn(`${title}: not installed (${installHint}); skipped`);
  describeIfPresent(title, () => {
    describeGatewayContract(under, () => {
      if (!binary) throw new Error(`CI must provide it (.ci/run): ${installHint}`);
      return binary;
    });
  });
}

/** `binary()`: the gateway's executable, or a throw where CI lacks it. */
function describeGatewayContract(under: GatewayUnderTest, binary: () => string): void {
  let apis: ApiProcess[] = [];
  let upstream: RecordingUpstream;
  let gateway: Gateway;
  const database = processDatabase();

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const listenPort = await findFreePort();
    // The gateway is the API's proxy: Origin checks and client addresses go by what it forwards.
    const env = { TRUST_PROXY: 'loopback', ...under.apiEnv?.(`http://127.0.0.1:${listenPort}`) };
    apis = await Promise.all([0, 1].map(() => startApiProcess(database.uri, env)));
    gateway = await under.start(binary(), { api: apis.map((api) => new URL(api.url).host), app: upstream.address, listenPort });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(apis.map((api) => api.stop()));
    await upstream?.close();
    if (apis.length > 0) await database.drop();
  }, 30_000);

  /** Registers through the gateway (its /api/v1/ route) and returns the tokens. */
  async function register(): Promise<Account> {
    const res = await fetch(`${gateway.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: uniqueEmail(), password: PASSWORD }),
    });
    const body = (await res.json()) as { user: { id: string }; accessToken: string };
    expect(res.status).toBe(201);
    const { sid } = jwt.decode(body.accessToken) as { sid: string };
    return { userId: body.user.id, accessToken: body.accessToken, sessionId: sid };
  }

  const hitsWith = (token: string): UpstreamHit[] =>
    upstream.hits.filter((hit) => hit.headers.authorization === `Bearer ${token}` || (hit.headers.cookie ?? '').includes(token));

  async function app(pathname: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${gateway.url}${pathname}`, init);
    await res.arrayBuffer();
    return res;
  }

  it(`docs/INTEGRATION.md shows exactly the configuration this test runs (${path.basename(under.exampleFile)})`, () => {
    const doc = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'INTEGRATION.md'), 'utf8');
    expect(doc).toContain(readFileSync(under.exampleFile, 'utf8'));
  });

  it('a live token reaches the app, which learns the user and session from the gateway, never from the client', async () => {
    const account = await register();
    const res = await fetch(`${gateway.url}/orders`, {
      headers: { Authorization: `Bearer ${account.accessToken}`, 'X-Auth-User-Id': 'spoofed', 'X-Auth-Session-Id': 'spoofed' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ app: true, userId: account.userId });
    const [hit] = hitsWith(account.accessToken);
    expect(hit?.headers['x-auth-session-id']).toBe(account.sessionId);
  });

  it('no token and a forged token never reach the app: 401 with a Bearer challenge', async () => {
    const account = await register();
    const claims = jwt.decode(account.accessToken) as Record<string, unknown>;
    const forged = jwt.sign(claims, 'a secret that is not the server one, long enough');
    const before = upstream.hits.length;
    const none = await app('/orders');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const forgedRequests: RequestInit[] = [{ headers: { Authorization: `Bearer ${forged}` } }, { headers: { Cookie: `${ACCESS_COOKIE}=${forged}` } }];
    for (const init of forgedRequests) {
      expect((await app('/orders', init)).status).toBe(401);
    }
    expect(upstream.hits.length).toBe(before);
  });

  it('a cookie-authenticated POST from a foreign Origin never reaches the app: 403; from the own origin, or with Bearer, it does', async () => {
    const account = await register();
    const cookie = { Cookie: `${ACCESS_COOKIE}=${account.accessToken}` };
    const foreign = await app('/orders', { method: 'POST', headers: { ...cookie, Origin: EVIL }, body: '{}' });
    expect(foreign.status).toBe(403);
    expect(hitsWith(account.accessToken)).toHaveLength(0);
    expect((await app('/orders', { method: 'DELETE', headers: { ...cookie, Referer: `${EVIL}/page` } })).status).toBe(403);
    // A method header of the client's own names no safer method than the one it used.
    const claimedGet = { 'X-Forwarded-Method': 'GET', 'X-Original-Method': 'GET' };
    expect((await app('/orders', { method: 'POST', headers: { ...cookie, ...claimedGet, Origin: EVIL }, body: '{}' })).status).toBe(403);
    expect(hitsWith(account.accessToken)).toHaveLength(0);
    expect((await app('/orders', { method: 'GET', headers: { ...cookie, Origin: EVIL } })).status).toBe(200);
    expect((await app('/orders', { method: 'POST', headers: { ...cookie, Origin: gateway.url }, body: '{}' })).status).toBe(200);
    expect((await app('/orders', { method: 'POST', headers: { Authorization: `Bearer ${account.accessToken}`, Origin: EVIL }, body: '{}' })).status).toBe(200);
    expect(hitsWith(account.accessToken).map((hit) => hit.method)).toEqual(['GET', 'POST', 'POST']);
  });

  it.each(['local', 'global'])('hammered across logout (scope=%s): no request started after it answered reaches the app', async (scope) => {
    const account = await register();
    const headers = { Authorization: `Bearer ${account.accessToken}` };
    let answeredAt = Infinity;
    let stopAt = Infinity;
    const late: Array<{ startedAt: number; status: number }> = [];
    let before = 0;
    const hammer = async () => {
      while (performance.now() < stopAt) {
        const startedAt = performance.now();
        const { status } = await app('/orders', { headers });
        if (startedAt > answeredAt) late.push({ startedAt, status });
        else if (status === 200) before += 1;
      }
    };
    const loops = Array.from({ length: CONCURRENCY }, hammer);
    // Let the hammering get going, then log out through the gateway.
    while (before < 5) await new Promise((resolve) => setTimeout(resolve, 10));
    const out = await fetch(`${gateway.url}/api/v1/auth/logout?scope=${scope}`, { method: 'POST', headers });
    answeredAt = performance.now();
    expect(out.status).toBe(200);
    stopAt = answeredAt + TAIL_MS;
    await Promise.all(loops);

    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((request) => request.status !== 401)).toEqual([]);
    // Whatever reached the app after the answer was already past its check before it.
    const reachedAfter = hitsWith(account.accessToken).filter((hit) => hit.at > answeredAt);
    expect(reachedAfter.length).toBeLessThanOrEqual(CONCURRENCY);
    const count = hitsWith(account.accessToken).length;
    for (let i = 0; i < 4; i++) expect((await app('/orders', { headers })).status).toBe(401);
    expect(hitsWith(account.accessToken)).toHaveLength(count);
  });
}
