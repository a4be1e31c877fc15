import type { RequestHandler } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit-log';
import { emailSchema } from '../auth/auth-schemas';
import type { RateLimitSettings } from '../config';
import { ApiError } from './api-error';

/**
 * Brute-force and abuse limits (OWASP ASVS V2.2.1). Counters live in process memory: each instance of
 * the API counts on its own, which a deployment with N instances must allow for (see docs/SECURITY.md).
 * The IP is req.ip, so TRUST_PROXY must describe the proxies in front or every client shares one key.
 */

export interface RateLimits {
  loginPerIp: RequestHandler;
  /** After the JSON body is parsed: keyed by the normalised email. */
  loginPerAccount: RequestHandler;
  registerPerIp: RequestHandler;
  refreshPerIp: RequestHandler;
}

/** The account an attempt is aimed at, normalised exactly as login normalises it; none for invalid input. */
function accountKey(body: unknown): string | undefined {
  const email = typeof body === 'object' && body !== null ? (body as { email?: unknown }).email : undefined;
  const parsed = emailSchema.safeParse(email);
  return parsed.success ? parsed.data : undefined;
}

export function createRateLimits(settings: RateLimitSettings, audit: AuditLog, logger: Logger): RateLimits {
  const windowMs = settings.windowSeconds * 1000;

  function limiter(name: string, limit: number, options: Partial<Options> = {}): RequestHandler {
    return rateLimit({
      windowMs,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      identifier: name,
      logger,
      // Retry-After is already set by the time the handler runs; the body is the API's error shape.
      handler: (req, _res, next) => {
        audit.record(req, 'rate_limited', { limiter: name, method: req.method, path: req.baseUrl + req.path });
        next(new ApiError(429, 'RATE_LIMITED', 'Too many requests; try again later'));
      },
      ...options,
    });
  }

  return {
    loginPerIp: limiter('login-per-ip', settings.loginPerIp),
    // Only failed attempts count: a user who signs in often is not guessing passwords. Input that is not
    // a valid email gets no account key and is left to validation (and to the per-IP limit).
    loginPerAccount: limiter('login-per-account', settings.loginPerAccount, {
      skipSuccessfulRequests: true,
      skip: (req) => accountKey(req.body) === undefined,
      keyGenerator: (req) => accountKey(req.body) ?? '',
    }),
    registerPerIp: limiter('register-per-ip', settings.registerPerIp),
    refreshPerIp: limiter('refresh-per-ip', settings.refreshPerIp),
  };
}
