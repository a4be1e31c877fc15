import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authCookieNames } from '../src/auth/cookies';
import { accessTokenSettings } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { startEmbeddedDatabase } from '../src/dev-database/embedded-ferretdb';
import type { CaseAppName } from './case-apps';
import { startCaseServer, stopCaseServer } from './case-process';
import { benchRelyingService } from './relying-service-bench';
import { measure, measureSequential, type LoadPlan, type LoadResult } from './load';
import { formatTable, medianOf, ratios, writeResults, type CaseResult } from './report';
import { formatGrowth, runGrowthCase } from './growth';
import { openEmptyDatabase } from './scratch-database';
import { receiversDown } from './event-receivers';
import { seedPeerSessions, seedProjectSessions, seedUsers } from './seed';
import * as settings from './settings';

/**
 * `npm run bench`: the cases of docs/PERFORMANCE.md against one database server (the embedded FerretDB
 * unless MONGODB_URI is set), each case's server in a child process on 127.0.0.1, autocannon here. Every
 * compared case runs in interleaved rounds and reports its median round. Prints a table and the targets,
 * and writes bench/results.json (git-ignored; a run worth keeping is copied into docs/PERFORMANCE.md).
 */

const RESULTS_PATH = path.join(__dirname, 'results.json');
const LARGE_DATABASE_NAME = `${settings.DATABASE_NAME}_large`;
const started = Date.now();
const progress = (message: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);

interface DatabaseServer {
  uri: string;
  description: string;
  stop(): Promise<void>;
}

async function startDatabaseServer(): Promise<DatabaseServer> {
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

/** The settings a case runs at: the defaults, or the old strict mode (no memory). */
type Setting = 'default' | 'strict' | 'peer' | 'receivers';
const SETTING_LABEL: Record<Setting, string> = {
  default: 'defaults (REVOCATION_LEASE_MS=150)',
  receivers: `defaults + ${settings.EVENT_RECEIVERS} SESSION_EVENT_RECEIVERS, all down (connection refused)`,
  strict: 'REVOCATION_LEASE_MS=0',
  peer: '(not this project: none apply)',
};

interface Case {
  id: string;
  label: string;
  app: CaseAppName;
  plan: Omit<LoadPlan, 'url'> & { path: string };
  setting: Setting;
  databaseName?: string;
}

async function seedDatabase(uri: string, dbName: string, sessions: number, secret: string, peerSecret: string) {
  const database = await openEmptyDatabase(uri, dbName);
  const { connection, models } = database;
  // The seeded tokens and cookies are what the case servers, configured by envFor, will accept.
  const apiConfig = loadConfig({
    NODE_ENV: 'production',
    MONGODB_URI: uri,
    JWT_ACCESS_SECRET: secret,
    JWT_ISSUER: settings.JWT_ISSUER,
    JWT_AUDIENCE: settings.JWT_AUDIENCE,
  });
  const credentials = { tokens: accessTokenSettings(apiConfig), accessCookieName: authCookieNames(apiConfig.cookies).access };
  const userIds = await seedUsers(models, settings.POOL_SIZE);
  const cookies = await seedProjectSessions(models, credentials, userIds, settings.POOL_SIZE);
  await seedProjectSessions(models, credentials, userIds, sessions - settings.POOL_SIZE - settings.CURVE_POOL_SIZE, 0);
  // Case 6's credentials are inserted last: on a database that scans, they cost the most to find.
  const curveCookies = await seedProjectSessions(models, credentials, userIds, settings.CURVE_POOL_SIZE);
  const peerCookies = await seedPeerSessions(connection, peerSecret, userIds, settings.POOL_SIZE);
  return { database, connection, models, credentials, userIds, cookies, curveCookies, peerCookies };
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  const database = await startDatabaseServer();
  progress(`database: ${database.description}`);
  const secret = randomBytes(48).toString('base64url');
  const peerSecret = randomBytes(32).toString('base64url');
  const envFor = (setting: Setting, databaseName = settings.DATABASE_NAME): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    MONGODB_URI: database.uri,
    BENCH_DB_NAME: databaseName,
    BENCH_PEER_SECRET: peerSecret,
    JWT_ACCESS_SECRET: secret,
    JWT_ISSUER: settings.JWT_ISSUER,
    JWT_AUDIENCE: settings.JWT_AUDIENCE,
    LOG_LEVEL: 'warn',
    ...(setting === 'strict' ? { REVOCATION_LEASE_MS: '0' } : {}),
    ...(setting === 'receivers' ? eventEnv : {}),
  });

  const machine = () => ({ cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg() });
  const growthCase = async () => {
    const growth = await runGrowthCase(database.uri, secret, (databaseName) => envFor('default', databaseName), progress);
    console.log(`\n${formatGrowth(growth)}\n`);
    return growth;
  };
  // `npm run bench -- growth`: the growth case alone.
  if (process.argv.slice(2).includes('growth')) {
    try {
      const growth = await growthCase();
      writeResults(RESULTS_PATH, { command: 'npm run bench -- growth', startedAt: new Date(started).toISOString(), finishedAt: new Date().toISOString(), machine: machine(), database: database.description, growth });
      progress(`wrote ${path.relative(process.cwd(), RESULTS_PATH)}`);
    } finally {
      await database.stop();
    }
    return;
  }
  const [small, large] = settings.CURVE_SIZES;
  progress(`seeding ${settings.POOL_SIZE} users with ${small} sessions, and a second database with ${large}`);
  const main = await seedDatabase(database.uri, settings.DATABASE_NAME, small, secret, peerSecret);
  const big = await seedDatabase(database.uri, LARGE_DATABASE_NAME, large, secret, peerSecret);
  const results: Record<string, CaseResult> = {};
  const eventEnv = await receiversDown(settings.EVENT_RECEIVERS);

  async function measureRound(c: Case, round: number): Promise<LoadResult> {
    progress(`case ${c.id} (round ${round}): ${c.label}`);
    const { port, child } = await startCaseServer(c.app, envFor(c.setting, c.databaseName));
    try {
      const result = await measure({ ...c.plan, url: `http://127.0.0.1:${port}${c.plan.path}` });
      progress(`  ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, errors ${result.errors}`);
      return result;
    } finally {
      await stopCaseServer(child);
    }
  }

  /** Every case once per round; every other round in reverse, so a drift in background load weighs on all alike. */
  async function runInterleaved(cases: Case[], prepareRound?: (round: number) => Promise<Map<string, string[]>>) {
    const rounds: Record<string, LoadResult[]> = {};
    for (let round = 1; round <= settings.ROUNDS; round += 1) {
      const fresh = prepareRound ? await prepareRound(round) : new Map<string, string[]>();
      for (const c of round % 2 === 1 ? cases : [...cases].reverse()) {
        const plan = fresh.has(c.id) ? { ...c.plan, cookies: fresh.get(c.id)! } : c.plan;
        (rounds[c.id] ??= []).push(await measureRound({ ...c, plan }, round));
      }
    }
    for (const c of cases) {
      results[c.id] = { id: c.id, label: c.label, setting: SETTING_LABEL[c.setting], ...medianOf(rounds[c.id]!), rounds: rounds[c.id]! };
    }
  }

  try {
    const whoami = { path: '/whoami', method: 'GET' as const, cookies: main.cookies };
    const me = { path: '/api/v1/users/me', method: 'GET' as const, cookies: main.cookies };
    const verify = { path: '/api/v1/auth/verify', method: 'GET' as const, cookies: main.cookies };
    // A server that has been up a while has seen its users: cases with memory meet each credential once first.
    const warm = { warmEveryCredential: true };
    await runInterleaved([
      { id: '1', label: 'bare Express 5, small JSON', app: 'bare', plan: whoami, setting: 'peer' },
      { id: '2', label: 'stateless JWT (jsonwebtoken verify)', app: 'stateless-jwt', plan: whoami, setting: 'peer' },
      { id: '3', label: 'express-session + connect-mongo', app: 'express-session', plan: { ...whoami, cookies: main.peerCookies }, setting: 'peer' },
      { id: '4', label: 'ours, requireAuth', app: 'project-auth', plan: { ...whoami, ...warm }, setting: 'default' },
      { id: `6-${small}`, label: `case 4, ${small} sessions in the collection`, app: 'project-auth', plan: { ...whoami, ...warm, cookies: main.curveCookies }, setting: 'default' },
      {
        id: `6-${large}`,
        label: `case 4, ${large} sessions in the collection`,
        app: 'project-auth',
        plan: { ...whoami, ...warm, cookies: big.curveCookies },
        setting: 'default',
        databaseName: LARGE_DATABASE_NAME,
      },
      { id: '4-strict', label: 'ours, requireAuth, old strict mode', app: 'project-auth', plan: whoami, setting: 'strict' },
      { id: 'me', label: 'ours, whole GET /api/v1/users/me, known sessions', app: 'full-api', plan: { ...me, ...warm }, setting: 'default' },
      { id: 'me-peer', label: 'peer: same middleware + jsonwebtoken + same user read', app: 'route-peer', plan: me, setting: 'peer' },
      // What a gateway asks before each request it forwards: the whole API, as case 2 is the whole stateless app.
      { id: 'verify', label: 'ours, whole GET /api/v1/auth/verify (forward auth)', app: 'full-api', plan: { ...verify, ...warm }, setting: 'default' },
    ]);

    const logout = { path: '/logout', method: 'POST' as const, consume: true, cookies: [] as string[] };
    // Logout latency at low load, before the logout cases add their thousands of sessions to the
    // collection: one logout at a time, as a user clicking "Sign out" sees it.
    const logoutLatency: Record<string, unknown> = {};
    const latencyRounds: Partial<Record<Setting, Array<Awaited<ReturnType<typeof measureSequential>>>>> = {};
    // Receivers against none in interleaved rounds (medians reported); the strict mode once, as before.
    const latencyOrder: Setting[][] = [['default', 'receivers', 'strict'], ...Array.from({ length: settings.ROUNDS - 1 }, (_, i) => (i % 2 === 0 ? ['receivers', 'default'] : ['default', 'receivers']) as Setting[])];
    for (const [round, order] of latencyOrder.entries()) {
      for (const setting of order) {
        const cookies = await seedProjectSessions(main.models, main.credentials, main.userIds, settings.LOGOUT_LATENCY_SAMPLES);
        progress(`logout latency (round ${round + 1}) at ${SETTING_LABEL[setting]}: ${settings.LOGOUT_LATENCY_SAMPLES} logouts, one at a time`);
        const { port, child } = await startCaseServer('project-logout', envFor(setting));
        try {
          const latency = await measureSequential({ ...logout, cookies, url: `http://127.0.0.1:${port}/logout` }, settings.LOGOUT_LATENCY_SAMPLES);
          progress(`  p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms, non-2xx ${latency.non2xx}`);
          (latencyRounds[setting] ??= []).push(latency);
        } finally {
          await stopCaseServer(child);
        }
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    for (const [setting, rounds] of Object.entries(latencyRounds)) {
      logoutLatency[SETTING_LABEL[setting as Setting]] = {
        p50Ms: median(rounds.map((r) => r.p50Ms)),
        p99Ms: median(rounds.map((r) => r.p99Ms)),
        rounds,
      };
    }

    // Logout throughput: each round logs out sessions never used before, on both sides.
    await runInterleaved(
      [
        { id: '5', label: 'ours, POST logout (revoke, barrier, expire cookies)', app: 'project-logout', plan: logout, setting: 'default' },
        { id: '5-peer', label: 'express-session destroy + clearCookie', app: 'express-session-logout', plan: logout, setting: 'peer' },
        { id: '5-receivers', label: `case 5 with ${settings.EVENT_RECEIVERS} event receivers, all down`, app: 'project-logout', plan: logout, setting: 'receivers' },
      ],
      async (round) => {
        progress(`case 5 (round ${round}): seeding ${settings.LOGOUT_POOL_SIZE} sessions on each side to log out`);
        return new Map([
          ['5', await seedProjectSessions(main.models, main.credentials, main.userIds, settings.LOGOUT_POOL_SIZE, undefined, 'bench-logout')],
          ['5-receivers', await seedProjectSessions(main.models, main.credentials, main.userIds, settings.LOGOUT_POOL_SIZE, undefined, 'bench-logout')],
          ['5-peer', await seedPeerSessions(main.connection, peerSecret, main.userIds, settings.LOGOUT_POOL_SIZE)],
        ]);
      },
    );

    const growth = await growthCase();
    // A relying service's route against the same route verifying the JWT statelessly (its own API process).
    const relyingService = await benchRelyingService(progress);

    const ordered = Object.values(results);
    console.log(`\n${formatTable(ordered)}\n`);
    const targets = ratios(results);
    console.log('targets (medians of interleaved rounds):', JSON.stringify(targets, null, 1));
    console.log('logout latency at low load:', JSON.stringify(logoutLatency, null, 1));
    console.log('relying service / stateless jose peer (target >= 0.9):', JSON.stringify(relyingService));
    writeResults(RESULTS_PATH, {
      command: 'npm run bench',
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(),
      database: database.description,
      settings: {
        rounds: settings.ROUNDS,
        warmupSeconds: settings.WARMUP_SECONDS,
        durationSeconds: settings.DURATION_SECONDS,
        connections: settings.CONNECTIONS,
        credentialsPerReadCase: settings.POOL_SIZE,
        credentialsPerCurveCase: settings.CURVE_POOL_SIZE,
        sessionsInCollection: { '1-5 and me': small, [`6-${small}`]: small, [`6-${large}`]: large },
        logoutSessionsPerSideAndRound: settings.LOGOUT_POOL_SIZE,
        logoutLatencySamples: settings.LOGOUT_LATENCY_SAMPLES,
      },
      cases: results,
      logoutLatency,
      targets,
      growth,
      relyingService,
    });
    progress(`wrote ${path.relative(process.cwd(), RESULTS_PATH)}`);
  } finally {
    await main.database.close();
    await big.database.close();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

