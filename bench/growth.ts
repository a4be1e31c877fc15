import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import { createPasswordHasher } from '../src/auth/password';
import { authCookieNames } from '../src/auth/cookies';
import { accessTokenSettings } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { startCaseServer, stopCaseServer } from './case-process';
import { median } from './paired';
import { openEmptyDatabase } from './scratch-database';
import { seededEmail, seedProjectSessions, seedUsers } from './seed';
import * as settings from './settings';

/**
 * The growth case of `npm run bench`: each route a user meets, measured one request at a time on a
 * database of 10^3 users and sessions and on one of 10^5, in paired rounds (the order alternating), plus
 * login with 10^4 failed attempts in the rate-limit window. The data is bulk-inserted; the subjects have
 * a real argon2 hash so that they can log in. Ratios are medians of the rounds' ratios of p50s.
 */

const PASSWORD = `growth ${randomBytes(9).toString('base64url')}`;
const ROUTES = ['login', 'me-first', 'me-known', 'refresh', 'sessions', 'revoke-session', 'password', 'logout', 'delete-account'] as const;
type Route = (typeof ROUTES)[number];
type Samples = Record<Route, number[]>;

interface GrowthDatabase {
  name: string;
  label: string;
  users: number;
  floodHits: number;
}

interface Subject {
  email: string;
  /** A session seeded in the database, never used: its first GET /users/me reads the database. */
  seededCookie: string;
  seededSessionId: string;
}

/** Set-Cookie headers folded into a jar; an emptied cookie leaves it. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  constructor(initial?: string) {
    if (initial) this.cookies.set(initial.slice(0, initial.indexOf('=')), initial.slice(initial.indexOf('=') + 1));
  }
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

async function seedGrowthDatabase(uri: string, db: GrowthDatabase, passwordHash: string, secret: string, subjects: number): Promise<Subject[]> {
  const database = await openEmptyDatabase(uri, db.name);
  try {
    const config = loadConfig({ NODE_ENV: 'production', MONGODB_URI: uri, JWT_ACCESS_SECRET: secret, JWT_ISSUER: settings.JWT_ISSUER, JWT_AUDIENCE: settings.JWT_AUDIENCE });
    const credentials = { tokens: accessTokenSettings(config), accessCookieName: authCookieNames(config.cookies).access };
    const userIds = await seedUsers(database.models, db.users, passwordHash);
    const subjectIds = userIds.slice(0, subjects);
    const cookies = await seedProjectSessions(database.models, credentials, subjectIds, subjects);
    await seedProjectSessions(database.models, credentials, userIds.slice(subjects), db.users - subjects, 0);
    if (db.floodHits > 0) {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + config.rateLimits.windowSeconds * 1000);
      for (let stored = 0; stored < db.floodHits; stored += 5_000) {
        const batch = Array.from({ length: Math.min(5_000, db.floodHits - stored) }, (_, i) => ({
          _id: new Types.ObjectId(),
          key: `flood-${(stored + i) % settings.FLOOD_KEYS}`,
          at: now,
          expiresAt,
        }));
        await database.models.RateLimitHit.insertMany(batch, { lean: true });
      }
    }
    return subjectIds.map((id, i) => {
      const token = cookies[i]!.slice(cookies[i]!.indexOf('=') + 1);
      return { email: seededEmail(id), seededCookie: cookies[i]!, seededSessionId: (jwt.decode(token) as { sid: string }).sid };
    });
  } finally {
    await database.close();
  }
}

/** One subject through every route, one request at a time; returns each route's latencies and the non-2xx it met. */
async function runSubject(base: string, subject: Subject, samples: Samples, refusals: string[]): Promise<void> {
  const jar = new CookieJar();
  const seeded = new CookieJar(subject.seededCookie);
  async function call(route: Route | undefined, method: string, path: string, cookies: CookieJar, body?: object): Promise<Response> {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { cookie: cookies.header(), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await response.arrayBuffer();
    if (route) samples[route].push(performance.now() - started);
    cookies.take(response);
    if (response.status >= 300) refusals.push(`${route ?? method} ${path}: ${response.status}`);
    return response;
  }
  const newPassword = `${PASSWORD} changed`;
  await call('login', 'POST', '/api/v1/auth/login', jar, { email: subject.email, password: PASSWORD });
  await call('me-first', 'GET', '/api/v1/users/me', seeded);
  for (let i = 0; i < settings.GROWTH_KNOWN_CALLS; i++) await call('me-known', 'GET', '/api/v1/users/me', seeded);
  await call('refresh', 'POST', '/api/v1/auth/refresh', jar);
  await call('sessions', 'GET', '/api/v1/auth/sessions', jar);
  await call('revoke-session', 'DELETE', `/api/v1/auth/sessions/${subject.seededSessionId}`, jar);
  await call('password', 'POST', '/api/v1/users/me/password', jar, { currentPassword: PASSWORD, newPassword });
  await call('logout', 'POST', '/api/v1/auth/logout', jar);
  await call(undefined, 'POST', '/api/v1/auth/login', jar, { email: subject.email, password: newPassword });
  await call('delete-account', 'DELETE', '/api/v1/users/me', jar, { password: newPassword });
}


const percentile = (values: number[], p: number) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const emptySamples = (): Samples => Object.fromEntries(ROUTES.map((route) => [route, []])) as unknown as Samples;
const round2 = (n: number) => Math.round(n * 100) / 100;

export interface GrowthResult {
  settings: Record<string, unknown>;
  routes: Record<string, { p50Ms: Record<string, number>; p99Ms: Record<string, number>; samples: number; ratio: number; roundRatios: number[] }>;
  floodLogin: { p50Ms: number; p99Ms: number; ratio: number; roundRatios: number[] };
  refusals: Record<string, string[]>;
}

/**
 * Runs the growth case against the database server at `uri`; `envFor` gives a case server's environment
 * for a database name (run.ts's, so that the servers accept the seeded tokens signed with `secret`).
 */
export async function runGrowthCase(uri: string, secret: string, envFor: (databaseName: string) => NodeJS.ProcessEnv, progress: (line: string) => void): Promise<GrowthResult> {
  const [small, large] = settings.GROWTH_SIZES;
  const databases: GrowthDatabase[] = [
    { name: 'auth_growth_small', label: String(small), users: small, floodHits: 0 },
    { name: 'auth_growth_large', label: String(large), users: large, floodHits: 0 },
    { name: 'auth_growth_flood', label: `${small}+flood`, users: small, floodHits: settings.FLOOD_HITS },
  ];
  const perRound = settings.GROWTH_SUBJECTS_PER_ROUND;
  const warmup = settings.GROWTH_WARMUP_SUBJECTS;
  const subjectsPerDatabase = warmup + settings.GROWTH_ROUNDS * perRound;
  const config = loadConfig({});
  const passwordHash = await createPasswordHasher(config.passwordHash).hashPassword(PASSWORD);
  const subjects: Subject[][] = [];
  for (const db of databases) {
    const seedingStarted = Date.now();
    subjects.push(await seedGrowthDatabase(uri, db, passwordHash, secret, subjectsPerDatabase));
    progress(`growth: seeded ${db.users} users and sessions${db.floodHits ? ` and ${db.floodHits} failed-login hits` : ''} in ${((Date.now() - seedingStarted) / 1000).toFixed(0)}s`);
  }
  // Counted, as in production, but high enough that the measured logins are never refused.
  const limits = { RATE_LIMIT_LOGIN_PER_IP: '1000000000', RATE_LIMIT_REFRESH_PER_IP: '1000000000', RATE_LIMIT_REGISTER_PER_IP: '1000000000' };
  const servers = await Promise.all(databases.map((db) => startCaseServer('full-api', { ...envFor(db.name), ...limits })));
  const samples = databases.map(() => emptySamples());
  const roundSamples: Samples[][] = [];
  const refusals: string[][] = databases.map(() => []);
  try {
    progress(`growth: warming up each server with ${warmup} users`);
    for (const [d, server] of servers.entries()) {
      for (const subject of subjects[d]!.slice(0, warmup)) await runSubject(`http://127.0.0.1:${server.port}`, subject, emptySamples(), refusals[d]!);
    }
    for (let round = 0; round < settings.GROWTH_ROUNDS; round++) {
      const measured = (d: number) => subjects[d]!.slice(warmup + round * perRound, warmup + (round + 1) * perRound);
      const thisRound = databases.map(() => emptySamples());
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const d of order) {
        progress(`growth round ${round + 1}: ${perRound} users through every route at ${databases[d]!.label}`);
        for (const subject of measured(d)) {
          await runSubject(`http://127.0.0.1:${servers[d]!.port}`, subject, thisRound[d]!, refusals[d]!);
        }
      }
      // Login under the flood, beside the same round's login without it.
      for (const subject of measured(2)) {
        await runSubject(`http://127.0.0.1:${servers[2]!.port}`, subject, thisRound[2]!, refusals[2]!);
      }
      thisRound.forEach((s, d) => ROUTES.forEach((route) => samples[d]![route].push(...s[route])));
      roundSamples.push(thisRound);
    }
  } finally {
    await Promise.all(servers.map(({ child }) => stopCaseServer(child)));
  }
  const ratioOfRounds = (route: Route, d: number) => roundSamples.map((rounds) => median(rounds[d]![route]) / median(rounds[0]![route]));
  const routes: GrowthResult['routes'] = {};
  for (const route of ROUTES) {
    const roundRatios = ratioOfRounds(route, 1).map(round2);
    routes[route] = {
      p50Ms: { [small]: round2(median(samples[0]![route])), [large]: round2(median(samples[1]![route])) },
      p99Ms: { [small]: round2(percentile(samples[0]![route], 99)), [large]: round2(percentile(samples[1]![route], 99)) },
      samples: samples[1]![route].length,
      ratio: median(roundRatios),
      roundRatios,
    };
  }
  const floodRatios = ratioOfRounds('login', 2).map(round2);
  return {
    settings: {
      sizes: settings.GROWTH_SIZES,
      rounds: settings.GROWTH_ROUNDS,
      subjectsPerRoundAndDatabase: perRound,
      warmupSubjectsPerDatabase: warmup,
      knownSessionCallsPerSubject: settings.GROWTH_KNOWN_CALLS,
      flood: { hits: settings.FLOOD_HITS, keys: settings.FLOOD_KEYS, database: databases[2]!.label },
      requests: 'one at a time, on one keep-alive connection per server',
      server: 'full API (createApp), NODE_ENV=production, REVOCATION_LEASE_MS default, rate limits counted with per-IP limits raised',
    },
    routes,
    floodLogin: { p50Ms: round2(median(samples[2]!.login)), p99Ms: round2(percentile(samples[2]!.login, 99)), ratio: median(floodRatios), roundRatios: floodRatios },
    refusals: Object.fromEntries(databases.map((db, d) => [db.label, [...new Set(refusals[d])]])),
  };
}

/** The growth case as a table: p50 and p99 at each size, and the ratio of p50s (median of the rounds). */
export function formatGrowth(growth: GrowthResult): string {
  const [small, large] = settings.GROWTH_SIZES;
  const lines = [`route            p50@${small}  p50@${large}  p99@${small}  p99@${large}  ratio (rounds)`];
  for (const [route, r] of Object.entries(growth.routes)) {
    const cells = [r.p50Ms[small], r.p50Ms[large], r.p99Ms[small], r.p99Ms[large]].map((ms) => `${ms!.toFixed(1)} ms`.padStart(10));
    lines.push(`${route.padEnd(16)} ${cells.join('  ')}  ${r.ratio.toFixed(2)} (${r.roundRatios.join(', ')})`);
  }
  const flood = growth.floodLogin;
  lines.push(`login, flood     p50 ${flood.p50Ms.toFixed(1)} ms, p99 ${flood.p99Ms.toFixed(1)} ms; ratio to login without it ${flood.ratio.toFixed(2)} (${flood.roundRatios.join(', ')})`);
  for (const [label, refused] of Object.entries(growth.refusals)) lines.push(`non-2xx at ${label}: ${refused.length ? refused.join(', ') : 'none'}`);
  return lines.join('\n');
}
