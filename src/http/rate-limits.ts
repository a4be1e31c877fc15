import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit-log';
import type { RateLimitSettings } from '../config';
import { ApiError } from './api-error';
import { errors } from './errors';
import type { SlidingWindow, WindowCount } from './rate-limit-hits';
import { createSharedStore } from './rate-limit-store';

/**
 * Brute-force and abuse limits (OWASP ASVS V2.2.1), counted in MongoDB so that every instance shares
 * them (rate-limit-hits.ts). Per-IP limits are middleware here; failed password checks per account are
 * counted where the password is checked (src/auth/password-attempts.ts).
 * The IP is req.ip, so TRUST_PROXY must describe the proxies in front or every client shares one key.
 */

export interface RateLimits {
  loginPerIp: RequestHandler;
  registerPerIp: RequestHandler;
  refreshPerIp: RequestHandler;
}

/** A 429 that names the limiter that refused, for the audit log. */
export class RateLimitedError extends ApiError {
  constructor(
    readonly limiter: string,
    headers: Record<string, string> = {},
  ) {
    super(errors.RATE_LIMITED, { headers });
  }
}

export function recordRateLimited(audit: AuditLog, req: Request, limiter: string): void {
  audit.record(req, 'rate_limited', { limiter, method: req.method, path: req.baseUrl + req.path });
}

/**
 * The headers express-rate-limit sends with a refusal (Retry-After and IETF draft-8 RateLimit), for
 * refusals made outside it: one entry per budget that is exhausted.
 */
export function rateLimitedError(exhausted: WindowCount[], windowMs: number, now = Date.now()): RateLimitedError {
  const secondsLeft = (count: WindowCount) => Math.max(1, Math.ceil(((count.resetTime?.getTime() ?? now + windowMs) - now) / 1000));
  const windowSeconds = Math.ceil(windowMs / 1000);
  return new RateLimitedError(exhausted[0]!.name, {
    'Retry-After': String(Math.max(...exhausted.map(secondsLeft))),
    RateLimit: exhausted.map((count) => `"${count.name}"; r=0; t=${secondsLeft(count)}`).join(', '),
    'RateLimit-Policy': exhausted.map((count) => `"${count.name}"; q=${count.limit}; w=${windowSeconds}`).join(', '),
  });
}

export function createRateLimits(settings: RateLimitSettings, window: SlidingWindow, audit: AuditLog, logger: Logger): RateLimits {
  const notLimited: RequestHandler = (_req, _res, next) => next();

  function limiter(name: string, limit: number): RequestHandler {
    if (limit === 0) return notLimited;
    return rateLimit({
      windowMs: window.windowMs,
      limit,
      store: createSharedStore(window, name),
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      identifier: name,
      logger,
      // Fail closed: every route limited here goes on to need the database, so a store that cannot be
      // reached answers 503 at once (the error handler's mapping) instead of letting the route wait out the
      // same database a second time; bad input is refused before the limiter (auth-routes.ts).
      passOnStoreError: false,
      // Retry-After is already set by the time the handler runs; the body is the API's error shape.
      handler: (req, _res, next) => {
        recordRateLimited(audit, req, name);
        next(new RateLimitedError(name));
      },
    });
  }

  return {
    loginPerIp: limiter('login-per-ip', settings.loginPerIp),
    registerPerIp: limiter('register-per-ip', settings.registerPerIp),
    refreshPerIp: limiter('refresh-per-ip', settings.refreshPerIp),
  };
}
