import request from 'supertest';
import { bearer, loginUser, PASSWORD, registerUser, uniqueEmail, REFRESH_COOKIE } from './support/auth-helpers';
import { createMetrics } from '../src/metrics/metrics';
import { scrape, serveMetrics, valueOf, type MetricsListener } from './support/metrics-scrape';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The metrics as Prometheus sees them: the app's registry served on a listener of its own, scraped over
 * HTTP before and after real requests to the real app, asserting which series moved and by how much.
 */

const ALLOWED_ORIGIN = 'https://app.example.com';
let t: TestApp;
let m: MetricsListener;

beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: ALLOWED_ORIGIN, RATE_LIMIT_LOGIN_PER_ACCOUNT: '2' });
  m = await serveMetrics(t.metrics);
});
afterAll(async () => {
  await m.close();
  await t.close();
});

const duration = (route: string, method: string, statusClass: string) => ({ method, route, status_class: statusClass });

describe('the metrics listener', () => {
  it('serves GET /metrics in the Prometheus text format', async () => {
    const res = await fetch(m.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE auth_logins_total counter');
  });

  it('answers anything else with a JSON error', async () => {
    const post = await fetch(m.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(await post.json()).toEqual({ success: false, code: 'METHOD_NOT_ALLOWED', message: expect.any(String) });
    const other = await fetch(m.url.replace('/metrics', '/api/v1/auth/login'));
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ success: false, code: 'NOT_FOUND', message: expect.any(String) });
  });

  it('is not part of the public API, which answers /metrics like any unknown path', async () => {
    for (const res of [await request(t.app).get('/metrics'), await request(t.app).post('/metrics'), await request(t.app).get('/api/v1/metrics')]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, code: 'NOT_FOUND', message: 'No such route' });
    }
  });

  it('each app counts only its own requests: apps in one process do not share a registry', async () => {
    const other = await startTestApp();
    try {
      const watch = await m.watch();
      await registerUser(other.app);
      expect(await watch.delta('auth_registrations_total')).toBe(0);
      const otherScrape = await serveMetrics(other.metrics);
      try {
        expect(valueOf((await scrape(otherScrape.url)).samples, 'auth_registrations_total')).toBe(1);
      } finally {
        await otherScrape.close();
      }
    } finally {
      await other.close();
    }
  });
});

describe('request durations', () => {
  it('are labelled by the route pattern and the status class, never by the raw URL', async () => {
    const user = await registerUser(t.app);
    const phone = await loginUser(t.app, user.email);
    const watch = await m.watch();
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).status).toBe(200);
    expect((await request(t.app).delete(`/api/v1/auth/sessions/${phone.sessionId}`).set(...bearer(user))).status).toBe(200);
    // An error thrown inside a route still counts under that route.
    expect((await request(t.app).get('/api/v1/users/me')).status).toBe(401);
    // Express matches paths case-insensitively; the label does not multiply with the spelling.
    expect((await request(t.app).get('/API/V1/Users/ME')).status).toBe(401);
    expect((await request(t.app).put('/api/v1/auth/login')).status).toBe(405);
    const unknownPath = `/no-such-path-${phone.sessionId}`;
    expect((await request(t.app).get(unknownPath)).status).toBe(404);

    const count = (labels: Record<string, string>) => watch.delta('http_request_duration_seconds_count', labels);
    expect(await count(duration('/api/v1/users/me', 'GET', '2xx'))).toBe(1);
    expect(await count(duration('/api/v1/auth/sessions/:id', 'DELETE', '2xx'))).toBe(1);
    expect(await count(duration('/api/v1/users/me', 'GET', '4xx'))).toBe(2);
    expect(await count(duration('/api/v1/auth/login', 'PUT', '4xx'))).toBe(1);
    expect(await count(duration('unmatched', 'GET', '4xx'))).toBe(1);
    const { text } = await scrape(m.url);
    expect(text).not.toContain(phone.sessionId);
    expect(text).not.toMatch(/route="[^"]*[A-Z]/);
  });

  it('fill the histogram buckets cumulatively up to +Inf', async () => {
    const watch = await m.watch();
    await request(t.app).get('/healthz');
    const labels = duration('/healthz', 'GET', '2xx');
    expect(await watch.delta('http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(1);
    expect(await watch.delta('http_request_duration_seconds_count', labels)).toBe(1);
    expect(await watch.delta('http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });
});

describe('auth counters', () => {
  it('registrations and logins, split into success and failure', async () => {
    const watch = await m.watch();
    const user = await registerUser(t.app);
    await loginUser(t.app, user.email);
    expect((await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: 'not the password' })).status).toBe(401);
    expect((await request(t.app).post('/api/v1/auth/login').send({ email: uniqueEmail(), password: PASSWORD })).status).toBe(401);
    // Input that never reaches a password check is neither.
    expect((await request(t.app).post('/api/v1/auth/login').send({ email: 'not an email' })).status).toBe(400);
    expect(await watch.delta('auth_registrations_total')).toBe(1);
    expect(await watch.delta('auth_logins_total', { result: 'success' })).toBe(1);
    expect(await watch.delta('auth_logins_total', { result: 'failure' })).toBe(2);
  });

  it('refreshes, by whether they rotated the token or fell within the grace period', async () => {
    const user = await registerUser(t.app);
    const watch = await m.watch();
    const rotated = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    // The same token again at once, as a second tab would: within REFRESH_REUSE_GRACE_SECONDS (10 s).
    const concurrent = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    expect([rotated.status, concurrent.status]).toEqual([200, 200]);
    expect(await watch.delta('auth_refreshes_total', { outcome: 'rotated' })).toBe(1);
    expect(await watch.delta('auth_refreshes_total', { outcome: 'within_grace' })).toBe(1);
    expect(await watch.delta('auth_refresh_token_reuse_detections_total')).toBe(0);
  });

  it('a refresh token replayed after the grace period: one reuse detection and one revocation', async () => {
    const strict = await startTestApp({ REFRESH_REUSE_GRACE_SECONDS: '0' });
    const listener = await serveMetrics(strict.metrics);
    try {
      const user = await registerUser(strict.app);
      const watch = await listener.watch();
      expect((await request(strict.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`)).status).toBe(200);
      const replay = await request(strict.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
      expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');
      expect(await watch.delta('auth_refresh_token_reuse_detections_total')).toBe(1);
      expect(await watch.delta('auth_session_revocations_total', { reason: 'refresh_reuse' })).toBe(1);
      expect(await watch.delta('auth_refreshes_total', { outcome: 'rotated' })).toBe(1);
    } finally {
      await listener.close();
      await strict.close();
    }
  });

  it('logouts by scope, and the sessions each revoked by reason', async () => {
    const user = await registerUser(t.app);
    const second = await loginUser(t.app, user.email);
    await loginUser(t.app, user.email);
    const watch = await m.watch();
    const others = await request(t.app).post('/api/v1/auth/logout?scope=others').set(...bearer(user));
    const local = await request(t.app).post('/api/v1/auth/logout').set(...bearer(user));
    const everyone = await registerUser(t.app);
    await loginUser(t.app, everyone.email);
    const global = await request(t.app).post('/api/v1/auth/logout?scope=global').set(...bearer(everyone));
    expect([others.body.revokedSessions, local.status, global.body.revokedSessions]).toEqual([2, 200, 2]);
    // Nothing left to end: a 401 moves nothing.
    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(second))).status).toBe(401);

    expect(await watch.delta('auth_logouts_total', { scope: 'others' })).toBe(1);
    expect(await watch.delta('auth_logouts_total', { scope: 'local' })).toBe(1);
    expect(await watch.delta('auth_logouts_total', { scope: 'global' })).toBe(1);
    expect(await watch.delta('auth_session_revocations_total', { reason: 'logout_others' })).toBe(2);
    expect(await watch.delta('auth_session_revocations_total', { reason: 'logout' })).toBe(1);
    expect(await watch.delta('auth_session_revocations_total', { reason: 'logout_global' })).toBe(2);
  });

  it('revocations of one session and by a password change', async () => {
    const user = await registerUser(t.app);
    const phone = await loginUser(t.app, user.email);
    await loginUser(t.app, user.email);
    const watch = await m.watch();
    expect((await request(t.app).delete(`/api/v1/auth/sessions/${phone.sessionId}`).set(...bearer(user))).status).toBe(200);
    const changed = await request(t.app)
      .post('/api/v1/users/me/password')
      .set(...bearer(user))
      .send({ currentPassword: PASSWORD, newPassword: 'another long password' });
    expect(changed.body.revokedSessions).toBe(1);
    expect(await watch.delta('auth_session_revocations_total', { reason: 'session_deleted' })).toBe(1);
    expect(await watch.delta('auth_session_revocations_total', { reason: 'password_changed' })).toBe(1);
  });

  it('rate-limit rejections by limiter', async () => {
    const email = uniqueEmail();
    const watch = await m.watch();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(t.app).post('/api/v1/auth/login').send({ email, password: 'a wrong guess' })).status);
    expect(statuses).toEqual([401, 401, 429]);
    expect(await watch.delta('auth_rate_limit_rejections_total', { limiter: 'login-per-account' })).toBe(1);
    expect(await watch.delta('auth_logins_total', { result: 'failure' })).toBe(2);
  });

  it('CSRF rejections', async () => {
    const user = await registerUser(t.app);
    const watch = await m.watch();
    const foreign = await request(t.app).post('/api/v1/auth/logout').set('Cookie', user.cookieHeader).set('Origin', 'https://evil.example.net');
    const allowed = await request(t.app).post('/api/v1/auth/logout').set('Cookie', user.cookieHeader).set('Origin', ALLOWED_ORIGIN);
    expect([foreign.status, allowed.status]).toEqual([403, 200]);
    expect(await watch.delta('auth_csrf_rejections_total')).toBe(1);
    expect(await watch.delta('auth_logouts_total', { scope: 'local' })).toBe(1);
  });
});

describe('the revocation mechanism instruments', () => {
  it('are served from the start, the labelled ones at zero for every source', async () => {
    const { samples } = await scrape(m.url);
    for (const source of ['memory', 'database', 'revoked_memory']) {
      expect(samples.has(`auth_session_checks_total{source="${source}"}`)).toBe(true);
    }
    expect(samples.has('auth_revocation_barrier_wait_seconds_count')).toBe(true);
    expect(samples.has('auth_revocation_feed_lag_seconds')).toBe(true);
  });

  it('the feed lag is read from its source when scraped, in seconds', async () => {
    const metrics = createMetrics();
    const listener = await serveMetrics(metrics);
    const lag = async () => valueOf((await scrape(listener.url)).samples, 'auth_revocation_feed_lag_seconds');
    try {
      expect(await lag()).toBe(0);
      let lagMs: number | undefined = 2500;
      metrics.revocationFeedLag.measureWith(() => lagMs);
      expect(await lag()).toBe(2.5);
      lagMs = 250;
      expect(await lag()).toBe(0.25);
      // Before the first successful poll the session memory reports an infinite lag.
      lagMs = Infinity;
      expect(await lag()).toBe(Infinity);
      lagMs = undefined;
      expect(await lag()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('an instance without session memory (REVOCATION_LEASE_MS=0) runs no feed: its lag is 0', async () => {
    const strict = await startTestApp({ REVOCATION_LEASE_MS: '0' });
    const listener = await serveMetrics(strict.metrics);
    try {
      await registerUser(strict.app);
      expect(valueOf((await scrape(listener.url)).samples, 'auth_revocation_feed_lag_seconds')).toBe(0);
    } finally {
      await listener.close();
      await strict.close();
    }
  });

  it('session checks count where each was answered, and a logout records its barrier wait', async () => {
    const user = await registerUser(t.app);
    const me = () => request(t.app).get('/api/v1/users/me').set(...bearer(user));
    const watch = await m.watch();
    expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(200);
    expect(await watch.delta('auth_session_checks_total', { source: 'database' })).toBe(1);
    expect(await watch.delta('auth_session_checks_total', { source: 'memory' })).toBe(2);

    const afterLogout = await m.watch();
    const out = await request(t.app).post('/api/v1/auth/logout').set(...bearer(user));
    expect(out.status).toBe(200);
    expect((await me()).status).toBe(401);
    // The logout's own check found the session in memory; the replay after it, the revoked mark.
    expect(await afterLogout.delta('auth_session_checks_total', { source: 'memory' })).toBe(1);
    expect(await afterLogout.delta('auth_session_checks_total', { source: 'revoked_memory' })).toBe(1);
    expect(await afterLogout.delta('auth_session_checks_total', { source: 'database' })).toBe(0);
    // The wait is at least the lease (150 ms by default): it lands above the 0.1 s bucket.
    expect(await afterLogout.delta('auth_revocation_barrier_wait_seconds_count')).toBe(1);
    expect(await afterLogout.delta('auth_revocation_barrier_wait_seconds_bucket', { le: '0.1' })).toBe(0);
  });
});
