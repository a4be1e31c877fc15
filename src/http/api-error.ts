/**
 * The one error type of the API. Anything thrown as an ApiError reaches the client as
 * `{ success: false, code, message, details? }` with its status; anything else becomes a 500 or 503
 * without a word of its internals.
 */
/** How long a client is told to wait after a 503; about one DB_OPERATION_TIMEOUT_MS at its default. */
const RETRY_AFTER_SECONDS = 5;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static unauthorized(message = 'Authentication required'): ApiError {
    return new ApiError(401, 'UNAUTHORIZED', message);
  }

  static validation(details: unknown, message = 'Request validation failed'): ApiError {
    return new ApiError(400, 'VALIDATION_ERROR', message, details);
  }

  static notFound(code: string, message: string): ApiError {
    return new ApiError(404, code, message);
  }

  /** The database cannot be reached: worth retrying, and clients are told when. */
  static serviceUnavailable(message = 'The service is temporarily unavailable; try again shortly'): ApiError {
    return new ApiError(503, 'SERVICE_UNAVAILABLE', message, undefined, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
  }
}
