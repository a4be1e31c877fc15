import type { ErrorRequestHandler } from 'express';
import { ApiError, errorBody } from './api-error';
import { errors } from './errors';

/**
 * Errors of the MongoDB driver that mean "the database cannot be reached right now", not "a bug". By
 * name, since the pool's errors are not exported by the driver; the timeouts are the ones
 * src/db/connection.ts sets, so a server that hangs ends here as surely as one that refuses.
 */
const UNAVAILABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoClientClosedError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
]);

/**
 * Socket errors the driver sometimes lets through unwrapped: writing a command to a pooled connection
 * whose server has just gone away throws Node's own EPIPE ("This socket has been ended by the other
 * party"), not a MongoNetworkError (seen with driver 7.8 when FerretDB is killed under load). Nothing
 * else in a request handler opens a socket, so such an error is the database's.
 */
const SOCKET_ERROR_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED']);

/**
 * A bulk write (the rate-limit counters' insertMany) that failed as a whole, with no document refused:
 * the driver wraps whatever stopped it (a refused connection, a socket or pool-checkout timeout) in a
 * MongoBulkWriteError without write errors. A document the server refused would be among writeErrors.
 */
function isFailedBulkConnection(error: Error): boolean {
  if (error.name !== 'MongoBulkWriteError') return false;
  const { writeErrors } = error as { writeErrors?: unknown[] };
  return (writeErrors ?? []).length === 0;
}

function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_ERRORS.has(error.name) || isFailedBulkConnection(error)) return true;
  if ('code' in error && typeof error.code === 'string' && SOCKET_ERROR_CODES.has(error.code)) return true;
  // mongoose refuses to queue operations while disconnected (bufferCommands: false)
  return error.name === 'MongooseError' && /before initial connection|not connected|connection .* closed/i.test(error.message);
}

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

/** The one place an error becomes a response: JSON, the API's shape, and nothing of the internals. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const apiError = toApiError(error);
  if (apiError.status >= 500) req.log?.error({ err: error }, 'request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(apiError.status).set(apiError.headers);
  res.json(errorBody(apiError));
};
