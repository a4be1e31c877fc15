import request from 'supertest';
import { bearer, registerUser } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/** GET /api/v1/revocations: the revocation feed for registered relying services, and who may read it. */

const CREDENTIAL = 'orders-credential-0123456789abcdef0123456789';
const basic = (name: string, credential: string) => `Basic ${Buffer.from(`${name}:${credential}`).toString('base64')}`;

let t: TestApp;
const logLines: string[] = [];
beforeAll(async () => {
  t = await startTestApp(
    { RELYING_SERVICES: `orders:${CREDENTIAL}`, RATE_LIMIT_LOGIN_PER_IP: '3', LOG_LEVEL: 'info' },
    undefined,
    { logDestination: { write: (line: string) => void logLines.push(line) } },
  );
});
afterAll(() => t.close());

const feed = (query = '') => request(t.app).get(`/api/v1/revocations${query}`).set('Authorization', basic('orders', CREDENTIAL));

describe('GET /api/v1/revocations', () => {
  it('a registered service reads the newest entry and the lease, then every revocation after it', async () => {
    const start = await feed();
    expect(start.status).toBe(200);
    expect(start.headers['cache-control']).toBe('no-store');
    expect(start.body).toEqual({ success: true, leaseMs: 150, entries: [{ seq: expect.any(Number), sessionIds: expect.any(Array) }] });
    const position = start.body.entries[0].seq as number;

    const user = await registerUser(t.app);
    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);
    const next = await feed(`?from=${position}`);
    expect(next.status).toBe(200);
    expect(next.body.entries[0].seq).toBe(position);
    expect(next.body.entries.flatMap((entry: { sessionIds: string[] }) => entry.sessionIds)).toContain(user.sessionId);
  });

  it.each(['-1', '1.5', 'x', '99999999999999999'])('from=%s: 400 VALIDATION_ERROR', async (from) => {
    const res = await feed(`?from=${from}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_ERROR');
  });

  it('other methods: 405', async () => {
    expect((await request(t.app).post('/api/v1/revocations').set('Authorization', basic('orders', CREDENTIAL))).status).toBe(405);
  });

  it('no, wrong or unknown credentials: 401 with a Basic challenge, never logged, counted until 429', async () => {
    const wrong = [undefined, basic('orders', 'not-the-credential-but-long-enough-0000'), basic('billing', CREDENTIAL), 'Bearer a.b.c'];
    const statuses: number[] = [];
    for (const header of wrong) {
      const req = request(t.app).get('/api/v1/revocations');
      const res = await (header ? req.set('Authorization', header) : req);
      statuses.push(res.status);
      if (res.status === 401) {
        expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: 'Relying-service credentials are missing or wrong' });
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm="relying-services"/);
      }
    }
    // RATE_LIMIT_LOGIN_PER_IP=3: the fourth wrong attempt from the address is refused as such.
    expect(statuses).toEqual([401, 401, 401, 429]);
    // The right credential still reads the feed, and no credential appears in any log line.
    expect((await feed()).status).toBe(200);
    const logs = logLines.join('');
    expect(logs).toContain('relying_service_refused');
    expect(logs).not.toContain(CREDENTIAL);
    expect(logs).not.toContain(basic('orders', CREDENTIAL).slice(6, 40));
    expect(logs).not.toContain('not-the-credential');
  });
});
