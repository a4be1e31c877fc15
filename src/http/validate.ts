import type { z } from 'zod';
import { ApiError } from './api-error';

/** Field-level problems a client can show next to its inputs; never the rejected values themselves. */
function describeIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** Parses untrusted input with a zod schema, or throws a 400 VALIDATION_ERROR that says which fields are wrong. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw ApiError.validation(describeIssues(result.error));
  return result.data;
}
