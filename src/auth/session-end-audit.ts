import type { AuditLog } from '../audit-log';
import type { SessionEndListener } from '../sessions/session-events';

/**
 * One audit line for every session end, from the core's event: which sessions, why and on whose
 * initiative. The request that caused it (if any) is audited on its own line (logout, account_deleted…),
 * with its IP and request id.
 */
export function auditSessionEnds(audit: AuditLog): SessionEndListener {
  return ({ userId, sessionIds, reason, initiatedBy }) =>
    audit.record(undefined, 'sessions_ended', { userId, sessionIds, reason, initiatedBy });
}
