import type { AuditListener } from '../audit-log';
import { LOGOUT_SCOPES, type Metrics } from './metrics';

/**
 * The audit log already records each security event exactly once, where it happens; the counters are
 * derived from it here, so a request cannot be audited without being counted or the other way round.
 * Ended sessions are counted from the session core's events instead (session-end-metrics.ts, wired in
 * src/app.ts): one logout may end many sessions.
 */
export function countAuditEvents(metrics: Metrics): AuditListener {
  return (event, fields) => {
    switch (event) {
      case 'register':
        metrics.registrations.inc();
        return;
      case 'login':
        metrics.logins.inc({ result: 'success' });
        return;
      case 'login_failed':
        metrics.logins.inc({ result: 'failure' });
        return;
      case 'refresh':
        metrics.refreshes.inc({ outcome: fields.rotated === true ? 'rotated' : 'within_grace' });
        return;
      case 'refresh_reuse_detected':
        metrics.refreshTokenReuseDetections.inc();
        return;
      case 'logout':
        if (LOGOUT_SCOPES.includes(fields.scope as (typeof LOGOUT_SCOPES)[number])) metrics.logouts.inc({ scope: fields.scope as string });
        return;
      case 'rate_limited':
        // Limiter names are constants of src/http/rate-limits.ts: a bounded set.
        metrics.rateLimitRejections.inc({ limiter: String(fields.limiter) });
        return;
      case 'csrf_rejected':
        metrics.csrfRejections.inc();
        return;
      case 'admin_revoked':
      case 'sessions_evicted':
      case 'sessions_ended':
      case 'relying_service_refused':
        return;
    }
  };
}
