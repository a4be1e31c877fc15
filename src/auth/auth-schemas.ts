import { z } from 'zod';

/**
 * Request schemas. Objects are strict: an unknown field is a 400, which also rules out operator
 * injection such as {"email": {"$gt": ""}} before anything reaches a query.
 */

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'must be a valid email address' }))
  // The OpenAPI document shows a pipe's input side (a string); this keeps the format visible there.
  .meta({ format: 'email', example: 'ada@example.com' });

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

export const logoutQuerySchema = z.object({
  scope: z.enum(['local', 'others', 'global']).default('local'),
});

export const sessionIdParamsSchema = z.object({
  // No regex flags: the pattern is copied verbatim into the OpenAPI document, where flags do not exist.
  id: z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be a session id'),
});

export type RegisterInput = z.infer<typeof registerSchema>;
export type LoginInput = z.infer<typeof loginSchema>;
export type LogoutScope = z.infer<typeof logoutQuerySchema>['scope'];
