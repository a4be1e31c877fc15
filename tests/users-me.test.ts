import request from 'supertest';
import { registerUser, ACCESS_COOKIE, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('GET /api/v1/users/me', () => {
  it('answers 200 with the user for a Bearer token', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${user.accessToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      user: { id: user.id, email: user.email, name: 'Test User', createdAt: expect.any(String) },
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 200 with the user for the accessToken cookie', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).get('/api/v1/users/me').set('Cookie', `${ACCESS_COOKIE}=${user.accessToken}`);
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(user.id);
  });

  it('does not accept the refresh cookie as a credential', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app).get('/api/v1/users/me').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(res.status).toBe(401);
  });

  it.each([
    ['no credentials', {}],
    ['a garbage token', { Authorization: 'Bearer abc.def.ghi' }],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
  ])('answers 401 UNAUTHORIZED for %s', async (_name, headers) => {
    const res = await request(t.app).get('/api/v1/users/me').set(headers);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, code: 'UNAUTHORIZED', message: expect.any(String) });
  });

  it('prefers the Authorization header over the cookie when both are sent', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const res = await request(t.app)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${alice.accessToken}`)
      .set('Cookie', `${ACCESS_COOKIE}=${bob.accessToken}`);
    expect(res.body.user.id).toBe(alice.id);
  });
});

describe('health', () => {
  it('GET /healthz answers 200 while the process is up', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, status: 'ok' });
  });

  it('GET /readyz answers 200 when MongoDB answers', async () => {
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, status: 'ready' });
  });

  it('GET /readyz answers 503 when the database is gone', async () => {
    // On the suite's database, which the suite drops: this app's connection is closed before the end.
    const down = await startTestApp({ DB_OPERATION_TIMEOUT_MS: '300' }, t.dbName);
    try {
      await down.connection.close();
      const res = await request(down.app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ success: false, code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
    } finally {
      await down.connection.close();
    }
  });
});

describe('errors', () => {
  it('answers an unknown route with 404 JSON', async () => {
    const res = await request(t.app).get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ success: false, code: 'NOT_FOUND', message: expect.any(String) });
  });

  it('answers a malformed JSON body with 400 INVALID_JSON', async () => {
    const res = await request(t.app).post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{"email": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, code: 'INVALID_JSON', message: expect.any(String) });
  });

  it('answers another media type on a JSON route with 415', async () => {
    const res = await request(t.app).post('/api/v1/auth/login').type('form').send('email=a@b.c&password=12345678');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a body over the limit with 413', async () => {
    const res = await request(t.app).post('/api/v1/auth/register').send({ email: 'a@example.com', password: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const res = await request(t.app).get('/api/v1/auth/logout');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.code).toBe('METHOD_NOT_ALLOWED');
  });
});
