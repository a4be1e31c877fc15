import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import setCookieParser from 'set-cookie-parser';
import { connectDatabase } from '../src/db/connection';
import { findFreePort } from '../src/dev-database/free-port';
import { createModels, type Models } from '../src/db/models';
import { startApi, startApiProcess, type ApiProcess } from './support/api-process';
import { PASSWORD, sessionIdOf, uniqueEmail, REFRESH_COOKIE, ACCESS_COOKIE } from './support/auth-helpers';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';

/**
 * `npm run sessions`, run for real (the same file through tsx, as a child process) against the database
 * a running API uses; what it revokes is then checked over HTTP against that API and in the database.
 */

const ROOT = path.resolve(__dirname, '..');

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Only what is given here reaches the command (plus PATH and HOME). Every setting it reads is pinned,
 * MONGODB_URI to '' when not wanted, so that a developer's environment or .env cannot change the run.
 */
function runSessionsCommand(args: string[], env: Record<string, string>): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/operator/sessions-command.ts', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_FORMAT: 'json', LOG_LEVEL: 'info', MONGODB_URI: '', ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

interface Device {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

async function signIn(apiUrl: string, email: string, userAgent: string, route: 'register' | 'login'): Promise<Device> {
  const res = await fetch(`${apiUrl}/api/v1/auth/${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': userAgent },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(route === 'register' ? 201 : 200);
  const cookies = setCookieParser.parse(res.headers.getSetCookie(), { map: true, decodeValues: false });
  const accessToken = cookies[ACCESS_COOKIE]!.value;
  return { accessToken, refreshToken: cookies[REFRESH_COOKIE]!.value, sessionId: sessionIdOf(accessToken) };
}

const meStatus = (apiUrl: string, device: Device) =>
  fetch(`${apiUrl}/api/v1/users/me`, { headers: { Authorization: `Bearer ${device.accessToken}` } }).then((res) => res.status);
const refreshStatus = (apiUrl: string, device: Device) =>
  fetch(`${apiUrl}/api/v1/auth/refresh`, { method: 'POST', headers: { Cookie: `${REFRESH_COOKIE}=${device.refreshToken}` } }).then((res) => res.status);

/** The user registered on a laptop and signed in again on a phone. */
async function userWithTwoDevices(apiUrl: string) {
  const email = uniqueEmail();
  const laptop = await signIn(apiUrl, email, 'laptop-browser/1.0', 'register');
  const phone = await signIn(apiUrl, email, 'phone-app/2.0', 'login');
  return { email, laptop, phone };
}

function auditLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.audit !== undefined);
}

describe('npm run sessions, on MONGODB_URI', () => {
  let uri: string;
  let api: ApiProcess;
  let connection: Connection;
  let models: Models;
  const onDatabase = () => ({ MONGODB_URI: uri });

  beforeAll(async () => {
    uri = `${testDatabaseUri()}${uniqueDatabaseName()}`;
    api = await startApiProcess(uri);
    connection = await connectDatabase(uri, { operationTimeoutMs: 5000 });
    models = createModels(connection);
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close();
  });

  it('list prints the active sessions as a table: id, created, last used, expires, user agent, ip', async () => {
    const { email, laptop, phone } = await userWithTwoDevices(api.url);
    const { code, stdout, stderr } = await runSessionsCommand(['list', email.toUpperCase()], onDatabase());
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`2 active sessions of ${email}`);
    expect(lines[1]).toMatch(/^id\s+created\s+last used\s+expires\s+user agent\s+ip$/);
    const timestamp = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';
    // Newest first, as GET /auth/sessions lists them.
    expect(lines[2]).toMatch(new RegExp(`^${phone.sessionId}  ${timestamp}  ${timestamp}  ${timestamp}  phone-app/2\\.0\\s+\\S+$`));
    expect(lines[3]).toMatch(new RegExp(`^${laptop.sessionId}  ${timestamp}  ${timestamp}  ${timestamp}  laptop-browser/1\\.0\\s+\\S+$`));
    expect(lines).toHaveLength(4);
  }, 30_000);

  it('revoke --session ends that session only: its tokens get 401 from the running API, the other device carries on', async () => {
    const { email, laptop, phone } = await userWithTwoDevices(api.url);
    // Used once, so the API answers for it from its session memory: the revocation must reach that too.
    expect(await meStatus(api.url, phone)).toBe(200);
    const { code, stdout, stderr } = await runSessionsCommand(['revoke', email, '--session', phone.sessionId], onDatabase());
    expect(code).toBe(0);
    expect(stdout).toBe(`revoked session ${phone.sessionId} of ${email}\n`);
    expect(await meStatus(api.url, phone)).toBe(401);
    expect(await refreshStatus(api.url, phone)).toBe(401);
    expect(await meStatus(api.url, laptop)).toBe(200);

    const revocation = await models.SessionRevocation.findById(phone.sessionId).lean();
    expect(revocation?.reason).toBe('admin_revoked');
    expect(await models.SessionRevocation.exists({ _id: laptop.sessionId })).toBeNull();
    // The session core's one line for the end, then the command's own line for the operator's action.
    expect(auditLines(stderr)).toEqual([
      expect.objectContaining({ audit: 'sessions_ended', reason: 'admin_revoked', initiatedBy: 'admin', sessionIds: [phone.sessionId] }),
      expect.objectContaining({ audit: 'admin_revoked', level: 30, operator: expect.any(String), userId: expect.stringMatching(/^[0-9a-f]{24}$/), sessionId: phone.sessionId, revokedSessions: 1 }),
    ]);
  }, 30_000);

  it('revoke without --session ends every session of the user, and only of that user', async () => {
    const { email, laptop, phone } = await userWithTwoDevices(api.url);
    const bystander = await userWithTwoDevices(api.url);
    expect([await meStatus(api.url, laptop), await meStatus(api.url, phone)]).toEqual([200, 200]);
    const { code, stdout, stderr } = await runSessionsCommand(['revoke', email], onDatabase());
    expect(code).toBe(0);
    expect(stdout).toBe(`revoked 2 sessions of ${email}\n`);
    expect([await meStatus(api.url, laptop), await meStatus(api.url, phone)]).toEqual([401, 401]);
    expect([await refreshStatus(api.url, laptop), await refreshStatus(api.url, phone)]).toEqual([401, 401]);
    expect([await meStatus(api.url, bystander.laptop), await meStatus(api.url, bystander.phone)]).toEqual([200, 200]);
    expect(await models.SessionRevocation.countDocuments({ _id: { $in: [laptop.sessionId, phone.sessionId] }, reason: 'admin_revoked' })).toBe(2);
    expect(auditLines(stderr)).toEqual([
      expect.objectContaining({ audit: 'sessions_ended', reason: 'admin_revoked', sessionIds: expect.arrayContaining([laptop.sessionId, phone.sessionId]) }),
      expect.objectContaining({ audit: 'admin_revoked', revokedSessions: 2 }),
    ]);

    const again = await runSessionsCommand(['list', email], onDatabase());
    expect(again).toMatchObject({ code: 0, stdout: `${email} has no active sessions\n` });
  }, 30_000);

  it('an unknown email: one line on stderr, exit code 1, nothing revoked', async () => {
    const email = uniqueEmail();
    for (const args of [['list', email], ['revoke', email]]) {
      const result = await runSessionsCommand(args, onDatabase());
      expect(result).toEqual({ code: 1, stdout: '', stderr: `sessions: no user with the email ${email}\n` });
    }
  }, 30_000);

  it("an unknown session, or another user's: one line, exit code 1, and that session still works", async () => {
    const { email } = await userWithTwoDevices(api.url);
    const someoneElse = await userWithTwoDevices(api.url);
    for (const id of [someoneElse.phone.sessionId, 'not-an-id']) {
      const result = await runSessionsCommand(['revoke', email, '--session', id], onDatabase());
      expect(result).toEqual({ code: 1, stdout: '', stderr: `sessions: ${email} has no active session ${id}\n` });
    }
    expect(await meStatus(api.url, someoneElse.phone)).toBe(200);
  }, 60_000);

  it('a command line it does not understand: the usage, exit code 2', async () => {
    for (const args of [['list'], ['drop', 'a@example.com'], ['revoke', 'a@example.com', '--force']]) {
      const result = await runSessionsCommand(args, onDatabase());
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  }, 60_000);
});

describe('npm run sessions, without a database to work on', () => {
  it('a database that cannot be reached: one line naming it without its credentials, exit code 1', async () => {
    const port = await findFreePort();
    const result = await runSessionsCommand(['list', 'a@example.com'], {
      MONGODB_URI: `mongodb://admin:hunter2@127.0.0.1:${port}/auth`,
      DB_OPERATION_TIMEOUT_MS: '500',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^sessions: cannot reach the database at mongodb://127\\.0\\.0\\.1:${port}/auth: .+\\n$`));
    expect(result.stderr).not.toContain('hunter2');
  }, 30_000);

  it('no MONGODB_URI and no running API on the data directory: one line saying so, exit code 1', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-sessions-'));
    try {
      const expected = { code: 1, stdout: '', stderr: expect.stringMatching(new RegExp(`^sessions: no database: MONGODB_URI is not set and no running API has an embedded database in ${dataDir} .*\\n$`)) };
      expect(await runSessionsCommand(['list', 'a@example.com'], { EMBEDDED_DB_DIR: dataDir })).toEqual(expected);
      // The note of an API that died without cleaning up is ignored: its process is gone.
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      writeFileSync(path.join(dataDir, 'running-api.json'), JSON.stringify({ uri: 'mongodb://127.0.0.1:1/auth', pid: deadPid, ferretdbPid: deadPid, startedAt: new Date().toISOString() }));
      expect(await runSessionsCommand(['list', 'a@example.com'], { EMBEDDED_DB_DIR: dataDir })).toEqual(expected);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('npm run sessions, next to a running npm start on the embedded database', () => {
  it('finds the database that API started, and what it revokes gets 401 from that API', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-sessions-'));
    const api = await startApi({ NODE_ENV: 'development', EMBEDDED_DB_DIR: dataDir, LOG_LEVEL: 'warn', PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_ITERATIONS: '1' }, 60_000);
    try {
      const { email, laptop, phone } = await userWithTwoDevices(api.url);
      expect([await meStatus(api.url, laptop), await meStatus(api.url, phone)]).toEqual([200, 200]);
      // LOG_FORMAT '' counts as unset: the development default applies.
      const env = { NODE_ENV: 'development', LOG_FORMAT: '', EMBEDDED_DB_DIR: dataDir };
      const listed = await runSessionsCommand(['list', email], env);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(laptop.sessionId);
      expect(listed.stdout).toContain(phone.sessionId);

      const revoked = await runSessionsCommand(['revoke', email], env);
      expect(revoked).toMatchObject({ code: 0, stdout: `revoked 2 sessions of ${email}\n` });
      expect([await meStatus(api.url, laptop), await meStatus(api.url, phone)]).toEqual([401, 401]);
      // In development the audit line on stderr is the readable kind.
      expect(revoked.stderr).toMatch(/INFO: audit: admin_revoked \{"operator":"[^"]*","userId":"[0-9a-f]{24}","revokedSessions":2\}/);

      await api.stop();
      const afterStop = await runSessionsCommand(['list', email], env);
      expect(afterStop.code).toBe(1);
      expect(afterStop.stderr).toMatch(/^sessions: no database: /);
    } finally {
      await api.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
