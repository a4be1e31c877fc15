import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Logger } from 'pino';

/**
 * Security events, one structured line each on a child logger bound to `audit: <event>`, so they can be
 * routed and alerted on apart from request logs (OWASP ASVS V7). Every line carries the client's IP and
 * the request id (also in X-Request-Id). Credentials never go in: ids, scopes and reasons only.
 */

export type AuditEvent =
  | 'login'
  | 'login_failed'
  | 'logout'
  | 'refresh_reuse_detected'
  | 'sessions_evicted'
  | 'account_deleted'
  | 'csrf_rejected'
  | 'rate_limited';

/** Events that point at an attack in progress are warnings, so an alert can key on the level alone. */
const WARNINGS = new Set<AuditEvent>(['refresh_reuse_detected', 'csrf_rejected', 'rate_limited']);

export interface AuditLog {
  record(req: Request, event: AuditEvent, fields?: Record<string, unknown>): void;
}

export function createAuditLog(logger: Logger): AuditLog {
  const loggers = new Map<AuditEvent, Logger>();
  const loggerFor = (event: AuditEvent) => {
    let child = loggers.get(event);
    if (!child) loggers.set(event, (child = logger.child({ audit: event })));
    return child;
  };
  return {
    record(req, event, fields = {}) {
      const level = WARNINGS.has(event) ? 'warn' : 'info';
      loggerFor(event)[level]({ ...fields, ip: req.ip, reqId: req.id }, `audit: ${event}`);
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
