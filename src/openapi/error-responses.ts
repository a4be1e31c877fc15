import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorBody, type ErrorDefinition } from '../http/api-error';
import { errors, RETRY_AFTER_SECONDS } from '../http/errors';

/**
 * The error responses of the document, in the one shape errorBody builds (src/http/api-error.ts). Each
 * documented error response lists exactly the codes that route can produce, and its examples are entries of
 * the catalog the server throws from (src/http/errors.ts), so the message shown is the message sent. A
 * client can switch on `code`, and the suite can tell when a route starts answering with a code the
 * document omits.
 */

type ErrorExample = ErrorDefinition & { details?: Array<{ path: string; message: string }> };

/** A VALIDATION_ERROR with the field-level details a client would see. */
export function validationFailed(details: Array<{ path: string; message: string }>): ErrorExample {
  return { ...errors.VALIDATION_ERROR, details };
}

const details = z
  .array(z.strictObject({ path: z.string(), message: z.string() }))
  .meta({ description: 'Field-level problems (VALIDATION_ERROR only); never the rejected values' });

function errorBodySchema(codes: string[]) {
  return z.strictObject({
    success: z.literal(false),
    code: z.enum(codes as [string, ...string[]]),
    message: z.string(),
    details: details.optional(),
  });
}

export const retryAfterHeader = {
  description: 'Seconds to wait before trying again',
  required: true,
  schema: { type: 'string' as const, pattern: '^[0-9]+$', example: String(RETRY_AFTER_SECONDS) },
};

type Headers = Record<string, { description: string; required: boolean; schema: { type: 'string'; pattern?: string; example?: string } }>;

function namedExamples(examples: ErrorExample[]) {
  const isShared = (code: string) => examples.filter((example) => example.code === code).length > 1;
  return Object.fromEntries(
    examples.map((example) => [
      isShared(example.code) ? `${example.code}: ${example.message}` : example.code,
      { value: errorBody(example) },
    ]),
  );
}

const codesOf = (examples: ErrorExample[]) => [...new Set(examples.map((example) => example.code))];

/** An error response whose `code` is one of the examples' codes, each example shown under its own name. */
export function errorResponse(description: string, examples: ErrorExample[], headers?: Headers): ResponseConfig {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: errorBodySchema(codesOf(examples)), examples: namedExamples(examples) } },
  };
}

/**
 * The same for components.responses, which zod-to-openapi takes only as plain OpenAPI: the schema is
 * converted by zod itself (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
 */
export function errorResponseComponent(description: string, examples: ErrorExample[], headers?: Headers) {
  const schema: Record<string, unknown> = z.toJSONSchema(errorBodySchema(codesOf(examples)), { target: 'draft-2020-12' });
  // OpenAPI 3.1's default dialect is this one; a $schema on each schema would only repeat it.
  delete schema.$schema;
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema, examples: namedExamples(examples) } },
  };
}

/** The answers every API route shares: a bug, and a database that cannot be reached. */
export const serverErrors = {
  500: errorResponse('An unexpected error; nothing of its internals is sent', [errors.INTERNAL_ERROR]),
  503: errorResponse('The database cannot be reached right now', [errors.SERVICE_UNAVAILABLE], {
    'Retry-After': retryAfterHeader,
  }),
};

/**
 * For the routes that sign in, rotate or sign out: a session they revoke (a logout, a session over the limit,
 * a reused refresh token) must be confirmed revoked on every instance before they answer
 * (src/sessions/session-memory.ts), and a 503 says when that could not be done.
 */
export const revokingServerErrors = {
  ...serverErrors,
  503: errorResponse(
    'The database cannot be reached right now, or a revocation this request made could not yet be confirmed on every instance',
    [errors.SERVICE_UNAVAILABLE, errors.REVOCATION_UNCONFIRMED],
    { 'Retry-After': retryAfterHeader },
  ),
};

export const csrfRejected = errorResponse(
  'A cookie-authenticated state-changing request that failed the cross-site request checks. Only a Bearer token this ' +
    'server signed exempts a request from them (never on refresh, which reads only its cookie); any other ' +
    'Authorization header exempts nothing',
  [errors.CSRF_REJECTED],
);

export const rateLimited = errorResponse('Too many attempts from this client', [errors.RATE_LIMITED], {
  'Retry-After': retryAfterHeader,
});

/** Routes that check a password the user types: its failures are limited per account (and address). */
export const passwordAttemptsLimited = errorResponse(
  'Too many attempts from this client, or too many wrong passwords for this account (from this address, or from all ' +
    'addresses together); the password was not checked',
  [errors.RATE_LIMITED],
  { 'Retry-After': retryAfterHeader },
);

/** For JSON bodies parsed by src/http/json-body.ts. */
export const jsonBodyErrors = {
  413: errorResponse('The body is larger than BODY_LIMIT', [errors.PAYLOAD_TOO_LARGE]),
  415: errorResponse('The body is not application/json, or not in a supported encoding', [
    errors.UNSUPPORTED_MEDIA_TYPE,
    errors.UNSUPPORTED_ENCODING,
  ]),
};

const badJsonBodyExamples = [
  validationFailed([{ path: 'email', message: 'must be a valid email address' }]),
  errors.INVALID_JSON,
  errors.BODY_UNREADABLE,
];

export const badJsonBody = errorResponse('The body is missing fields, has unknown ones, or is not JSON', badJsonBodyExamples);

/** Where a new password is chosen, a password known from breaches is refused too (src/users/breached-passwords.ts). */
export const badNewPassword = errorResponse(
  'The body is missing fields, has unknown ones or is not JSON (VALIDATION_ERROR, INVALID_JSON, BAD_REQUEST), or the ' +
    'new password is one known from data breaches (WEAK_PASSWORD): choose another',
  [...badJsonBodyExamples, errors.WEAK_PASSWORD],
);

/** Answers for requests outside the documented operations (src/http/not-found.ts, src/http/method-not-allowed.ts). */
export const unknownRoute = errorResponseComponent('No route has this path', [errors.NOT_FOUND]);
export const wrongMethod = errorResponseComponent('The path exists but not with this method', [errors.METHOD_NOT_ALLOWED('POST')], {
  Allow: { description: 'The methods this path accepts', required: true, schema: { type: 'string', example: 'POST' } },
});
