import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/dev-database/embedded-ferretdb';
import { findFreePort } from '../src/dev-database/free-port';
import { cookiesOf, registerUser, REFRESH_COOKIE } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * A refresh whose writes are cut in the middle by a real fault: the database process is killed (SIGKILL)
 * between two of the rotation's writes, then started again on the same data. The client, which got a
 * 503 and still holds its refresh token, retries: it must get a new refresh token, never be taken for a
 * thief (REFRESH_TOKEN_REUSED). With no grace period, a retry of a token already claimed as used would be
 * exactly that, so the test fails if the claim is written before what the retry needs.
 */

let dataDir: string;
let port: number;
let database: EmbeddedDatabase | undefined;
let t: TestApp;
/** Writes of the request in flight, as mongoose sends them; the fault strikes before the one numbered here. */
let writes = 0;
let killBeforeWrite = 0;

const WRITE_METHODS = new Set(['insertOne', 'updateOne', 'findOneAndUpdate', 'deleteOne']);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-refresh-fault-db-'));
  port = await findFreePort();
  database = await startEmbeddedDatabase({ dataDir, port });
  t = await startTestApp({ DB_OPERATION_TIMEOUT_MS: '1000', REFRESH_REUSE_GRACE_SECONDS: '0' }, 'refresh_fault', { databaseUri: database.uri });
  // Mongoose calls this synchronously before it hands an operation to the driver.
  t.connection.set('debug', (collection: string, method: string) => {
    if (killBeforeWrite === 0 || collection === 'revocation_feed' || !WRITE_METHODS.has(method)) return;
    writes += 1;
    if (writes === killBeforeWrite && database?.pid) {
      process.kill(database.pid, 'SIGKILL');
      killBeforeWrite = 0;
    }
  });
}, 60_000);

afterAll(async () => {
  t.connection.set('debug', false);
  await t?.connection.close(true);
  await database?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function restartDatabase(): Promise<void> {
  await database?.stop().catch(() => undefined);
  database = await startEmbeddedDatabase({ dataDir, port });
}

/** Retries until the app has reconnected (503 while it has not), as a client would. */
async function refreshUntilAnswered(refreshToken: string): Promise<request.Response> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${refreshToken}`);
    if (res.status !== 503 || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('POST /auth/refresh when the database dies between the rotation\'s writes', () => {
  it.each([2, 3])('a retry after the database died before write %i gets a new refresh token, not REFRESH_TOKEN_REUSED', async (n) => {
    const user = await registerUser(t.app);
    writes = 0;
    killBeforeWrite = n;
    const cut = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${user.refreshToken}`);
    // The fault really struck inside this refresh.
    expect(killBeforeWrite).toBe(0);
    expect(cut.status).toBe(503);
    expect(cut.body.code).toBe('SERVICE_UNAVAILABLE');

    await restartDatabase();
    const retry = await refreshUntilAnswered(user.refreshToken);
    expect(retry.status).toBe(200);
    const successor = cookiesOf(retry)[REFRESH_COOKIE]?.value;
    expect(successor).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await request(t.app).get('/api/v1/users/me').set('Authorization', `Bearer ${retry.body.accessToken}`)).status).toBe(200);
    const next = await request(t.app).post('/api/v1/auth/refresh').set('Cookie', `${REFRESH_COOKIE}=${successor}`);
    expect(next.status).toBe(200);
  }, 60_000);
});
