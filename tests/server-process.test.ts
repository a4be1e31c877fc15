import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnApi, startApi } from '../scripts/api-process';

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
        body: JSON.stringify({ email: 'process@example.com', password: 'a process passphrase' }),
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
