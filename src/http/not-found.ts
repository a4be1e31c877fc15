import type { RequestHandler } from 'express';
import { ApiError } from './api-error';
import { errors } from './errors';

/** Mounted after every route: a path no route has. */
export const notFound: RequestHandler = () => {
  throw new ApiError(errors.NOT_FOUND);
};
