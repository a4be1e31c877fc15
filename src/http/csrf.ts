import type { Request, RequestHandler } from 'express';
import type { AuditLog } from '../audit-log';
import { ApiError } from './api-error';
import { errors } from './errors';

/**
 * CSRF defence for the state-changing routes a browser authenticates with cookies (refresh, logout,
 * session revoke, password change). SameSite=Lax cookies already stay home on cross-site POSTs, but not
 * from a sibling subdomain (same site, other origin), and not under SameSite=None; so the request's
 * Origin, or without it the Referer, must be this server's own origin or one listed in CORS_ORIGINS
 * (OWASP CSRF cheat sheet, "verifying origin with standard headers").
 *
 * Not subject to it:
 * - on routes that authenticate by an access token, requests whose `Authorization: Bearer …` carries a
 *   token this server signed (`exemptIf`): a browser never attaches that by itself, a page of another
 *   origin cannot add it without a CORS preflight that it fails, and with a header present the cookies
 *   are not looked at, so the request acts with that token or not at all. Any other Authorization header
 *   (a junk Bearer, Basic credentials a browser remembers and attaches by itself) exempts nothing.
 *   Refresh reads only its cookie, so it gets no exemption at all.
 * - requests with neither header: browsers send Origin on every cross-origin POST and DELETE, so these
 *   come from non-browser clients (curl, mobile apps), which are not exposed to CSRF.
 */

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** This server's own origin as the client addressed it (protocol respects trust proxy). */
function ownOrigin(req: Request): string | undefined {
  const host = req.get('host');
  return host ? originOf(`${req.protocol}://${host}`) : undefined;
}

export function rejectCrossSiteRequests(
  allowedOrigins: readonly string[],
  audit: AuditLog,
  exemptIf: (req: Request) => boolean = () => false,
): RequestHandler {
  const allowed = new Set(allowedOrigins.map((origin) => originOf(origin) ?? origin));
  return (req, _res, next) => {
    if (exemptIf(req)) return next();
    const origin = req.get('origin');
    const referer = req.get('referer');
    const claimed = origin ?? referer;
    if (claimed === undefined) return next();
    // "null" (sandboxed frames, some redirects) and anything unparsable count as foreign.
    const source = originOf(claimed);
    if (source !== undefined && (source === ownOrigin(req) || allowed.has(source))) return next();
    // Of a Referer only its origin is logged: its path and query may carry things that do not belong in logs.
    audit.record(req, 'csrf_rejected', {
      method: req.method,
      path: req.baseUrl + req.path,
      from: origin !== undefined ? 'origin' : 'referer',
      origin: origin !== undefined ? origin.slice(0, 200) : (source ?? 'unparsable'),
    });
    throw new ApiError(errors.CSRF_REJECTED);
  };
}
