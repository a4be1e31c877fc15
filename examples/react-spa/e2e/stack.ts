import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * One running system under test: the API (its real build, `node dist/server.js`) on its own embedded
 * FerretDB in a temporary folder, and the built SPA served by `vite preview`, whose proxy forwards /api
 * to that API. The browser talks to the preview origin only, exactly as in development.
 */

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

/** Clear-Site-Data's directives (the API's default), which the scenarios expect to see and to act. */
export const CLEAR_SITE_DATA = '"cache", "storage"';
/** Wrong passwords one browser may type per account before a 429 (the API's default). */
export const FAILED_PASSWORDS_PER_ACCOUNT_AND_IP = 10;

export interface Stack {
  /** The SPA's origin; the browser's only address. */
  appUrl: string;
  /** The API itself, for checks made outside the browser. */
  apiUrl: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  repoRoot: string;
  spaRoot: string;
  /** ACCESS_TOKEN_TTL for this API, e.g. "3s". */
  accessTokenTtl: string;
  /**
   * proxied: the SPA calls /api on its own origin and vite preview forwards it (the recommended setup).
   * cross-origin: the SPA is built to call the API's own origin, which lists the SPA in CORS_ORIGINS.
   */
  spa: 'proxied' | 'cross-origin';
  label: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a process in its own process group, so stopping it also stops whatever it started. */
function startProcess(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): RunningProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGTERM to the process only: the API shuts down cleanly and stops its own database.
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForHttp(url: string, running: RunningProcess, what: string, ok: (status: number) => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) {
      throw new Error(`${what} exited during start-up (code ${running.child.exitCode}):\n${running.output()}`);
    }
    try {
      const response = await fetch(url);
      if (ok(response.status)) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not become ready at ${url} within ${START_TIMEOUT_MS / 1000}s:\n${running.output()}`);
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `spa-e2e-${options.label}-`));
  const [apiPort, appPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const appUrl = `http://127.0.0.1:${appPort}`;
  const started: RunningProcess[] = [];

  const stop = async () => {
    await Promise.all(started.map((running) => running.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    // Every setting that decides cookie, CORS, Clear-Site-Data and password-limit behaviour is pinned, so a
    // developer's .env cannot change the run.
    const api = startProcess(process.execPath, ['dist/server.js'], {
      cwd: options.repoRoot,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        MONGODB_URI: '',
        EMBEDDED_DB_DIR: path.join(dataDir, 'db'),
        EMBEDDED_DB_PORT: '0',
        JWT_ACCESS_SECRET: '',
        ACCESS_TOKEN_TTL: options.accessTokenTtl,
        // Two tabs refreshing at once rely on it (see the two-tabs scenario).
        REFRESH_REUSE_GRACE_SECONDS: '10',
        COOKIE_SECURE: 'false',
        COOKIE_SAMESITE: 'lax',
        COOKIE_DOMAIN: '',
        CORS_ORIGINS: options.spa === 'cross-origin' ? appUrl : '',
        TRUST_PROXY: 'false',
        CLEAR_SITE_DATA,
        RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: String(FAILED_PASSWORDS_PER_ACCOUNT_AND_IP),
        RATE_LIMIT_LOGIN_PER_ACCOUNT: '100',
        LOG_LEVEL: 'warn',
      },
    });
    started.push(api);
    await waitForHttp(`${apiUrl}/readyz`, api, `API (${options.label})`, (status) => status === 200);

    const vite = path.join(options.spaRoot, 'node_modules/vite/bin/vite.js');
    const outDir = options.spa === 'cross-origin' ? path.join(dataDir, 'spa') : path.join(options.spaRoot, 'dist');
    if (options.spa === 'cross-origin') {
      // The API's address is baked in at build time, as it would be for a real deployment.
      await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
        cwd: options.spaRoot,
        env: { ...process.env, VITE_API_BASE_URL: `${apiUrl}/api/v1` },
      });
    }
    const app = startProcess(
      process.execPath,
      [vite, 'preview', '--outDir', outDir, '--host', '127.0.0.1', '--port', String(appPort), '--strictPort'],
      { cwd: options.spaRoot, env: { ...process.env, API_URL: apiUrl } },
    );
    started.push(app);
    await waitForHttp(appUrl, app, `vite preview (${options.label})`, (status) => status === 200);
    return { apiUrl, appUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
