import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../src/db/embedded-ferretdb';

/**
 * The real process, as `npm start` runs it (through tsx, so no build step is needed here): it starts its
 * own embedded database, serves over a real socket, and shuts everything down on SIGTERM.
 */

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startServer(env: Record<string, string>): Started {
  const child = spawn(TSX, ['src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForReady(url: string, started: Started): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (started.child.exitCode !== null) throw new Error(`server exited early:\n${started.output()}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server never became ready:\n${started.output()}`);
}

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
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const started = startServer({ NODE_ENV: 'development', PORT: String(port), EMBEDDED_DB_DIR: dataDir });
    try {
      await waitForReady(url, started);
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
      started.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses to start in production without MONGODB_URI, with one clear line per problem', async () => {
    const started = startServer({ NODE_ENV: 'production' });
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
      const started = startServer({ NODE_ENV: 'development', PORT: String(port), EMBEDDED_DB_DIR: dataDir });
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
