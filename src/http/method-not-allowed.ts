import type { RequestHandler } from 'express';
import { ApiError } from './api-error';
import { errors } from './errors';

/** Mounted with `.all()` after a path's real methods: a known path asked with another method. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  return () => {
    throw new ApiError(errors.METHOD_NOT_ALLOWED(allow));
  };
}
