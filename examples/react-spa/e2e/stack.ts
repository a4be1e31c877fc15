import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../../../src/dev-database/free-port';
import { spawnProcess, startApi, waitUntilAnswering, type SpawnedProcess } from '../../../tests/support/api-process';

/**
 * One running system under test: the API (its real build, `node dist/server.js`) on its own embedded
 * FerretDB in a temporary folder, and the built SPA served by `vite preview`, whose proxy forwards /api
 * to that API. The browser talks to the preview origin only, exactly as in development.
 */

const START_TIMEOUT_MS = 90_000;

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

export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `spa-e2e-${options.label}-`));
  const appPort = await findFreePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  const started: SpawnedProcess[] = [];

  const stop = async () => {
    await Promise.all(started.map((running) => running.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    // The real build, as `npm start` runs it (run.ts builds it first). Every setting that decides cookie,
    // CORS, Clear-Site-Data and password-limit behaviour is pinned, so a developer's .env cannot change the run.
    const api = await startApi(
      {
        NODE_ENV: 'development',
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
      START_TIMEOUT_MS,
      { from: 'build', label: `API (${options.label})` },
    );
    started.push(api);
    const apiUrl = api.url;

    const vite = path.join(options.spaRoot, 'node_modules/vite/bin/vite.js');
    const outDir = options.spa === 'cross-origin' ? path.join(dataDir, 'spa') : path.join(options.spaRoot, 'dist');
    if (options.spa === 'cross-origin') {
      // The API's address is baked in at build time, as it would be for a real deployment.
      await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
        cwd: options.spaRoot,
        env: { ...process.env, VITE_API_BASE_URL: `${apiUrl}/api/v1` },
      });
    }
    const app = spawnProcess(
      process.execPath,
      [vite, 'preview', '--outDir', outDir, '--host', '127.0.0.1', '--port', String(appPort), '--strictPort'],
      { cwd: options.spaRoot, env: { ...process.env, API_URL: apiUrl } },
    );
    started.push(app);
    await waitUntilAnswering(appUrl, app, START_TIMEOUT_MS, `vite preview (${options.label})`);
    return { apiUrl, appUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
