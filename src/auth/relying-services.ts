import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { AuditLog } from '../audit-log';
import { hashCredential, type RelyingService } from '../relying-service-config';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import type { SlidingWindow } from '../http/rate-limit-hits';
import { rateLimitedError, recordRateLimited } from '../http/rate-limits';

/**
 * Who may read the revocation feed over HTTP: the services registered in RELYING_SERVICES, each proving
 * itself with `Authorization: Basic base64(name:credential)` (RFC 7617, as OAuth clients do). The
 * credential is compared by its SHA-256 in constant time and never logged; a wrong one is audited by
 * service name only, answered 401 and counted per client address against RATE_LIMIT_LOGIN_PER_IP, past
 * which the answer is 429. A right one costs no database work (the feed is polled several times a second).
 */

export const RELYING_CREDENTIAL_LIMITER = 'relying-service-credentials-per-ip';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by requireRelyingService: the registered service's name. */
      relyingService?: string;
    }
  }
}

/** The name and credential of a Basic header, or undefined for anything else. */
function basicCredentials(req: Request): { name: string; credential: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(req.get('authorization') ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  return separator < 0 ? undefined : { name: decoded.slice(0, separator), credential: decoded.slice(separator + 1) };
}

/** A hash no credential has, compared against when the name is unknown, so both take the same time. */
const NO_SERVICE = hashCredential('\u0000 no service has this credential');

function serviceProven(services: readonly RelyingService[], offered: { name: string; credential: string } | undefined): string | undefined {
  if (!offered) return undefined;
  const service = services.find((candidate) => candidate.name === offered.name);
  const matches = timingSafeEqual(hashCredential(offered.credential), service?.credentialHash ?? NO_SERVICE);
  return service && matches ? service.name : undefined;
}

export function requireRelyingService(deps: { services: readonly RelyingService[]; window: SlidingWindow; limit: number; audit: AuditLog }): RequestHandler {
  const { services, window, limit, audit } = deps;
  return async (req, _res, next) => {
    const offered = basicCredentials(req);
    const name = serviceProven(services, offered);
    if (name) {
      req.relyingService = name;
      return next();
    }
    audit.record(req, 'relying_service_refused', { service: offered ? offered.name.slice(0, 64) : null });
    if (limit > 0) {
      const { counts } = await window.take([{ name: RELYING_CREDENTIAL_LIMITER, key: ipKeyGenerator(req.ip ?? '', 56), limit }]);
      const exhausted = counts.filter((count) => count.count > count.limit);
      if (exhausted.length > 0) {
        recordRateLimited(audit, req, RELYING_CREDENTIAL_LIMITER);
        throw rateLimitedError(exhausted, window.windowMs);
      }
    }
    throw new ApiError(errors.SERVICE_CREDENTIALS_INVALID);
  };
}
