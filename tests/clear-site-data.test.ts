import request from 'supertest';
import { loadConfig } from '../src/config';
import { bearer, loginUser, PASSWORD, registerUser, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/** Clear-Site-Data: sent when this browser's session ends, never when another one's does. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const DEFAULT = '"cache", "storage"';

describe('Clear-Site-Data with the default CLEAR_SITE_DATA', () => {
  it.each([
    ['logout (scope local)', '/api/v1/auth/logout'],
    ['logout (scope global)', '/api/v1/auth/logout?scope=global'],
  ])('%s sends it', async (_name, path) => {
    const user = await registerUser(t.app);
    const res = await request(t.app).post(path).set(...bearer(user));
    expect(res.status).toBe(200);
    expect(res.headers['clear-site-data']).toBe(DEFAULT);
  });

  it('logout (scope others) does not: this browser stays signed in', async () => {
    const user = await registerUser(t.app);
    await loginUser(t.app, user.email);
    const res = await request(t.app).post('/api/v1/auth/logout?scope=others').set(...bearer(user));
    expect(res.status).toBe(200);
    expect(res.headers['clear-site-data']).toBeUndefined();
  });

  it('DELETE /auth/sessions/:id sends it for the current session only', async () => {
    const user = await registerUser(t.app);
    const phone = await loginUser(t.app, user.email);
    const other = await request(t.app).delete(`/api/v1/auth/sessions/${phone.sessionId}`).set(...bearer(user));
    expect(other.status).toBe(200);
    expect(other.headers['clear-site-data']).toBeUndefined();
    const own = await request(t.app).delete(`/api/v1/auth/sessions/${user.sessionId}`).set(...bearer(user));
    expect(own.status).toBe(200);
    expect(own.headers['clear-site-data']).toBe(DEFAULT);
  });

  it('account deletion sends it; sign-in, refresh and reads do not', async () => {
    const user = await registerUser(t.app);
    expect(user.response.headers['clear-site-data']).toBeUndefined();
    const refreshed = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    expect(refreshed.headers['clear-site-data']).toBeUndefined();
    expect((await request(t.app).get('/api/v1/users/me').set(...bearer(user))).headers['clear-site-data']).toBeUndefined();
    const deleted = await request(t.app).delete('/api/v1/users/me').set(...bearer(user)).send({ password: PASSWORD });
    expect(deleted.status).toBe(200);
    expect(deleted.headers['clear-site-data']).toBe(DEFAULT);
  });
});

describe('CLEAR_SITE_DATA', () => {
  it('set empty turns the header off', async () => {
    const off = await startTestApp({ CLEAR_SITE_DATA: '' }, t.dbName);
    try {
      const user = await registerUser(off.app);
      const res = await request(off.app).post('/api/v1/auth/logout').set(...bearer(user));
      expect(res.status).toBe(200);
      expect(res.headers['clear-site-data']).toBeUndefined();
    } finally {
      await off.connection.close();
    }
  });

  it('sends the configured directives, quoted, "cookies" included when asked for', async () => {
    const all = await startTestApp({ CLEAR_SITE_DATA: 'cache, "cookies", storage' }, t.dbName);
    try {
      const user = await registerUser(all.app);
      const res = await request(all.app).post('/api/v1/auth/logout').set(...bearer(user));
      expect(res.headers['clear-site-data']).toBe('"cache", "cookies", "storage"');
    } finally {
      await all.connection.close();
    }
  });

  it('defaults to "cache", "storage" and refuses unknown directives at start-up', () => {
    expect(loadConfig({}).clearSiteData).toEqual(['cache', 'storage']);
    expect(() => loadConfig({ CLEAR_SITE_DATA: '"cache", "everything"' })).toThrow(/CLEAR_SITE_DATA/);
  });
});
