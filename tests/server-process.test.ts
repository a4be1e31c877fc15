import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../src/dev-database/free-port';
import { slowClientLimits } from '../src/http/http-server';
import { spawnApi, startApi, startApiProcess } from './support/api-process';
import { scrape, valueOf } from './support/metrics-scrape';
import { writeAndWaitForClose } from './support/raw-socket';
import { processDatabase } from './support/process-database';

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
    const metricsPort = await findFreePort();
    const started = await startApi({ NODE_ENV: 'development', EMBEDDED_DB_DIR: dataDir, LOG_LEVEL: 'info', METRICS_PORT: String(metricsPort) });
    const { url } = started;
    const runningRecord = path.join(dataDir, 'running-api.json');
    try {
      await started.printed(/INFO: metrics: /);
      expect(started.output()).toContain('JWT_ACCESS_SECRET is not set');
      // Where everything is, in the development default's readable lines.
      const lines = started.output().split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/INFO: database: the embedded FerretDB at mongodb:\/\/127\.0\.0\.1:\d+\/auth \(files in /),
          expect.stringMatching(new RegExp(`INFO: API listening on ${url} \\(routes under ${url}/api/v1\\)$`)),
          expect.stringMatching(new RegExp(`INFO: interactive docs: ${url}/docs$`)),
          expect.stringMatching(new RegExp(`INFO: health: ${url}/healthz`)),
          expect.stringMatching(new RegExp(`INFO: metrics: http://127\\.0\\.0\\.1:${metricsPort}/metrics$`)),
        ]),
      );
      expect(existsSync(runningRecord)).toBe(true);

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
      // One readable line per request, with its request id.
      await started.printed(new RegExp(`INFO: POST /api/v1/auth/logout 200 \\d+ms \\[${loggedOut.headers.get('x-request-id')}\\]\n`));

      const { samples } = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(valueOf(samples, 'auth_registrations_total')).toBe(1);
      expect(valueOf(samples, 'auth_logouts_total', { scope: 'local' })).toBe(1);
      expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);

      const ferretdbPid = Number(/"ferretdbPid":(\d+)/.exec(started.output())?.[1]);
      expect(isRunning(ferretdbPid)).toBe(true);
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      expect(started.output()).toContain('stopped');
      expect(isRunning(ferretdbPid)).toBe(false);
      expect(existsSync(runningRecord)).toBe(false);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
    } finally {
      await started.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('answers a client that stalls its body with 408 JSON once HTTP_REQUEST_TIMEOUT_MS has passed', async () => {
    const limits = { headersTimeoutMs: 500, requestTimeoutMs: 1000 };
    const database = processDatabase();
    const api = await startApiProcess(database.uri, {
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
      await database.drop();
    }
  }, 60_000);

  it('on MONGODB_URI in production: JSON lines that name the database without its credentials, and no metrics listener', async () => {
    const database = processDatabase('?appName=process-test');
    const { uri } = database;
    const started = await startApiProcess(uri, { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1' });
    try {
      await started.printed(/"msg":"metrics: /);
      const messages = started
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toContain(`database: MONGODB_URI, ${uri.split('?')[0]}`);
      expect(messages).toContain('metrics: off (set METRICS_PORT to serve /metrics)');
      expect(started.output()).not.toContain('appName');
    } finally {
      await started.stop();
      await database.drop();
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
