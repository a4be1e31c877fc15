import { z } from 'zod';
import { OBJECT_ID_PATTERN } from '../db/object-id';

/**
 * Request schemas. Objects are strict: an unknown field is a 400, which also rules out operator
 * injection such as {"email": {"$gt": ""}} before anything reaches a query.
 */

/**
 * The address rule: zod's own email pattern (ASCII dot-atoms, a top-level domain of letters; no quoted
 * local parts, no IP literals), applied to the field as sent, where spaces, tabs and line breaks around the
 * address are allowed and trimmed away. This one regex is both what validation checks and the `pattern`
 * the OpenAPI document states, so what the document promises cannot drift from what the API accepts (an
 * outside fuzzer found `1/0@b.dev` valid by `format: email` and refused here). The whitespace is spelled
 * out rather than `\s`, which means other characters in other regex dialects (Python's, a fuzzer's).
 */
export const EMAIL_ADDRESS_PATTERN = z.regexes.email;
export const EMAIL_FIELD_PATTERN = new RegExp(`^[ \\t\\r\\n]*(?:${withoutAnchors(EMAIL_ADDRESS_PATTERN)})[ \\t\\r\\n]*$`);

function withoutAnchors(pattern: RegExp): string {
  const { source, flags } = pattern;
  // Wrapped as is into another pattern, it must be anchored at both ends and need no flags.
  if (!source.startsWith('^') || !source.endsWith('$') || flags !== '') throw new Error(`unexpected email pattern /${source}/${flags}`);
  return source.slice(1, -1);
}

export const emailSchema = z
  .string()
  .max(254)
  .regex(EMAIL_FIELD_PATTERN, 'must be a valid email address')
  .trim()
  .toLowerCase()
  .meta({ description: 'An email address; surrounding whitespace is trimmed and the address lower-cased', example: 'ada@example.com' });

/** argon2 accepts any length, but an upper bound keeps one request from buying seconds of hashing. */
export const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters');

export const registerSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: z.string().trim().min(1).max(100).optional(),
});

export const loginSchema = z.strictObject({
  email: emailSchema,
  // No length rule at login: a short guess is just a wrong password, not a validation error.
  password: z.string().min(1).max(256),
});

export const logoutQuerySchema = z.strictObject({
  scope: z.enum(['local', 'others', 'global']).default('local'),
});

export const sessionIdParamsSchema = z.object({
  // In either case, as MongoDB reads it.
  id: z.string().regex(OBJECT_ID_PATTERN, 'must be a session id'),
});

export type RegisterInput = z.infer<typeof registerSchema>;
export type LoginInput = z.infer<typeof loginSchema>;
export type LogoutScope = z.infer<typeof logoutQuerySchema>['scope'];
