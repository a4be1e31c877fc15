/**
 * The one error type of the API. Anything thrown as an ApiError reaches the client as
 * `{ success: false, code, message, details? }` with its status; anything else becomes a 500 or 503
 * without a word of its internals.
 */
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
}
