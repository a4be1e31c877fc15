import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/unavailable';
import { ApiError, errorBody } from './api-error';
import { errors } from './errors';

/** body-parser reports its failures as http-errors with a `type`; map them to the API's codes. */
function fromBodyParser(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  switch ((error as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new ApiError(errors.INVALID_JSON);
    case 'entity.too.large':
      return new ApiError(errors.PAYLOAD_TOO_LARGE);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(errors.UNSUPPORTED_ENCODING);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new ApiError(errors.BODY_UNREADABLE);
    default:
      return undefined;
  }
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const bodyError = fromBodyParser(error);
  if (bodyError) return bodyError;
  if (isDatabaseUnavailable(error)) {
    return new ApiError(errors.SERVICE_UNAVAILABLE);
  }
  // Anything else from Express itself that carries a 4xx status (a malformed URL, say) stays a 4xx.
  const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 500;
  if (status >= 400 && status < 500) return new ApiError({ ...errors.MALFORMED_URL, status });
  return new ApiError(errors.INTERNAL_ERROR);
}

/**
 * The one place an error becomes a response: JSON, the API's shape, and nothing of the internals. A 5xx's
 * cause goes to the log, under the request's id.
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) logger.error({ err: error, reqId: req.id }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(apiError.status).set(apiError.headers);
    res.json(errorBody(apiError));
  };
}
