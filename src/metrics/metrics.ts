import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SESSION_END_REASONS } from '../sessions/session';
import { createSessionEventMetrics } from './event-metrics';

/**
 * Every Prometheus instrument of one app instance, on a registry of its own rather than prom-client's
 * global one: tests build many apps in one process, and each must count only its own requests.
 * Labels take values from small fixed sets only (route patterns, scopes, reasons, limiter names), never
 * user ids, emails, session ids or raw URLs. docs/OPERATIONS.md describes every series.
 */

export interface MetricsOptions {
  /** The process's CPU, memory, event loop and GC metrics; only the server process wants them. */
  processMetrics?: boolean;
}

/**
 * The feed lag is read from its source when Prometheus scrapes, rather than pushed after every poll: a
 * poller that has stopped succeeding pushes nothing, and the lag must still be seen to grow.
 */
export interface RevocationFeedLag {
  /** `lagMs` answers undefined when this instance runs no feed (the gauge then stays 0). */
  measureWith(lagMs: () => number | undefined): void;
}

export const LOGOUT_SCOPES = ['local', 'others', 'global'] as const;
export const SESSION_CHECK_SOURCES = ['memory', 'database', 'revoked_memory'] as const;

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request reaching Express to the response being sent, by route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers,
  });
  const counter = <Label extends string = never>(name: string, help: string, labelNames: readonly Label[] = []) =>
    new Counter<Label>({ name, help, labelNames, registers });

  const logins = counter('auth_logins_total', 'Login attempts that reached a password check: success, or failure (unknown email or wrong password)', ['result']);
  const registrations = counter('auth_registrations_total', 'Accounts created');
  const refreshes = counter(
    'auth_refreshes_total',
    'Successful refreshes: rotated (a new refresh token) or within_grace (a concurrent tab, access token only)',
    ['outcome'],
  );
  const refreshTokenReuseDetections = counter(
    'auth_refresh_token_reuse_detections_total',
    'Retired refresh tokens presented after the grace period (each revoked its session)',
  );
  const logouts = counter('auth_logouts_total', 'Successful logouts by scope', ['scope']);
  const sessionRevocations = counter('auth_session_revocations_total', 'Sessions revoked, by reason (a logout of N sessions counts N)', ['reason']);
  const rateLimitRejections = counter('auth_rate_limit_rejections_total', 'Requests refused with 429 RATE_LIMITED, by limiter', ['limiter']);
  const csrfRejections = counter(
    'auth_csrf_rejections_total',
    'Cookie-authenticated requests refused with 403 CSRF_REJECTED (foreign Origin or Referer)',
  );

  // The revocation mechanism's instruments: defined here, fed by the session core.
  const revocationBarrierWait = new Histogram({
    name: 'auth_revocation_barrier_wait_seconds',
    help: 'How long a revoking request waited for every instance to have seen its revocation',
    registers,
  });
  let feedLagMs: () => number | undefined = () => undefined;
  new Gauge({
    name: 'auth_revocation_feed_lag_seconds',
    help: 'How far behind the revocation feed this instance is: time since its last successful poll started (+Inf before the first; 0 without a feed)',
    registers,
    collect() {
      this.set(Math.max(0, feedLagMs() ?? 0) / 1000);
    },
  });
  const revocationFeedLag: RevocationFeedLag = {
    measureWith(lagMs) {
      feedLagMs = lagMs;
    },
  };
  const sessionChecks = counter(
    'auth_session_checks_total',
    'Authentications by where the session check was answered: memory, database, or revoked_memory (refused from memory)',
    ['source'],
  );

  // Series with a known, fixed set of labels start at 0, so a rate() sees their first increment.
  for (const result of ['success', 'failure']) logins.inc({ result }, 0);
  for (const outcome of ['rotated', 'within_grace']) refreshes.inc({ outcome }, 0);
  for (const scope of LOGOUT_SCOPES) logouts.inc({ scope }, 0);
  for (const reason of SESSION_END_REASONS) sessionRevocations.inc({ reason }, 0);
  for (const source of SESSION_CHECK_SOURCES) sessionChecks.inc({ source }, 0);

  return {
    registry,
    httpRequestDuration,
    logins,
    registrations,
    refreshes,
    refreshTokenReuseDetections,
    logouts,
    sessionRevocations,
    rateLimitRejections,
    csrfRejections,
    /** Observe seconds (or use startTimer()) around the wait of each revoking request. */
    revocationBarrierWait,
    /** Given the feed's lag source once (src/app.ts: the session memory's feedLagMs). */
    revocationFeedLag,
    /** inc({ source }) once per authentication whose session was checked. */
    sessionChecks,
    /** Signed session-end events: emitted, delivered, rejected, failed per receiver host; the outbox's age. */
    sessionEvents: createSessionEventMetrics(registers),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
