import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { ApiError } from './api-error';
import { errors } from './errors';

/** Field-level problems a client can show next to its inputs; never the rejected values themselves. */
function describeIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/**
 * Refuses a body the schema rejects before anything after it runs, so input that could never be served
 * costs no database work (the controller still parses it for its typed value).
 */
export function validateBody(schema: z.ZodType): RequestHandler {
  return (req, _res, next) => {
    parseInput(schema, req.body ?? {});
    next();
  };
}

/** Parses untrusted input with a zod schema, or throws a 400 VALIDATION_ERROR that says which fields are wrong. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ApiError(errors.VALIDATION_ERROR, { details: describeIssues(result.error) });
  return result.data;
}
