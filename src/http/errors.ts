import type { ErrorDefinition } from './api-error';

/** How long a client is told to wait after a 503; about one DB_OPERATION_TIMEOUT_MS at its default. */
export const RETRY_AFTER_SECONDS = 5;
const retryAfter = { 'Retry-After': String(RETRY_AFTER_SECONDS) };

/**
 * Every error answer this process sends, each written once. Code throws `new ApiError(errors.NAME)`; the
 * HTTP server's own answers and the metrics listener write the same definitions; the OpenAPI document
 * (src/openapi/error-responses.ts) shows them as its examples, so it cannot show a message the server
 * does not send. Several entries share a code, which is what a client switches on; the name here says
 * which answer it is, and the message is for people.
 */
export const errors = {
  // Answered by the routes; each is shown in the OpenAPI document (tests/error-catalog.test.ts checks it).
  VALIDATION_ERROR: { status: 400, code: 'VALIDATION_ERROR', message: 'Request validation failed' },
  INVALID_JSON: { status: 400, code: 'INVALID_JSON', message: 'Request body is not valid JSON' },
  BODY_UNREADABLE: { status: 400, code: 'BAD_REQUEST', message: 'Request body could not be read' },
  /** Also any other 4xx Express raises itself, sent with that status. */
  MALFORMED_URL: { status: 400, code: 'BAD_REQUEST', message: 'The request could not be processed' },
  WEAK_PASSWORD: {
    status: 400,
    code: 'WEAK_PASSWORD',
    message: 'This password appears in lists of passwords leaked in data breaches, so attackers try it first; choose another one',
  },
  UNAUTHORIZED: { status: 401, code: 'UNAUTHORIZED', message: 'Authentication required' },
  REFRESH_MISSING: { status: 401, code: 'UNAUTHORIZED', message: 'Refresh token is missing or malformed' },
  REFRESH_INVALID: { status: 401, code: 'UNAUTHORIZED', message: 'Refresh token is invalid, expired or revoked' },
  REFRESH_AMBIGUOUS: { status: 401, code: 'UNAUTHORIZED', message: 'Several different refresh tokens were sent; sign in again' },
  TOO_MANY_COOKIE_VALUES: { status: 401, code: 'UNAUTHORIZED', message: 'Too many values of one auth cookie were sent; sign in again' },
  REFRESH_REUSED: {
    status: 401,
    code: 'REFRESH_TOKEN_REUSED',
    message: 'This refresh token was already used; the session has been revoked',
  },
  INVALID_CREDENTIALS: { status: 401, code: 'INVALID_CREDENTIALS', message: 'Email or password is incorrect' },
  WRONG_CURRENT_PASSWORD: { status: 401, code: 'INVALID_CREDENTIALS', message: 'Current password is incorrect' },
  WRONG_PASSWORD: { status: 401, code: 'INVALID_CREDENTIALS', message: 'Password is incorrect' },
  SERVICE_CREDENTIALS_INVALID: {
    status: 401,
    code: 'UNAUTHORIZED',
    message: 'Relying-service credentials are missing or wrong',
    headers: { 'WWW-Authenticate': 'Basic realm="relying-services", charset="UTF-8"' },
  },
  CSRF_REJECTED: {
    status: 403,
    code: 'CSRF_REJECTED',
    message: 'Cross-site request refused: the Origin is not allowed for cookie-authenticated requests',
  },
  NOT_FOUND: { status: 404, code: 'NOT_FOUND', message: 'No such route' },
  SESSION_NOT_FOUND: { status: 404, code: 'SESSION_NOT_FOUND', message: 'No such active session' },
  /** A known path asked with another method; `allow` lists the methods it has, as the Allow header does. */
  METHOD_NOT_ALLOWED: (allow: string) => ({
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    message: `This path accepts only ${allow}`,
    headers: { Allow: allow },
  }),
  EMAIL_TAKEN: { status: 409, code: 'EMAIL_TAKEN', message: 'An account with this email already exists' },
  PAYLOAD_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the request body as application/json' },
  UNSUPPORTED_ENCODING: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Request body encoding is not supported' },
  RATE_LIMITED: { status: 429, code: 'RATE_LIMITED', message: 'Too many requests; try again later' },
  INTERNAL_ERROR: { status: 500, code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    code: 'SERVICE_UNAVAILABLE',
    message: 'The service is temporarily unavailable; try again shortly',
    headers: retryAfter,
  },
  DATABASE_UNREACHABLE: { status: 503, code: 'SERVICE_UNAVAILABLE', message: 'Database is not reachable', headers: retryAfter },
  REVOCATION_UNCONFIRMED: {
    status: 503,
    code: 'SERVICE_UNAVAILABLE',
    message: 'The revocation could not be confirmed on every instance; try again shortly',
    headers: retryAfter,
  },

  // Answered by the HTTP server before any route runs (src/http/http-server.ts; docs/API.md lists them).
  MALFORMED_REQUEST: { status: 400, code: 'BAD_REQUEST', message: 'Malformed HTTP request' },
  HOST_MISSING: { status: 400, code: 'BAD_REQUEST', message: 'HTTP/1.1 requests must carry a Host header' },
  HOST_REPEATED: { status: 400, code: 'BAD_REQUEST', message: 'A request must carry exactly one Host header' },
  CONNECT_REFUSED: {
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    message: 'CONNECT is not supported',
    headers: { Allow: 'GET, POST, DELETE' },
  },
  REQUEST_TIMEOUT: { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' },
  EXPECTATION_FAILED: { status: 417, code: 'EXPECTATION_FAILED', message: 'Only "Expect: 100-continue" is supported' },
  HEADERS_TOO_LARGE: { status: 431, code: 'HEADERS_TOO_LARGE', message: 'Request headers are too large' },

  // Answered by the metrics listener (src/metrics/metrics-server.ts), never on the API's port.
  METRICS_ONLY: { status: 404, code: 'NOT_FOUND', message: 'Only /metrics is served here' },
  METRICS_FAILED: { status: 500, code: 'INTERNAL_ERROR', message: 'Metrics could not be collected' },
} satisfies Record<string, ErrorDefinition | ((allow: string) => ErrorDefinition)>;
