import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../src/config';
import { createHttpServer, slowClientLimits } from '../src/http/http-server';
import { bearer, PASSWORD, registerUser, uniqueEmail, type SignedInUser } from './support/auth-helpers';
import { writeAndWaitForClose } from './support/raw-socket';
import { startTestApp, TEST_SECRET, type TestApp } from './support/test-app';

/** Hostile requests: each gets a clear 4xx in the API's JSON error shape, never a 5xx, HTML or a stack. */

let t: TestApp;
let user: SignedInUser;
beforeAll(async () => {
  t = await startTestApp();
  user = await registerUser(t.app);
});
afterAll(() => t.close());

function expectJsonError(res: request.Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ success: false, code: code ?? expect.any(String), message: expect.any(String) });
  expect(res.text).not.toMatch(/<html|\bat \S+ \(|node_modules|\.ts:\d+/i);
}

/**
 * The own property names of Object.prototype in both realms a request passes through: this file's (which
 * the app's modules, zod and jsonwebtoken share) and Node's own (its HTTP parser builds req.headers).
 * Pollution anywhere adds a name to one of them.
 */
function prototypeNames(): string[][] {
  return [Object.prototype, Object.getPrototypeOf(process.versions) as object].map((proto) => Object.getOwnPropertyNames(proto).sort());
}

function expectPrototypesAsBefore(before: string[][]) {
  expect(prototypeNames()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

/** JSON text with `__proto__` and `constructor.prototype` as keys of its own (JSON.stringify drops neither). */
const POLLUTING_KEYS = '"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}';

const jsonRoutes = [
  ['POST /api/v1/auth/register', () => request(t.app).post('/api/v1/auth/register')],
  ['POST /api/v1/auth/login', () => request(t.app).post('/api/v1/auth/login')],
  ['POST /api/v1/users/me/password', () => request(t.app).post('/api/v1/users/me/password').set(...bearer(user))],
] as const;

describe('hostile bodies on every JSON route', () => {
  describe.each(jsonRoutes)('%s', (_name, send) => {
    it.each([
      ['truncated JSON', '{"email": "a@example.com"'],
      ['single quotes', "{'email': 'a@example.com'}"],
      ['a trailing comma', '{"email": "a@example.com",}'],
      ['a bare string (strict mode wants an object or array)', '"hello"'],
      ['a number', '42'],
      ['null', 'null'],
      ['nothing but whitespace after the brace', '{   '],
    ])('malformed JSON (%s) → 400 INVALID_JSON', async (_case, body) => {
      expectJsonError(await send().set('Content-Type', 'application/json').send(body), 400, 'INVALID_JSON');
    });

    it.each([
      ['text/plain', 'text/plain'],
      ['a form', 'application/x-www-form-urlencoded'],
      ['multipart', 'multipart/form-data; boundary=x'],
      ['XML', 'application/xml'],
      ['a made-up type', 'application/x-nonsense'],
    ])('a body of another media type (%s) → 415', async (_case, type) => {
      expectJsonError(await send().set('Content-Type', type).send('email=a@example.com'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('JSON in a charset body-parser cannot read → 415', async () => {
      expectJsonError(await send().set('Content-Type', 'application/json; charset=klingon').send('{}'), 415);
    });

    it('a body over BODY_LIMIT (10 kB) → 413', async () => {
      const body = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(11 * 1024) });
      expectJsonError(await send().set('Content-Type', 'application/json').send(body), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('an unknown Content-Encoding → 415', async () => {
      expectJsonError(await send().set('Content-Type', 'application/json').set('Content-Encoding', 'x-made-up').send('{}'), 415);
    });

    it.each([
      ['an array', []],
      ['an empty object', {}],
      ['operator injection in a field', { email: { $gt: '' }, password: { $ne: null }, currentPassword: { $ne: 1 }, newPassword: { $gt: '' } }],
      ['an unknown field', { email: 'a@example.com', password: PASSWORD, currentPassword: PASSWORD, newPassword: PASSWORD, isAdmin: true }],
      ['a $where field', { $where: 'sleep(1000)' }],
      ['numbers where strings belong', { email: 1, password: 2, currentPassword: 3, newPassword: 4 }],
    ])('%s → 400 VALIDATION_ERROR', async (_case, body) => {
      expectJsonError(await send().send(body), 400, 'VALIDATION_ERROR');
    });

    it('a __proto__ key → 400 and no prototype is polluted', async () => {
      const before = prototypeNames();
      const res = await send().set('Content-Type', 'application/json').send(`{${POLLUTING_KEYS}}`);
      expectJsonError(res, 400, 'VALIDATION_ERROR');
      expectPrototypesAsBefore(before);
    });
  });

  it('operator injection at login finds nobody and signs nobody in', async () => {
    const res = await request(t.app).post('/api/v1/auth/login').send({ email: { $gt: '' }, password: { $gt: '' } });
    expectJsonError(res, 400, 'VALIDATION_ERROR');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('an unknown field at registration creates no user', async () => {
    const email = uniqueEmail();
    expectJsonError(await request(t.app).post('/api/v1/auth/register').send({ email, password: PASSWORD, role: 'admin' }), 400, 'VALIDATION_ERROR');
    expect(await t.models.User.exists({ email })).toBeNull();
  });

  it('validation details name the field but never echo the rejected value', async () => {
    const res = await request(t.app).post('/api/v1/auth/register').send({ email: 'not-an-email<script>', password: 'short' });
    expectJsonError(res, 400, 'VALIDATION_ERROR');
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password']);
    expect(res.text).not.toContain('<script>');
  });
});

describe('prototype pollution where the input is accepted', () => {
  /** A token the server signed in every respect, whose JOSE header and claims also carry the keys. */
  function tokenWithPollutingKeys(victim: SignedInUser): string {
    const claims = JSON.parse(Buffer.from(victim.accessToken.split('.')[1]!, 'base64url').toString('utf8')) as object;
    const header = `{"alg":"HS256","typ":"JWT",${POLLUTING_KEYS}}`;
    const payload = `${JSON.stringify(claims).slice(0, -1)},${POLLUTING_KEYS}}`;
    const input = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
    return `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`;
  }

  it('in a signed token, a logout query and cookie names: served as usual (the query refused with 400), and Object.prototype gains nothing', async () => {
    const before = prototypeNames();
    const victim = await registerUser(t.app);
    const token = tokenWithPollutingKeys(victim);
    // Accepted, so header and claims went through every parser and check a genuine token does.
    const me = await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(victim.id);
    const byCookie = await request(t.app).get('/api/v1/users/me').set('Cookie', `__proto__=x; constructor=y; accessToken=${token}`);
    expect(byCookie.status).toBe(200);

    // Logout's query takes `scope` and nothing else (issue 21): the polluting keys are parsed, then refused.
    const query = '?scope=local&__proto__[polluted]=1&constructor[prototype][polluted]=1&__proto__=x&constructor=y';
    const refused = await request(t.app).post(`/api/v1/auth/logout${query}`).set('Authorization', `Bearer ${token}`);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('VALIDATION_ERROR');
    const logout = await request(t.app).post('/api/v1/auth/logout?scope=local').set('Authorization', `Bearer ${token}`);
    expect(logout.status).toBe(200);
    expect(await t.models.SessionRevocation.exists({ _id: victim.sessionId })).not.toBeNull();

    expectPrototypesAsBefore(before);
  });
});

describe('hostile cookies', () => {
  it.each([
    ['a cookie without a value', 'accessToken'],
    ['only separators', '=;;; ;='],
    ['bad percent-encoding', 'accessToken=%E0%A4%A; refreshToken=%'],
    ['a JSON cookie (cookie-parser turns "j:" into an object)', 'accessToken=j:{"$gt":""}; refreshToken=j:["a"]'],
    ['the access cookie twice, a bad one first', `accessToken=garbage; accessToken=${'A'.repeat(10)}`],
    ['a 7 KB cookie', `accessToken=${'A'.repeat(7 * 1024)}`],
    ['a JWT-shaped cookie over 8 KB', `accessToken=${'A'.repeat(4096)}.${'A'.repeat(4096)}.${'A'.repeat(100)}`],
    ['three hundred cookies', Array.from({ length: 300 }, (_, i) => `c${i}=${i}`).join('; ')],
    ['a __proto__ cookie', '__proto__=x; constructor=y; accessToken=z'],
  ])('%s → 401 on an authenticated route, 401 at refresh and at logout', async (_case, cookie) => {
    expectJsonError(await request(t.app).get('/api/v1/users/me').set('Cookie', cookie), 401, 'UNAUTHORIZED');
    expectJsonError(await request(t.app).post('/api/v1/auth/refresh').set('Cookie', cookie), 401, 'UNAUTHORIZED');
    expectJsonError(await request(t.app).post('/api/v1/auth/logout').set('Cookie', cookie), 401, 'UNAUTHORIZED');
  });

  it('two different access cookies authenticate nothing, even with the genuine one first (tests/cookie-tossing.test.ts)', async () => {
    const res = await request(t.app).get('/api/v1/users/me').set('Cookie', `accessToken=${user.accessToken}; accessToken=garbage`);
    expectJsonError(res, 401, 'UNAUTHORIZED');
  });

  it('two Cookie headers do not cause an error', async () => {
    const res = await request(t.app).get('/api/v1/users/me').set('Cookie', ['accessToken=a', 'accessToken=b'] as unknown as string);
    expectJsonError(res, 401, 'UNAUTHORIZED');
  });
});

describe('hostile URLs, methods and query strings', () => {
  it.each([
    ['/api/v1/auth/sessions/%E0%A4%A', 'DELETE'],
    ['/api/v1/auth/sessions/%', 'DELETE'],
    ['/api/v1/auth/sessions/%00', 'DELETE'],
  ])('a malformed percent-encoding in a path parameter (%s) → 4xx JSON', async (path, method) => {
    const res = await request(t.app)[method.toLowerCase() as 'delete'](path).set(...bearer(user));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectJsonError(res, res.status);
  });

  it.each(['/%', '/api/v1/%E0%A4%A', '/api/v1/auth/%zz', '/..%2f..%2fetc%2fpasswd', '/api/v1/auth/login/..', '/api/v1//auth/login'])(
    'an odd path (%s) → 404 JSON',
    async (path) => {
      expectJsonError(await request(t.app).post(path).send({}), 404, 'NOT_FOUND');
    },
  );

  it('an unknown route → 404 NOT_FOUND JSON', async () => {
    expectJsonError(await request(t.app).get('/api/v1/admin'), 404, 'NOT_FOUND');
    expectJsonError(await request(t.app).get('/wp-login.php'), 404, 'NOT_FOUND');
  });

  it.each([
    ['GET', '/api/v1/auth/login', 'POST'],
    ['PUT', '/api/v1/auth/register', 'POST'],
    ['GET', '/api/v1/auth/refresh', 'POST'],
    ['GET', '/api/v1/auth/logout', 'POST'],
    ['POST', '/api/v1/auth/sessions', 'GET'],
    ['PATCH', '/api/v1/auth/sessions/0123456789abcdef01234567', 'DELETE'],
    ['PUT', '/api/v1/users/me', 'GET, DELETE'],
    ['PUT', '/api/v1/users/me/password', 'POST'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const res = await request(t.app)[method.toLowerCase() as 'get'](path);
    expectJsonError(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe(allow);
  });

  it.each([
    ['POST', '/healthz'],
    ['OPTIONS', '/healthz'],
    ['TRACE', '/healthz'],
    ['DELETE', '/readyz'],
    ['OPTIONS', '/readyz'],
    ['TRACE', '/readyz'],
    ['PUT', '/docs'],
    ['OPTIONS', '/docs'],
    ['TRACE', '/docs'],
    ['POST', '/api/v1/openapi.json'],
    ['OPTIONS', '/api/v1/openapi.json'],
    ['TRACE', '/api/v1/openapi.json'],
    ['PATCH', '/docs/assets/swagger-ui.css'],
  ])('%s %s (probes and docs) → 405 JSON with Allow: GET, HEAD', async (method, path) => {
    const res = await request(t.app)[method.toLowerCase() as 'get'](path);
    expectJsonError(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('an unknown docs asset is still a 404, whatever the method', async () => {
    expectJsonError(await request(t.app).get('/docs/assets/package.json'), 404, 'NOT_FOUND');
  });

  it.each(['?scope=global&scope=local', '?scope=%E0%A4%A', '?scope=' + 'x'.repeat(5000), '?scope=GLOBAL'])(
    'a hostile logout query (%s) → 400 VALIDATION_ERROR and nothing revoked',
    async (query) => {
      const victim = await registerUser(t.app);
      expectJsonError(await request(t.app).post(`/api/v1/auth/logout${query}`).set(...bearer(victim)), 400, 'VALIDATION_ERROR');
      expect((await request(t.app).get('/api/v1/users/me').set(...bearer(victim))).status).toBe(200);
    },
  );

  it('HEAD of a JSON route answers without a body and without an error', async () => {
    const res = await request(t.app).head('/api/v1/users/me');
    expect(res.status).toBe(401);
  });
});

describe('requests Node refuses before Express sees them (a real socket)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createHttpServer(t.app, pino({ level: 'silent' }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends raw bytes and returns everything the server answered before closing. */
  function raw(payload: string): Promise<{ status: number; headers: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = data.split('\r\n\r\n');
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body });
      });
      socket.end(payload);
    });
  }

  function expectRawJsonError(res: { status: number; headers: string; body: string }, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(res.body)).toEqual({ success: false, code, message: expect.any(String) });
  }

  it('headers over the server limit → 431 HEADERS_TOO_LARGE JSON', async () => {
    const res = await raw(`GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nCookie: accessToken=${'A'.repeat(40_000)}\r\n\r\n`);
    expectRawJsonError(res, 431, 'HEADERS_TOO_LARGE');
  });

  it('thousands of small headers over the limit → 431 JSON', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${i}`).join('\r\n');
    expectRawJsonError(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`), 431, 'HEADERS_TOO_LARGE');
  });

  it.each([
    ['a garbage request line', 'HELLO THERE\r\n\r\n'],
    ['an unknown method', 'BREW /api/v1/users/me HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n'],
    ['a header name with a space', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
    ['two different Content-Lengths', 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['Content-Length together with chunked', 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['a non-numeric Content-Length', 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    ['a bare LF in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\nX-B: b\r\n\r\n'],
    ['an invalid chunk size', 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n'],
  ])('%s → 400 BAD_REQUEST JSON', async (_case, payload) => {
    expectRawJsonError(await raw(payload), 400, 'BAD_REQUEST');
  });

  it('an Expect header other than 100-continue → 417 EXPECTATION_FAILED JSON', async () => {
    const res = await raw('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    expectRawJsonError(res, 417, 'EXPECTATION_FAILED');
  });

  it('CONNECT (this is not a proxy) → 405 JSON instead of a silent close', async () => {
    expectRawJsonError(await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'), 405, 'METHOD_NOT_ALLOWED');
  });

  it('an Upgrade request is served as a plain request', async () => {
    const res = await raw('GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body.split('\r\n').find((line) => line.startsWith('{')) ?? res.body)).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a body shorter than its Content-Length (client gives up) does not crash the server', async () => {
    await raw('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em');
    const res = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
  });

  /** A body sent byte for byte with node:http (superagent re-encodes some bodies). */
  function post(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('a gzip body that inflates beyond BODY_LIMIT → 413, without inflating it all', async () => {
    const bomb = gzipSync(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(10 * 1024 * 1024) }));
    const res = await post('/api/v1/auth/login', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, bomb);
    expect(res).toEqual({ status: 413, body: { success: false, code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
  });

  it('a body that claims gzip but is not → 400 JSON', async () => {
    const res = await post('/api/v1/auth/login', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, Buffer.from('{"a":1}'));
    expect(res).toEqual({ status: 400, body: { success: false, code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it('a cookie with control characters → 4xx JSON', async () => {
    const res = await raw('GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nCookie: accessToken=\u0001\u0002\u007f\r\nConnection: close\r\n\r\n');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, code: expect.any(String) });
  });

  it('a client that never finishes its headers → 408 REQUEST_TIMEOUT JSON (Slowloris)', async () => {
    const slow = createHttpServer(t.app, pino({ level: 'silent' }), { headersTimeout: 300, requestTimeout: 300, connectionsCheckingInterval: 50 });
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    try {
      const answer = await writeAndWaitForClose((slow.address() as AddressInfo).port, 'GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toEqual({ success: false, code: 'REQUEST_TIMEOUT', message: expect.any(String) });
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('a client that stalls its body → 408 REQUEST_TIMEOUT JSON within HTTP_REQUEST_TIMEOUT_MS and Node\'s check interval', async () => {
    const limits = loadConfig({ NODE_ENV: 'test', HTTP_HEADERS_TIMEOUT_MS: '200', HTTP_REQUEST_TIMEOUT_MS: '800' }).http;
    const options = slowClientLimits(limits);
    const slow = createHttpServer(t.app, pino({ level: 'silent' }), options);
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    try {
      const started = performance.now();
      // The headers are complete and the route is reading the body, of which 10 of 100 bytes ever come.
      const answer = await writeAndWaitForClose(
        (slow.address() as AddressInfo).port,
        'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":',
      );
      const elapsedMs = performance.now() - started;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toEqual({ success: false, code: 'REQUEST_TIMEOUT', message: expect.any(String) });
      // The documented bound; the margin is for scheduling on a loaded machine.
      expect(elapsedMs).toBeLessThanOrEqual(limits.requestTimeoutMs + options.connectionsCheckingInterval! + 500);
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('HTTP/1.1 without a Host → 400 BAD_REQUEST JSON (RFC 9112 §3.2)', async () => {
    expectRawJsonError(await raw('GET /api/v1/users/me HTTP/1.1\r\n\r\n'), 400, 'BAD_REQUEST');
  });

  it.each([
    ['two different Host headers', 'GET /healthz HTTP/1.1\r\nHost: api.example.com\r\nHost: evil.example.net\r\n\r\n'],
    ['the same Host twice', 'GET /healthz HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n'],
    ['two Host headers in HTTP/1.0', 'GET /healthz HTTP/1.0\r\nHost: x\r\nhost: y\r\n\r\n'],
  ])('%s → 400 BAD_REQUEST JSON (RFC 9112 §3.2)', async (_case, payload) => {
    expectRawJsonError(await raw(payload), 400, 'BAD_REQUEST');
  });

  it('HTTP/1.0 without a Host still gets JSON', async () => {
    const res = await raw('GET /api/v1/nothing HTTP/1.0\r\n\r\n');
    expect(res.headers).toMatch(/^HTTP\/1\.1 404/);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });
});
