import { once } from 'node:events';
import { Agent, request as httpRequest, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import { createHttpServer } from '../src/http/http-server';
import { PASSWORD, registerUser, type SignedInUser, ACCESS_COOKIE, REFRESH_COOKIE } from './support/auth-helpers';
import { seededRandom } from './support/seeded-random';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Property-based fuzzing of headers, cookies, query strings and bodies over every route, through a real
 * socket. Whatever arrives, the answer is never a 5xx, every error is the API's JSON error shape, and no
 * body carries HTML or a stack trace. Header values stay within what an HTTP client can send at all
 * (tests/hostile-requests.test.ts sends the bytes no client would, over a raw socket).
 *
 * Every property draws from the run's seed, named in the describe blocks; TEST_SEED=<seed> replays a
 * run exactly, and fast-check's report of a failure adds the counterexample's seed and path.
 */

const ALLOWED_ORIGIN = 'https://app.example.com';
const FUZZ_EMAIL = 'fuzz-user@example.com';
const RUNS_PER_ROUTE = 300;
const RUNS_ANY_ROUTE = 1000;
const RUNS_RAW = 500;
const { seed: SEED } = seededRandom();

let t: TestApp;
let server: Server;
let port: number;
let user: SignedInUser;
const agent = new Agent({ keepAlive: false });

beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: ALLOWED_ORIGIN });
  user = await registerUser(t.app, FUZZ_EMAIL);
  server = createHttpServer(t.app, pino({ level: 'silent' }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

// ---- arbitraries -------------------------------------------------------------------------------

/** Any character a client may put in a header value: tab, visible ASCII, space and obs-text. */
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.constant(0x09),
  fc.integer({ min: 0x80, max: 0xff }),
).map((code) => String.fromCharCode(code));
const headerText = (maxLength = 60) => fc.string({ unit: headerChar, maxLength });
const bigHeaderText = fc.integer({ min: 1000, max: 12_000 }).map((n) => 'A'.repeat(n));

const tokenLike = fc.oneof(
  fc.constant(() => user.accessToken),
  fc.constant(() => user.accessToken.slice(0, -3) + 'abc'),
  fc.constant(() => jwt.sign({ sid: 'x' }, 'a-secret-that-is-not-the-servers-secret-at-all', { algorithm: 'HS256' })),
  fc.base64String({ maxLength: 80 }).map((s) => () => `${s}.${s}.${s}`.replace(/[+/=]/g, '_')),
  headerText(80).map((s) => () => s),
);

const authorization = fc.option(
  fc.oneof(
    tokenLike.map((make) => () => `Bearer ${make()}`),
    fc.tuple(fc.constantFrom('bearer', 'BEARER', 'Basic', 'Token', 'Bearer ', ''), tokenLike).map(([scheme, make]) => () => `${scheme} ${make()}`),
    headerText().map((s) => () => s),
  ),
  { nil: undefined },
);

const cookieName = fc.oneof(fc.constantFrom('accessToken', 'refreshToken', '__proto__', 'j', ''), fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/));
const cookieValue = fc.oneof(
  tokenLike,
  fc.constant(() => user.refreshToken),
  fc.constantFrom('j:{"$gt":""}', 'j:[1,2]', 'j:null', '%E0%A4%A', '%', '""', 'a=b=c').map((s) => () => s),
  headerText(40).map((s) => () => s.replace(/;/g, '')),
);
const cookie = fc.option(
  fc.oneof(
    fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 6 }).map((pairs) => () => pairs.map(([name, value]) => `${name}=${value()}`).join('; ')),
    headerText().map((s) => () => s),
    bigHeaderText.map((s) => () => `${ACCESS_COOKIE}=${s}`),
  ),
  { nil: undefined },
);

// Absent half the time, so requests get past the CSRF check to the handlers.
const origin = fc.option(
  fc.oneof(fc.constantFrom(ALLOWED_ORIGIN, 'https://evil.example.net', 'null', `http://127.0.0.1`, 'file://'), headerText(40)),
  { nil: undefined, freq: 2 },
);

const contentType = fc.option(
  fc.oneof(
    { weight: 4, arbitrary: fc.constant('application/json') },
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=klingon',
      'application/JSON',
      'application/merge-patch+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'application/json, text/plain',
    ),
    headerText(40),
  ),
  { nil: undefined },
);

/** Extra headers a hostile client may add; names are x-… so none changes how the message is framed. */
const extraHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom('accept', 'accept-encoding', 'accept-language', 'content-encoding', 'x-forwarded-for', 'x-forwarded-proto', 'forwarded', 'user-agent', 'if-none-match', 'range', 'x-request-id', 'referer'),
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  ),
  fc.oneof(headerText(), fc.constantFrom('gzip', 'deflate', 'br', 'identity', '127.0.0.1, 10.0.0.1', 'https', '*/*', 'bytes=0-1')),
  { maxKeys: 4 },
);

/** Bodies that look almost right (the schema's own fields with hostile values) as well as plain junk. */
const fieldValue = fc.oneof(
  fc.constantFrom(FUZZ_EMAIL, PASSWORD, 'user@example.com', '', ' ', 'a'.repeat(300)),
  fc.constant({ $gt: '' }),
  fc.constant({ $ne: null }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const passwords = fc.constantFrom(PASSWORD, 'wrong password', 'short', 'another good password');
/** The fields one route expects, each present or not: strict schemas reject the other routes' fields. */
const nearlyValid = (fields: Record<string, fc.Arbitrary<string>>) =>
  fc.record(fields, { requiredKeys: [] }).map((o) => Buffer.from(JSON.stringify(o)));
const fieldName = fc.constantFrom('email', 'password', 'name', 'currentPassword', 'newPassword', '__proto__', 'constructor', '$where', 'isAdmin');
const body = fc.option(
  fc.oneof(
    { weight: 2, arbitrary: nearlyValid({ email: fc.constantFrom(FUZZ_EMAIL, ` ${FUZZ_EMAIL.toUpperCase()} `, 'nobody@example.com'), password: passwords }) },
    { weight: 1, arbitrary: nearlyValid({ currentPassword: passwords, newPassword: passwords }) },
    fc.dictionary(fieldName, fieldValue, { maxKeys: 4 }).map((o) => Buffer.from(JSON.stringify(o))),
    fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)),
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    // Twice as likely as the rest: each JSON route's own fuzzing must reach its size limit (413).
    { weight: 2, arbitrary: fc.integer({ min: 9 * 1024, max: 40 * 1024 }).map((n) => Buffer.from(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(n) }))) },
    fc.integer({ min: 1, max: 3000 }).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))),
  ),
  { nil: undefined },
);

const query = fc.option(
  fc.oneof(
    fc.constantFrom('?scope=local', '?scope=others', '?scope=global', '?scope=GLOBAL', '?scope=local&scope=global', '?scope[$ne]=x', '?%', '?scope=%E0%A4%A'),
    fc.webQueryParameters().map((q) => `?${q}`),
  ),
  { nil: undefined },
);

const segment = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{24}$/),
  fc.constantFrom('%', '%E0%A4%A', '%00', '..', '%2e%2e', 'null', '{"$gt":""}'),
  fc.webSegment(),
  fc.constant(() => (jwt.decode(user.accessToken) as { sid: string }).sid),
);

const anyMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS');

interface Route {
  method: string;
  path: fc.Arbitrary<string>;
  /**
   * The kinds of answer (status and code) this route's own fuzzing must produce, to show it reached past
   * each guard in front of the handler and the handler itself; each came many times in every seed tried.
   */
  reaches: string[];
}

const BODY_GUARDS = ['400 INVALID_JSON', '400 VALIDATION_ERROR', '413 PAYLOAD_TOO_LARGE', '415 UNSUPPORTED_MEDIA_TYPE', '405 METHOD_NOT_ALLOWED'];
const COOKIE_GUARDS = ['401 UNAUTHORIZED', '403 CSRF_REJECTED', '405 METHOD_NOT_ALLOWED'];

const routes: Record<string, Route> = {
  'GET /healthz': { method: 'GET', path: fc.constant('/healthz'), reaches: ['200', '405 METHOD_NOT_ALLOWED'] },
  'GET /readyz': { method: 'GET', path: fc.constant('/readyz'), reaches: ['200', '405 METHOD_NOT_ALLOWED'] },
  'POST /api/v1/auth/register': { method: 'POST', path: fc.constant('/api/v1/auth/register'), reaches: [...BODY_GUARDS, '409 EMAIL_TAKEN'] },
  'POST /api/v1/auth/login': { method: 'POST', path: fc.constant('/api/v1/auth/login'), reaches: [...BODY_GUARDS, '401 INVALID_CREDENTIALS'] },
  'POST /api/v1/auth/refresh': { method: 'POST', path: fc.constant('/api/v1/auth/refresh'), reaches: COOKIE_GUARDS },
  'POST /api/v1/auth/logout': { method: 'POST', path: fc.constant('/api/v1/auth/logout'), reaches: [...COOKIE_GUARDS, '400 VALIDATION_ERROR'] },
  'GET /api/v1/auth/sessions': { method: 'GET', path: fc.constant('/api/v1/auth/sessions'), reaches: ['401 UNAUTHORIZED', '405 METHOD_NOT_ALLOWED'] },
  'DELETE /api/v1/auth/sessions/:id': {
    method: 'DELETE',
    path: segment.map((s) => `/api/v1/auth/sessions/${typeof s === 'function' ? s() : s}`),
    reaches: [...COOKIE_GUARDS, '400 BAD_REQUEST'],
  },
  'GET /api/v1/users/me': { method: 'GET', path: fc.constant('/api/v1/users/me'), reaches: ['401 UNAUTHORIZED', '405 METHOD_NOT_ALLOWED'] },
  'POST /api/v1/users/me/password': { method: 'POST', path: fc.constant('/api/v1/users/me/password'), reaches: COOKIE_GUARDS },
};

const requestFor = (method: fc.Arbitrary<string>, path: fc.Arbitrary<string>) =>
  fc.record({ method, path, query, authorization, cookie, origin, contentType, extraHeaders, body });

interface FuzzRequest {
  method: string;
  path: string;
  query: string | undefined;
  authorization: (() => string) | undefined;
  cookie: (() => string) | undefined;
  origin: string | undefined;
  contentType: string | undefined;
  extraHeaders: Record<string, string>;
  body: Buffer | undefined;
}

// ---- sending and checking ----------------------------------------------------------------------

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(r: FuzzRequest): Promise<Answer> {
  const headers: Record<string, string> = { ...r.extraHeaders };
  if (r.authorization) headers.authorization = r.authorization();
  if (r.cookie) headers.cookie = r.cookie();
  if (r.origin !== undefined) headers.origin = r.origin;
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  if (r.body) headers['content-length'] = String(r.body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, agent, method: r.method, path: `${r.path}${r.query ?? ''}`, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(r.body);
  });
}

const STACK_TRACE = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\/src\/|\.ts:\d+|Error: /;

/** How many answers of each kind (status and error code) one test's fuzzing produced. */
type AnswerKinds = Map<string, number>;

function checkAnswer(r: FuzzRequest, answer: Answer, seen: AnswerKinds): void {
  const key = `${answer.status} ${/"code":"([A-Z_]+)"/.exec(answer.text)?.[1] ?? ''}`.trim();
  seen.set(key, (seen.get(key) ?? 0) + 1);
  const where = `${r.method} ${r.path}${r.query ?? ''} → ${answer.status} ${answer.text.slice(0, 200)}`;
  if (answer.status >= 500) throw new Error(`server error: ${where}`);
  if (/<html|<!doctype/i.test(answer.text)) throw new Error(`HTML body: ${where}`);
  if (STACK_TRACE.test(answer.text)) throw new Error(`stack trace in body: ${where}`);
  if (r.method === 'HEAD' || answer.status === 204 || answer.status === 304) return;
  if (!String(answer.headers['content-type']).startsWith('application/json')) throw new Error(`not JSON: ${where}`);
  const parsed = JSON.parse(answer.text) as { success?: unknown; code?: unknown; message?: unknown };
  if (answer.status >= 400) {
    const shaped = parsed.success === false && typeof parsed.code === 'string' && /^[A-Z_]+$/.test(parsed.code) && typeof parsed.message === 'string';
    if (!shaped) throw new Error(`error body not in the API's shape: ${where}`);
  } else if (parsed.success !== true) {
    throw new Error(`success body without success: true: ${where}`);
  }
}

// ---- properties --------------------------------------------------------------------------------

/**
 * The seed of one property: the run's seed mixed with the test's name, so each test draws its own requests
 * (one seed for all would send every route the same sequence of headers) and TEST_SEED replays them all.
 */
function seedFor(name: string): number {
  let hash = SEED;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash | 0;
}

/**
 * Sends `numRuns` generated requests and checks every answer, then that the answers included each kind
 * in `reaches` (so the requests got past the guards to what they guard). Returns the kinds seen.
 */
async function fuzz(name: string, method: fc.Arbitrary<string>, path: fc.Arbitrary<string>, numRuns: number, reaches: string[]): Promise<AnswerKinds> {
  const seen: AnswerKinds = new Map();
  await fc.assert(
    fc.asyncProperty(requestFor(method, path), async (r) => checkAnswer(r, await send(r), seen)),
    { numRuns, seed: seedFor(name) },
  );
  const answers = `${name}, seed ${SEED}: ${JSON.stringify(Object.fromEntries([...seen.entries()].sort()))}`;
  // Every generated request was sent and checked, and each expected kind of answer came back.
  expect({ answers, checked: [...seen.values()].reduce((sum, n) => sum + n, 0) }).toEqual({ answers, checked: numRuns });
  expect({ answers, missing: reaches.filter((kind) => !seen.has(kind)) }).toEqual({ answers, missing: [] });
  return seen;
}

describe(`fuzzing every route (seed ${SEED}; TEST_SEED=${SEED} replays it)`, () => {
  it.each(Object.entries(routes))(`%s: ${RUNS_PER_ROUTE} hostile requests, no 5xx, JSON errors, no stack, every guard reached`, async (name, route) => {
    const method = fc.oneof({ weight: 4, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: anyMethod });
    await fuzz(name, method, route.path, RUNS_PER_ROUTE, route.reaches);
  }, 60_000);

  it(`any method on any path: ${RUNS_ANY_ROUTE} requests, no 5xx, JSON errors, no stack, routing and auth reached`, async () => {
    const path = fc.oneof(
      ...Object.values(routes).map((route) => route.path),
      fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
      fc.array(fc.oneof(fc.constantFrom('api', 'v1', 'auth', 'users', 'me', 'sessions', '%', '%zz', '..'), fc.webSegment()), { maxLength: 6 }).map((parts) => `/${parts.join('/')}`),
    );
    const reaches = ['200', '400 VALIDATION_ERROR', '401 UNAUTHORIZED', '403 CSRF_REJECTED', '404 NOT_FOUND', '405 METHOD_NOT_ALLOWED', '415 UNSUPPORTED_MEDIA_TYPE'];
    const seen = await fuzz('any route', anyMethod, path, RUNS_ANY_ROUTE, reaches);
    console.log(`fuzzing answers (${RUNS_ANY_ROUTE} requests on any route, seed ${SEED}):`, Object.fromEntries([...seen.entries()].sort()));
  }, 90_000);
});

/**
 * Below any HTTP client: raw bytes on a socket, with the CR, LF, NUL and framing mistakes a client
 * library would refuse to send. Whatever Node's parser and the app make of them, no answer is a 5xx,
 * every answer with a body is JSON, and the server keeps serving.
 */
describe(`fuzzing the HTTP layer with raw bytes (seed ${SEED})`, () => {
  let rawServer: Server;
  let rawPort: number;
  beforeAll(async () => {
    // Short timeouts, so a request left incomplete is answered (408) instead of held for minutes.
    rawServer = createHttpServer(t.app, pino({ level: 'silent' }), { headersTimeout: 300, requestTimeout: 300, connectionsCheckingInterval: 50 });
    rawServer.listen(0, '127.0.0.1');
    await once(rawServer, 'listening');
    rawPort = (rawServer.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => rawServer.close(() => resolve())));

  const byteString = (maxLength: number) => fc.string({ unit: 'binary-ascii', maxLength });
  /** Mostly well-formed, so the app is reached too; the rest is junk where the parser must cope. */
  const mostly = <T,>(likely: fc.Arbitrary<T>, junk: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: likely }, { weight: 1, arbitrary: junk });
  const rawRequest = fc
    .record({
      method: mostly(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD'), fc.oneof(fc.constantFrom('get', 'CONNECT', 'PRI', 'BREW'), byteString(8))),
      target: mostly(fc.oneof(...Object.values(routes).map((route) => route.path)), fc.oneof(fc.constantFrom('*', '/%', 'http://evil/api/v1/users/me', '//', ''), byteString(30))),
      version: mostly(fc.constant('HTTP/1.1'), fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ', 'HTTP/9', '')),
      headers: fc.array(
        fc.tuple(
          mostly(fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'Content-Type', 'Cookie', 'Authorization', 'Expect', 'Connection', 'Origin'), byteString(12)),
          mostly(fc.constantFrom('0', '5', '-1', 'chunked', 'application/json', 'close', '100-continue', `${ACCESS_COOKIE}=a; ${REFRESH_COOKIE}=b`, 'Bearer a.b.c', 'x'), byteString(30)),
        ),
        { maxLength: 6 },
      ),
      body: mostly(fc.constantFrom('', '{}', '{"email":"a@example.com","password":"x"}', '0\r\n\r\n'), byteString(60)),
      lineEnd: mostly(fc.constant('\r\n'), fc.constantFrom('\n', '\r')),
      host: mostly(fc.constant(['Host', 'api.example.com']), fc.constant(undefined)),
    })
    .map(({ method, target, version, headers, body, lineEnd, host }) =>
      [`${method} ${target} ${version}`, ...[...(host ? [host] : []), ...headers].map(([name, value]) => `${name}: ${value}`), '', body].join(lineEnd),
    );

  const rawSeen = new Map<string, number>();

  /** Interim 100 Continue answers come before the real one. */
  const withoutInterim = (data: string) => data.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n)+/, '');

  /** The first response is complete once its Content-Length (or the last chunk) has arrived. */
  function firstResponseComplete(received: string): boolean {
    const data = withoutInterim(received);
    const headEnd = data.indexOf('\r\n\r\n');
    if (headEnd < 0) return false;
    const head = data.slice(0, headEnd);
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    if (length) return data.length - headEnd - 4 >= Number(length[1]);
    return /\r\ntransfer-encoding: chunked/i.test(head) && data.endsWith('0\r\n\r\n');
  }

  /**
   * Writes the bytes and returns what the server said: up to the end of its first response, or until it
   * closes the connection, or 5 s. The socket is not half-closed: Node's server drops the connection on
   * a client's FIN, before an asynchronous handler could answer.
   */
  function sendRaw(payload: string): Promise<string> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: rawPort });
      let data = '';
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(data);
      };
      const timer = setTimeout(finish, 5000);
      socket.on('data', (chunk) => {
        data += chunk.toString('latin1');
        if (firstResponseComplete(data)) finish();
      });
      socket.on('error', () => undefined); // a reset after the answer is fine; the answer is what is checked
      socket.on('close', finish);
      socket.write(Buffer.from(payload, 'latin1'));
    });
  }

  function checkRawAnswer(payload: string, answer: string): void {
    const where = `${JSON.stringify(payload.slice(0, 120))} → ${JSON.stringify(answer.slice(0, 200))}`;
    const statuses = [...answer.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
    rawSeen.set(statuses.join('+') || 'no answer', (rawSeen.get(statuses.join('+') || 'no answer') ?? 0) + 1);
    if (statuses.some((status) => status >= 500)) throw new Error(`server error: ${where}`);
    if (STACK_TRACE.test(answer) || /<html|<!doctype/i.test(answer)) throw new Error(`stack or HTML: ${where}`);
    const [head = '', ...rest] = withoutInterim(answer).split('\r\n\r\n');
    const body = rest.join('\r\n\r\n').replace(/^0\r\n$/, '');
    if (statuses.length > 0 && body.trim().length > 0 && !/content-type: application\/json/i.test(head)) throw new Error(`not JSON: ${where}`);
  }

  it(`${RUNS_RAW} raw requests: no 5xx, JSON or nothing, and the server keeps serving`, async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, async (payload) => checkRawAnswer(payload, await sendRaw(payload))),
      { numRuns: RUNS_RAW, seed: seedFor('raw') },
    );
    const healthy = await sendRaw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(healthy).toMatch(/^HTTP\/1\.1 200 /);
    // The parser's refusals and the app's own answers were both reached.
    const statuses = [...rawSeen.keys()].join(' ');
    expect(statuses).toMatch(/\b400\b/);
    expect(statuses).toMatch(/\b(401|404|405)\b/);
    console.log('raw fuzzing answers:', Object.fromEntries([...rawSeen.entries()].sort()));
  }, 120_000);
});

