import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authCookieNames } from '../src/auth/cookies';
import { accessTokenSettings } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { connectDatabase } from '../src/db/connection';
import { startEmbeddedDatabase } from '../src/db/embedded-ferretdb';
import { createModels, ensureIndexes } from '../src/db/models';
import type { CaseAppName } from './case-apps';
import { measure, type LoadPlan, type LoadResult } from './load';
import { formatTable, ratios, writeResults, type CaseResult } from './report';
import { LOGOUT_POOL_USER_AGENT, seedPeerSessions, seedProjectSessions, seedUsers } from './seed';
import * as settings from './settings';

/**
 * `npm run bench`: every case of issue 6 against one database (the embedded FerretDB unless MONGODB_URI
 * is set), each case's server in a child process on 127.0.0.1, autocannon here. Prints a table and writes
 * bench/results.json. See docs/PERFORMANCE.md.
 */

const RESULTS_PATH = path.join(__dirname, 'results.json');
const started = Date.now();
const progress = (message: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);

interface Database {
  uri: string;
  description: string;
  stop(): Promise<void>;
}

async function openDatabase(): Promise<Database> {
  if (process.env.MONGODB_URI) {
    return { uri: process.env.MONGODB_URI, description: 'MONGODB_URI', stop: async () => undefined };
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-bench-db-'));
  const embedded = await startEmbeddedDatabase({ dataDir, log: (line) => progress(line) });
  return {
    uri: embedded.uri,
    description: 'embedded FerretDB v1.24.2 (SQLite), 127.0.0.1',
    async stop() {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type CasePlan = Omit<LoadPlan, 'url'> & { path: string };

/** One case's server, as its own process: `node --import tsx bench/case-server.ts <app>`. */
function startCaseServer(app: CaseAppName, env: NodeJS.ProcessEnv): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(path.join(__dirname, 'case-server.ts'), [app], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ port: message.port, child }));
    child.once('exit', (code) => reject(new Error(`case server "${app}" exited with ${code} before listening`)));
  });
}

function stopCaseServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  const database = await openDatabase();
  progress(`database: ${database.description}`);
  const secret = randomBytes(48).toString('base64url');
  const peerSecret = randomBytes(32).toString('base64url');
  // The seeded tokens and cookies are what the case servers, configured by baseEnv, will accept.
  const apiConfig = loadConfig({
    NODE_ENV: 'production',
    MONGODB_URI: database.uri,
    JWT_ACCESS_SECRET: secret,
    JWT_ISSUER: settings.JWT_ISSUER,
    JWT_AUDIENCE: settings.JWT_AUDIENCE,
  });
  const credentials = { tokens: accessTokenSettings(apiConfig), accessCookieName: authCookieNames(apiConfig.cookies).access };
  const connection = await connectDatabase(database.uri, { dbName: settings.DATABASE_NAME, operationTimeoutMs: 30_000 });
  const results: Record<string, CaseResult> = {};

  try {
    await connection.dropDatabase();
    const models = createModels(connection);
    await ensureIndexes(models);

    progress(`seeding ${settings.POOL_SIZE} users, their sessions, and as many express-session sessions`);
    const userIds = await seedUsers(models, settings.POOL_SIZE);
    const ourCookies = await seedProjectSessions(models, credentials, userIds, settings.POOL_SIZE);
    const peerCookies = await seedPeerSessions(connection, peerSecret, userIds, settings.POOL_SIZE);

    const baseEnv = (stalenessMs: number): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      MONGODB_URI: database.uri,
      BENCH_DB_NAME: settings.DATABASE_NAME,
      BENCH_PEER_SECRET: peerSecret,
      JWT_ACCESS_SECRET: secret,
      JWT_ISSUER: settings.JWT_ISSUER,
      JWT_AUDIENCE: settings.JWT_AUDIENCE,
      LOG_LEVEL: 'warn',
      SESSION_CACHE_STALENESS_MS: String(stalenessMs),
    });

    async function measureCase(id: string, label: string, app: CaseAppName, plan: CasePlan, stalenessMs: number) {
      progress(`case ${id}: ${label}: warm-up ${settings.WARMUP_SECONDS}s, then ${settings.DURATION_SECONDS}s`);
      const { port, child } = await startCaseServer(app, baseEnv(stalenessMs));
      try {
        const result = await measure({ ...plan, url: `http://127.0.0.1:${port}${plan.path}` });
        progress(`case ${id}: ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, errors ${result.errors}`);
        return result;
      } finally {
        await stopCaseServer(child);
      }
    }

    async function runCase(id: string, label: string, app: CaseAppName, plan: CasePlan, stalenessMs = 0) {
      results[id] = { id, label, ...(await measureCase(id, label, app, plan, stalenessMs)) };
    }

    const S = settings.TARGET_STALENESS_MS;
    const whoami = { path: '/whoami', method: 'GET' as const };
    // Cases 1-4 carry the targets: measured in interleaved rounds, each case's best round kept, so that a
    // burst of other work on this shared machine does not decide a ratio. 2 and 4-cached sit side by side.
    const headline: Array<[string, string, CaseAppName, CasePlan, number]> = [
      ['1', 'bare Express 5, small JSON', 'bare', { ...whoami, cookies: ourCookies }, 0],
      ['3', 'express-session + connect-mongo', 'express-session', { ...whoami, cookies: peerCookies }, 0],
      ['4-strict', 'ours, requireAuth, bound 0 (strict)', 'project-auth', { ...whoami, cookies: ourCookies }, 0],
      ['2', 'stateless JWT (jsonwebtoken verify)', 'stateless-jwt', { ...whoami, cookies: ourCookies }, 0],
      ['4-cached', `ours, requireAuth, bound ${S} ms`, 'project-auth', { ...whoami, cookies: ourCookies, warmEveryCredential: true }, S],
    ];
    const rounds: Record<string, LoadResult[]> = {};
    for (let round = 1; round <= settings.HEADLINE_ROUNDS; round += 1) {
      // Every other round in reverse (1 2 3 4 4', 4' 4 3 2 1): a slow drift in background load then
      // weighs on each case alike instead of on whichever comes last.
      for (const [id, label, app, plan, stalenessMs] of round % 2 === 1 ? headline : [...headline].reverse()) {
        (rounds[id] ??= []).push(await measureCase(`${id} (round ${round})`, label, app, plan, stalenessMs));
      }
    }
    for (const [id, label] of headline) {
      const best = rounds[id]!.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
      results[id] = { id, label, ...best, rounds: rounds[id]! };
    }

    const me = { path: '/api/v1/users/me', method: 'GET' as const, cookies: ourCookies };
    await runCase('me-strict', 'ours, whole GET /users/me, bound 0', 'full-api', me, 0);
    await runCase('me-cached', `ours, whole GET /users/me, bound ${S} ms`, 'full-api', { ...me, warmEveryCredential: true }, S);

    // Case 5 before case 6, so that both sides log out of collections of the same size.
    progress(`case 5: seeding ${settings.LOGOUT_POOL_SIZE} sessions on each side to log out`);
    const ourLogouts = await seedProjectSessions(models, credentials, userIds, settings.LOGOUT_POOL_SIZE, undefined, LOGOUT_POOL_USER_AGENT);
    const peerLogouts = await seedPeerSessions(connection, peerSecret, userIds, settings.LOGOUT_POOL_SIZE);
    const logout = { path: '/logout', method: 'POST' as const, consume: true };
    await runCase('5-ours', `ours, POST logout (revoke + expire cookies), bound ${S} ms`, 'project-logout', { ...logout, cookies: ourLogouts }, S);
    await runCase('5-peer', 'express-session destroy + clearCookie', 'express-session-logout', { ...logout, cookies: peerLogouts });
    await models.Session.deleteMany({ userAgent: LOGOUT_POOL_USER_AGENT });
    await models.SessionRevocation.deleteMany({});

    // Case 6: case 4 with 10^3, 10^4, 10^5 sessions in the collection; its credentials inserted last each time.
    let inCollection = settings.POOL_SIZE;
    for (const size of settings.CURVE_SIZES) {
      progress(`case 6: filling the sessions collection to ${size}`);
      await seedProjectSessions(models, credentials, userIds, size - inCollection - settings.CURVE_POOL_SIZE, 0);
      const curveCookies = await seedProjectSessions(models, credentials, userIds, settings.CURVE_POOL_SIZE);
      inCollection = size;
      const curve = { ...whoami, cookies: curveCookies };
      // Cached first: on a database that scans, the strict run's abandoned reads keep it busy for a while.
      await runCase(`6-cached-${size}`, `case 4 with ${size} sessions, bound ${S} ms`, 'project-auth', { ...curve, warmEveryCredential: true }, S);
      await runCase(`6-strict-${size}`, `case 4 with ${size} sessions, bound 0`, 'project-auth', curve, 0);
    }

    const ordered = Object.values(results);
    console.log(`\n${formatTable(ordered)}\n`);
    const cached = ratios(results, 'cached');
    const strict = ratios(results, 'strict');
    console.log(`ratios at SESSION_CACHE_STALENESS_MS=${S}:`, JSON.stringify(cached, null, 1));
    console.log('ratios at SESSION_CACHE_STALENESS_MS=0:', JSON.stringify(strict, null, 1));
    writeResults(RESULTS_PATH, {
      command: 'npm run bench',
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg() },
      database: database.description,
      settings: {
        warmupSeconds: settings.WARMUP_SECONDS,
        headlineRounds: settings.HEADLINE_ROUNDS,
        durationSeconds: settings.DURATION_SECONDS,
        connections: settings.CONNECTIONS,
        credentialsPerReadCase: settings.POOL_SIZE,
        logoutSessionsPerSide: settings.LOGOUT_POOL_SIZE,
        credentialsPerCurveCase: settings.CURVE_POOL_SIZE,
        targetStalenessMs: S,
      },
      cases: results,
      ratios: { [`stalenessBound${S}ms`]: cached, stalenessBound0: strict },
    });
    progress(`wrote ${path.relative(process.cwd(), RESULTS_PATH)}`);
  } finally {
    await connection.close();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
