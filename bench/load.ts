import autocannon from 'autocannon';
import { CONNECTIONS, DURATION_SECONDS, WARMUP_SECONDS } from './settings';

/** autocannon against one case server: a warm-up, then a fixed-duration measurement. */

export interface LoadResult {
  /** Successful (2xx) responses per second over the measured duration. */
  requestsPerSecond: number;
  /** null when no request completed within the measured duration. */
  p50Ms: number | null;
  p99Ms: number | null;
  ok: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
}

export interface LoadPlan {
  url: string;
  method: 'GET' | 'POST';
  /** Cookie headers, one per request in turn. */
  cookies: string[];
  /** Each cookie is used once (logouts); otherwise the list is cycled. */
  consume?: boolean;
  /** Use every cookie once before the warm-up, as a server up for a while has seen its users (caches). */
  warmEveryCredential?: boolean;
}

/** For `seconds`, or for exactly `amount` requests when given (over `connections`, CONNECTIONS at most). */
function attack(
  plan: LoadPlan,
  limit: { seconds: number } | { amount: number; connections?: number },
  next: () => string | undefined,
): Promise<autocannon.Result> {
  const url = new URL(plan.url);
  let lastCookie = plan.cookies[0] ?? '';
  return new Promise((resolve, reject) => {
    const instance: autocannon.Instance = autocannon(
      {
        url: url.origin,
        // A pass of `amount` requests uses one connection per request up to CONNECTIONS, and waits as long
        // as a first read takes on a database that scans (the embedded one, at 10^5 sessions: seconds).
        ...('amount' in limit
          ? { amount: limit.amount, connections: Math.min(limit.amount, limit.connections ?? CONNECTIONS), timeout: 120 }
          : { duration: limit.seconds, connections: CONNECTIONS }),
        requests: [
          {
            method: plan.method,
            path: url.pathname,
            setupRequest: (req) => {
              const cookie = next();
              // Out of sessions to log out: end this measurement rather than send spent ones.
              if (cookie === undefined) instance.stop();
              else lastCookie = cookie;
              return { ...req, headers: { ...req.headers, cookie: lastCookie } };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function cookieCursor(plan: LoadPlan): () => string | undefined {
  let cursor = 0;
  return plan.consume ? () => plan.cookies[cursor++] : () => plan.cookies[cursor++ % plan.cookies.length];
}

/** Latency at low load: `amount` requests one after another, on one connection. */
export async function measureSequential(plan: LoadPlan, amount: number): Promise<{ p50Ms: number; p99Ms: number; maxMs: number; ok: number; non2xx: number }> {
  const result = await attack(plan, { amount, connections: 1 }, cookieCursor(plan));
  return { p50Ms: result.latency.p50, p99Ms: result.latency.p99, maxMs: result.latency.max, ok: result['2xx'], non2xx: result.non2xx + result.errors };
}

export async function measure(plan: LoadPlan): Promise<LoadResult> {
  const next = cookieCursor(plan);
  if (plan.warmEveryCredential) await attack(plan, { amount: plan.cookies.length }, next);
  await attack(plan, { seconds: WARMUP_SECONDS }, next);
  const result = await attack(plan, { seconds: DURATION_SECONDS }, next);
  return {
    requestsPerSecond: Math.round(result['2xx'] / result.duration),
    p50Ms: result['2xx'] > 0 ? result.latency.p50 : null,
    p99Ms: result['2xx'] > 0 ? result.latency.p99 : null,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationSeconds: result.duration,
  };
}
