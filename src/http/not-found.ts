import type { RequestHandler } from 'express';
import { ApiError } from './api-error';

export const notFound: RequestHandler = () => {
  throw ApiError.notFound('NOT_FOUND', 'No such route');
};

/** Mounted with `.all()` after a path's real methods: a known path asked with another method. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (_req, res) => {
    res.set('Allow', allow);
    throw new ApiError(405, 'METHOD_NOT_ALLOWED', `This path accepts only ${allow}`);
  };
}
