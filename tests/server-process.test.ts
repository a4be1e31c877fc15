import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnApi, startApi } from '../scripts/api-process';
import { slowClientLimits } from '../src/http/http-server';
import { startApiProcess } from './support/api-process';
import { writeAndWaitForClose } from './support/raw-socket';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';

/**
 * The real process, as `npm start` runs it (through tsx, so no build step is needed here): it starts its
 * own embedded database, serves over a real socket, and shuts everything down on SIGTERM.
 */

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the server process', () => {
  it('starts on the embedded database, serves the logout flow over a socket, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-process-'));
    const started = await startApi({ NODE_ENV: 'development', EMBEDDED_DB_DIR: dataDir, LOG_LEVEL: 'info' });
    const { url } = started;
    try {
      expect(started.output()).toContain('JWT_ACCESS_SECRET is not set');

      const registered = await fetch(`${url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'process@example.com', password: 'password123' }),
      });
      expect(registered.status).toBe(201);
      const { accessToken } = (await registered.json()) as { accessToken: string };
      const loggedOut = await fetch(`${url}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${accessToken}` } });
      expect(loggedOut.status).toBe(200);
      expect(loggedOut.headers.getSetCookie()).toHaveLength(2);
      const me = await fetch(`${url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
      expect(me.status).toBe(401);

      const ferretdbPid = Number(/"ferretdbPid":(\d+)/.exec(started.output())?.[1]);
      expect(isRunning(ferretdbPid)).toBe(true);
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      expect(started.output()).toContain('stopped');
      expect(isRunning(ferretdbPid)).toBe(false);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      await started.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('answers a client that stalls its body with 408 JSON once HTTP_REQUEST_TIMEOUT_MS has passed', async () => {
    const limits = { headersTimeoutMs: 500, requestTimeoutMs: 1000 };
    const api = await startApiProcess(`${testDatabaseUri()}${uniqueDatabaseName()}`, {
      HTTP_HEADERS_TIMEOUT_MS: String(limits.headersTimeoutMs),
      HTTP_REQUEST_TIMEOUT_MS: String(limits.requestTimeoutMs),
    });
    try {
      const started = performance.now();
      const stalled = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em';
      const answer = await writeAndWaitForClose(Number(new URL(api.url).port), stalled);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toMatchObject({ success: false, code: 'REQUEST_TIMEOUT' });
      // The limit, Node's check interval and a second of slack for a process on a loaded machine.
      const bound = limits.requestTimeoutMs + slowClientLimits(limits).connectionsCheckingInterval! + 1000;
      expect(performance.now() - started).toBeLessThanOrEqual(bound);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('refuses to start in production without MONGODB_URI, with one clear line per problem', async () => {
    const started = spawnApi({ NODE_ENV: 'production' });
    expect(await started.exited).toBe(1);
    expect(started.output()).toMatch(/MONGODB_URI: required in production/);
    expect(started.output()).toMatch(/JWT_ACCESS_SECRET: required in production/);
  }, 30_000);

  it('exits with 1 and stops its embedded database when the port is taken', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-process-'));
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const started = spawnApi({ NODE_ENV: 'development', HOST: '127.0.0.1', PORT: String(port), EMBEDDED_DB_DIR: dataDir, LOG_LEVEL: 'info' });
      expect(await started.exited).toBe(1);
      expect(started.output()).toMatch(/EADDRINUSE/);
      const ferretdbPid = Number(/"ferretdbPid":(\d+)/.exec(started.output())?.[1]);
      expect(ferretdbPid).toBeGreaterThan(0);
      expect(isRunning(ferretdbPid)).toBe(false);
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
