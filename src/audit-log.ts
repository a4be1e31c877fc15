import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Logger } from 'pino';

/**
 * Security events, one structured line each on a child logger bound to `audit: <event>`, so they can be
 * routed and alerted on apart from request logs (OWASP ASVS V7). Every line of a request carries the
 * client's IP and the request id (also in X-Request-Id). Credentials never go in: ids, scopes and reasons only.
 */

export type AuditEvent =
  | 'register'
  | 'login'
  | 'login_failed'
  | 'refresh'
  | 'logout'
  | 'refresh_reuse_detected'
  | 'sessions_evicted'
  /** Sessions ended, whatever the reason: one line for each end (src/auth/session-end-audit.ts). */
  | 'sessions_ended'
  | 'account_deleted'
  | 'csrf_rejected'
  | 'rate_limited'
  /** A request to the revocation feed with missing or wrong relying-service credentials (the name only). */
  | 'relying_service_refused'
  /** Sessions ended by an operator with `npm run sessions -- revoke` (no request: no ip or reqId). */
  | 'admin_revoked';

/** Events that point at an attack in progress are warnings, so an alert can key on the level alone. */
const WARNINGS = new Set<AuditEvent>(['refresh_reuse_detected', 'csrf_rejected', 'rate_limited', 'relying_service_refused']);

export interface AuditLog {
  /** `req` is undefined for actions taken outside any request (the operator command). */
  record(req: Request | undefined, event: AuditEvent, fields?: Record<string, unknown>): void;
}

/** Told of every event as it is recorded (the metrics count them: src/metrics/audit-metrics.ts). */
export type AuditListener = (event: AuditEvent, fields: Record<string, unknown>) => void;

export function createAuditLog(logger: Logger, onEvent?: AuditListener): AuditLog {
  const loggers = new Map<AuditEvent, Logger>();
  const loggerFor = (event: AuditEvent) => {
    let child = loggers.get(event);
    if (!child) loggers.set(event, (child = logger.child({ audit: event })));
    return child;
  };
  return {
    record(req, event, fields = {}) {
      const level = WARNINGS.has(event) ? 'warn' : 'info';
      const origin = req ? { ip: req.ip, reqId: req.id } : {};
      loggerFor(event)[level]({ ...fields, ...origin }, `audit: ${event}`);
      onEvent?.(event, fields);
    },
  };
}

/**
 * Lets failed logins for one address be correlated without writing the address itself down: what was
 * typed into an email field is not always the person's own address.
 */
export function emailFingerprint(email: string): string {
  return createHash('sha256').update(email).digest('hex').slice(0, 16);
}
