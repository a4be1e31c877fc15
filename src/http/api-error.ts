/**
 * The one error type of the API. Anything thrown as an ApiError reaches the client as
 * `{ success: false, code, message, details? }` with its status; anything else is mapped by the error
 * handler (a 4xx for what body-parser or Express refused, otherwise a 500 or 503) without a word of its
 * internals. Its status, code and message come from one entry of the catalog in ./errors.ts, so a message
 * is written once, for the code that sends it and the document that shows it.
 */

/** One answer the API can give: its status, the `code` a client switches on, the message a person reads. */
export interface ErrorDefinition {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Headers this answer always carries (Retry-After on a 503, Allow on a 405). */
  readonly headers?: Readonly<Record<string, string>>;
}

export class ApiError extends Error {
  /** The catalog entry this answer is, for code that must tell apart entries sharing a `code`. */
  readonly definition: ErrorDefinition;
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  readonly headers: Record<string, string>;

  /** `details` are field-level problems; `headers` are added to the definition's (a rate limit's counts). */
  constructor(definition: ErrorDefinition, extra: { details?: unknown; headers?: Record<string, string> } = {}) {
    super(definition.message);
    this.name = 'ApiError';
    this.definition = definition;
    this.status = definition.status;
    this.code = definition.code;
    this.details = extra.details;
    this.headers = { ...definition.headers, ...extra.headers };
  }
}

/** The body of every error answer, in this key order; `details` only when there are some. */
export interface ErrorBody {
  success: false;
  code: string;
  message: string;
  details?: unknown;
}

/**
 * The one place the error shape is built: by the error handler, by the HTTP server's own answers and the
 * metrics listener (serialised as it is), and for the OpenAPI document's examples.
 */
export function errorBody(error: { code: string; message: string; details?: unknown }): ErrorBody {
  return {
    success: false,
    code: error.code,
    message: error.message,
    ...(error.details !== undefined ? { details: error.details } : {}),
  };
}
