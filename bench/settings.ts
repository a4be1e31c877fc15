import { createHmac } from 'node:crypto';

/** Everything the benchmark run fixes in advance, in one place. */

export const WARMUP_SECONDS = 1;
export const DURATION_SECONDS = 4;
/** Every compared case is measured this many times, interleaved; its median round is reported (see run.ts). */
export const ROUNDS = 3;
export const CONNECTIONS = 20;
/**
 * Distinct credentials (users and sessions) each read case cycles through, so no case is measured on one
 * hot key. The warm-up uses each of them once before its timed part.
 */
export const POOL_SIZE = 250;
/** Sessions seeded per side and round for the logout case; each request logs out one of them, never twice. */
export const LOGOUT_POOL_SIZE = 2_000;
/** Logout at low load: this many logouts, one at a time, for its p50 and p99. */
export const LOGOUT_LATENCY_SAMPLES = 100;
/** Logout's latency and case 5 with this many session-event receivers configured (all down), next to none. */
export const EVENT_RECEIVERS = 5;
/** Case 6: case 4 against a database holding this few and this many sessions (two databases, side by side). */
export const CURVE_SIZES = [1_000, 100_000] as const;
/**
 * Case 6's credentials, inserted last into each database, where a database that scans (the embedded one)
 * pays the most to find them; few, because there each first read of one takes a scan of 10^5 documents.
 */
export const CURVE_POOL_SIZE = 5;
export const DATABASE_NAME = 'auth_bench';

export const JWT_ISSUER = 'logout-auth-api';
export const JWT_AUDIENCE = 'logout-auth-api';

/** The express-session peer: its cookie, its collection (apart from ours) and its signing secret. */
export const PEER_COOKIE = 'connect.sid';
export const PEER_COLLECTION = 'express_sessions';
export const PEER_SESSION_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/** express-session's signed cookie value (cookie-signature): `s:` + id + `.` + base64 HMAC-SHA256, no padding. */
export function signPeerSessionId(sessionId: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(sessionId).digest('base64').replace(/=+$/, '');
  return `s:${sessionId}.${signature}`;
}

/**
 * The growth case (bench/growth.ts): users and sessions (each) in the small and the large database.
 * BENCH_GROWTH_LARGE=1000000 runs it against 10^6 (docs/PERFORMANCE.md says what that takes here).
 */
export const GROWTH_SIZES = [1_000, Number(process.env.BENCH_GROWTH_LARGE ?? 100_000)] as const;
/** Paired rounds of the growth case; each round runs its subjects on both databases, the order alternating. */
export const GROWTH_ROUNDS = 5;
/** Users per database and round who go through every measured route once, one request at a time. */
export const GROWTH_SUBJECTS_PER_ROUND = 10;
/** Users per database who go through every route first, unmeasured (a server that has been up a while). */
export const GROWTH_WARMUP_SUBJECTS = 3;
/** Calls of GET /users/me per subject once its session is known. */
export const GROWTH_KNOWN_CALLS = 5;
/** Failed login attempts in the window of the flooded database, spread over this many keys. */
export const FLOOD_HITS = 10_000;
export const FLOOD_KEYS = 2_500;
