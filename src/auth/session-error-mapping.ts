import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Config } from '../config';
import { ApiError, type ErrorDefinition } from '../http/api-error';
import { errors } from '../http/errors';
import type { SessionCore } from '../sessions/session-core';
import { SessionError, type SessionErrorKind } from '../sessions/session-errors';
import { expireAccessCookie, expireAuthCookies, readRefreshCookies } from './cookies';

/**
 * The HTTP edge of the session core: which answer each of its refusals is, and what becomes of the
 * browser's cookies. The one place a SessionError meets the error catalog.
 */

const ANSWERS: Record<SessionErrorKind, ErrorDefinition> = {
  not_authenticated: errors.UNAUTHORIZED,
  refresh_token_invalid: errors.REFRESH_INVALID,
  refresh_token_reused: errors.REFRESH_REUSED,
  session_not_found: errors.SESSION_NOT_FOUND,
  revocation_unconfirmed: errors.REVOCATION_UNCONFIRMED,
};

/** A SessionError as the catalog answer it is; anything else as it was. */
export function toHttpError(error: unknown): unknown {
  return error instanceof SessionError ? new ApiError(ANSWERS[error.kind]) : error;
}

/** In the app's chain before the error handler: the core's refusals become catalog answers. */
export const answerSessionErrors: ErrorRequestHandler = (error, _req, _res, next) => next(toHttpError(error));

/**
 * Answers that say the refresh token presented is itself dead: unusable, replayed, or not one token (two
 * different ones, or more values than a browser holds: planted, so none is trusted).
 */
const DEAD_REFRESH_TOKEN = new Set<ErrorDefinition>([
  errors.REFRESH_MISSING,
  errors.REFRESH_INVALID,
  errors.REFRESH_AMBIGUOUS,
  errors.REFRESH_REUSED,
  errors.TOO_MANY_COOKIE_VALUES,
]);

/**
 * In a route's chain after the handler (refresh, logout, account deletion): credentials found dead are of
 * no use to the browser, so their cookies go with the 401. Only dead ones: an access token that no longer
 * authenticates (expired, say) is no proof that its session has ended, so the refresh cookie goes only
 * when no refresh token it carries still proves a live session. A user whose access token expired keeps
 * the refresh token that gets them a new one.
 */
export function expireDeadCredentials(config: Pick<Config, 'cookies'>, core: Pick<SessionCore, 'authenticateRefreshToken'>): ErrorRequestHandler {
  async function carriesLiveRefreshToken(req: Request): Promise<boolean> {
    for (const token of readRefreshCookies(req, config)) {
      // A database that cannot answer now proves nothing dead: the cookie stays.
      const caller = await core.authenticateRefreshToken(token).catch(() => 'unknown' as const);
      if (caller) return true;
    }
    return false;
  }

  async function expireWhatIsDead(error: ApiError, req: Request, res: Response): Promise<void> {
    if (DEAD_REFRESH_TOKEN.has(error.definition)) {
      expireAuthCookies(res, config);
    } else if (error.definition === errors.UNAUTHORIZED) {
      expireAccessCookie(res, config);
      if (!(await carriesLiveRefreshToken(req))) expireAuthCookies(res, config);
    }
  }

  return (error, req, res, next) => {
    const answer = toHttpError(error);
    if (!(answer instanceof ApiError)) return next(answer);
    expireWhatIsDead(answer, req, res).then(
      () => next(answer),
      () => next(answer),
    );
  };
}
