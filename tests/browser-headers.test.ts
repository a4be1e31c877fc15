import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { securityHeaders } from '../src/http/security-headers';
import { bearer, registerUser } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/** What a browser is told: helmet's headers, no caching of auth responses, CORS only for listed origins. */

const ALLOWED = 'https://app.example.com';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: ALLOWED });
});
afterAll(() => t.close());

describe('security headers', () => {
  it.each([
    ['a success', () => request(t.app).get('/healthz')],
    ['a 401', () => request(t.app).get('/api/v1/users/me')],
    ['a 404', () => request(t.app).get('/nowhere')],
    ['a 400', () => request(t.app).post('/api/v1/auth/login').send({})],
  ])('helmet headers are on %s', async (_name, send) => {
    const res = await send();
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'self'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['development and test', { strictTransportSecurity: false }],
    ['production', { strictTransportSecurity: true }],
    ['a fork with its own CSP', { contentSecurityPolicy: { directives: { 'script-src': ["'self'", 'https://cdn.example.com'] } } }],
  ])("are exactly helmet's own (%s): the same names and values as its middleware sets", async (_name, options) => {
    const headersOf = async (middleware: express.RequestHandler) => {
      const app = express()
        .disable('x-powered-by')
        .use(middleware)
        .get('/healthz', (_req, res) => void res.json({ success: true, status: 'ok' }));
      const { headers } = await request(app).get('/healthz');
      // Only what the security middleware decides; the rest is Express's and the clock's.
      for (const name of ['date', 'connection', 'keep-alive', 'content-length', 'content-type', 'etag']) delete headers[name];
      return headers;
    };
    const ours = await headersOf(securityHeaders(options));
    expect(Object.keys(ours).length).toBeGreaterThanOrEqual(10);
    expect(ours).toEqual(await headersOf(helmet(options)));
  });

  it('refuses a CSP directive computed per request, which it would freeze at its first value', () => {
    const nonce = () => `'nonce-${Math.random()}'`;
    expect(() => securityHeaders({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", nonce] } } })).toThrow(/per request/);
  });

  it('HSTS only in production: never on a development or test server, which may be plain http', async () => {
    expect((await request(t.app).get('/healthz')).headers['strict-transport-security']).toBeUndefined();
    const production = await startTestApp({ NODE_ENV: 'production' }, t.dbName);
    try {
      const res = await request(production.app).get('/healthz');
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}; includeSubDomains$/);
    } finally {
      await production.connection.close();
    }
  });

  it.each([
    ['login', () => request(t.app).post('/api/v1/auth/login').send({ email: 'a@example.com', password: 'x' })],
    ['an error under /api/v1', () => request(t.app).get('/api/v1/nowhere')],
    ['a method error under /api/v1', () => request(t.app).get('/api/v1/auth/login')],
  ])('Cache-Control: no-store on %s', async (_name, send) => {
    expect((await send()).headers['cache-control']).toBe('no-store');
  });

  it('Cache-Control: no-store on a signed-in response that carries tokens', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).get('/api/v1/users/me').set(...bearer(user));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('CORS', () => {
  it('an origin in CORS_ORIGINS gets CORS headers with credentials', async () => {
    const res = await request(t.app).get('/api/v1/users/me').set('Origin', ALLOWED);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers.vary).toMatch(/Origin/);
    // So a front end can read the request id and tell the user when to retry after a 429.
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,Retry-After,RateLimit,RateLimit-Policy');
  });

  it('a preflight from an allowed origin is answered for the API methods and headers', async () => {
    const res = await request(t.app)
      .options('/api/v1/auth/logout')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'Authorization, Content-Type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST,DELETE');
    expect(res.headers['access-control-allow-headers']).toBe('Content-Type,Authorization');
  });

  it.each(['/healthz', '/api/v1/openapi.json'])('a preflight from an allowed origin to %s is still answered by CORS, not by the 405', async (path) => {
    const res = await request(t.app).options(path).set('Origin', ALLOWED).set('Access-Control-Request-Method', 'GET');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it.each(['https://evil.example.net', 'null', `${ALLOWED}.evil.example.net`, 'http://app.example.com'])(
    'another origin (%s) gets no CORS headers, on requests and on preflights',
    async (origin) => {
      const res = await request(t.app).get('/api/v1/users/me').set('Origin', origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      const preflight = await request(t.app).options('/api/v1/auth/logout').set('Origin', origin).set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    },
  );
});
