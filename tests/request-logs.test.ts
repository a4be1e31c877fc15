import request from 'supertest';
import { bearer, registerUser } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * What a person reads in development and what a machine reads in production: the real logger's output
 * for real requests, captured through a destination stream, in each LOG_FORMAT.
 */

function capture() {
  const writes: string[] = [];
  return { destination: { write: (chunk: string) => void writes.push(chunk) }, text: () => writes.join(''), writes };
}

async function appLogging(env: Record<string, string>) {
  const output = capture();
  const t = await startTestApp({ NODE_ENV: 'development', ...env }, undefined, { logDestination: output.destination });
  return { t, output };
}

const apps: TestApp[] = [];
afterAll(() => Promise.all(apps.map((t) => t.close())));

describe('LOG_FORMAT=pretty (the development default)', () => {
  it('is the default in development', async () => {
    const { t } = await appLogging({});
    apps.push(t);
    expect(t.config.logFormat).toBe('pretty');
  });

  it('writes one line per request: method, path without query, status, time and request id', async () => {
    const { t, output } = await appLogging({ LOG_LEVEL: 'info' });
    apps.push(t);
    const user = await registerUser(t.app);
    const start = output.writes.length;
    const res = await request(t.app).get('/api/v1/users/me?verbose=1').set(...bearer(user)).set('User-Agent', 'agent-in-the-log-test');
    expect(res.status).toBe(200);
    const lines = output.writes.slice(start);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: GET /api/v1/users/me 200 \\d+ms \\[${res.headers['x-request-id']}\\]\\n$`));
    // No request object: no headers, no user agent, no token.
    expect(output.text()).not.toContain('agent-in-the-log-test');
    expect(output.text()).not.toContain(user.accessToken);
  });

  it('audit events stay one line, with their fields', async () => {
    const { t, output } = await appLogging({ LOG_LEVEL: 'info' });
    apps.push(t);
    const res = await request(t.app).post('/api/v1/auth/login').send({ email: 'nobody@example.com', password: 'password123' });
    expect(res.status).toBe(401);
    const auditLine = output.writes.find((line) => line.includes('audit: login_failed'));
    expect(auditLine).toMatch(new RegExp(`INFO: audit: login_failed \\[${res.headers['x-request-id']}\\] \\{"account":"[0-9a-f]{16}","ip":"[^"]+"\\}\\n$`));
    expect(output.text()).not.toContain('nobody@example.com');
    expect(output.text()).not.toContain('password123');
  });

  it('shows whole request objects only at LOG_LEVEL=debug, with credentials still redacted', async () => {
    const { t, output } = await appLogging({ LOG_LEVEL: 'debug' });
    apps.push(t);
    const user = await registerUser(t.app);
    const res = await request(t.app).get('/api/v1/users/me').set('Cookie', user.cookieHeader).set('User-Agent', 'agent-in-the-log-test');
    expect(res.status).toBe(200);
    const text = output.text();
    expect(text).toContain('GET /api/v1/users/me 200');
    expect(text).toContain('agent-in-the-log-test');
    expect(text).toMatch(/"cookie": "\[redacted\]"/);
    expect(text).not.toContain(user.accessToken);
    expect(text).not.toContain(user.refreshToken);
  });
});

describe('LOG_FORMAT=json (production, tests, and on request)', () => {
  it("writes the request and response objects (pino's standard serializers), exactly as production reads them", async () => {
    const { t, output } = await appLogging({ LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
    apps.push(t);
    const user = await registerUser(t.app);
    const res = await request(t.app).get('/api/v1/users/me').set(...bearer(user));
    const entries = output.writes.map((line) => JSON.parse(line) as { req?: { id?: string }; res?: unknown });
    const entry = entries.find((e) => e.req?.id === res.headers['x-request-id'] && e.res !== undefined);
    expect(entry).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: res.headers['x-request-id'], method: 'GET', url: '/api/v1/users/me', headers: expect.objectContaining({ authorization: '[redacted]' }) },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
  });
});
