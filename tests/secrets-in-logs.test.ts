import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startApiProcess, type ApiProcess } from './support/api-process';
import { PASSWORD, uniqueEmail } from './support/auth-helpers';
import { processDatabase } from './support/process-database';

/**
 * Issue 21, finding 4: a production process's own log (JSON on stdout), after hostile requests that put
 * secrets in the query string and in headers, holds none of those secrets, and still says what was
 * asked (method and path) and by whom (request id).
 */

let api: ApiProcess;
const database = processDatabase();
beforeAll(async () => {
  api = await startApiProcess(database.uri, { NODE_ENV: 'production', LOG_LEVEL: 'info', RATE_LIMIT_REGISTER_PER_IP: '0' });
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await database.drop();
});

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

describe('the production request log', () => {
  it('logs no query string and no credential-bearing header, whatever their names', async () => {
    const registered = await request(api.url).post('/api/v1/auth/register').send({ email: uniqueEmail(), password: PASSWORD });
    expect(registered.status).toBe(201);
    const jwt: string = registered.body.accessToken;
    const secrets = {
      password: secret('query-password'),
      code: secret('referer-code'),
      proxy: secret('proxy-authorization'),
      apiKey: secret('x-api-key'),
      authToken: secret('x-auth-token'),
      clientSecret: secret('x-client-secret'),
      sessionId: secret('x-session-id'),
      cookie: secret('x-forwarded-cookie'),
      harmless: secret('x-harmless'),
    };
    const res = await request(api.url)
      .get(`/api/v1/users/me?access_token=${jwt}&password=${secrets.password}`)
      .set('Authorization', `Bearer ${jwt}`)
      .set('Referer', `https://app.example.test/callback?code=${secrets.code}&token=${jwt}`)
      .set('Proxy-Authorization', `Basic ${secrets.proxy}`)
      .set('X-Api-Key', secrets.apiKey)
      .set('X-Auth-Token', secrets.authToken)
      .set('X-Client-Secret', secrets.clientSecret)
      .set('X-Session-Id', secrets.sessionId)
      .set('X-Forwarded-Cookie', secrets.cookie)
      .set('X-Harmless', secrets.harmless);
    expect(res.status).toBe(200);
    const requestId = res.headers['x-request-id'] as string;
    await api.printed(new RegExp(`"id":"${requestId}"`));

    const line = api
      .output()
      .split('\n')
      .find((text) => text.includes(`"id":"${requestId}"`) && text.includes('"res"'))!;
    const entry = JSON.parse(line) as { req: { method: string; url: string; query?: unknown; headers: Record<string, string> } };
    expect(entry.req).toMatchObject({ method: 'GET', url: '/api/v1/users/me' });
    expect(entry.req.query).toBeUndefined();
    // A header that carries nothing secret is still there to read.
    expect(entry.req.headers['x-harmless']).toBe(secrets.harmless);
    for (const name of ['authorization', 'referer', 'proxy-authorization', 'x-api-key', 'x-auth-token', 'x-client-secret', 'x-session-id', 'x-forwarded-cookie']) {
      expect([name, entry.req.headers[name]]).toEqual([name, '[redacted]']);
    }
    const mustNotAppear = Object.entries(secrets).filter(([label]) => label !== 'harmless').map(([, value]) => value);
    for (const value of [jwt, ...mustNotAppear]) expect(api.output()).not.toContain(value);
  });
});
