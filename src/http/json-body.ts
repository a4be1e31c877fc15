import express, { type RequestHandler } from 'express';
import { ApiError } from './api-error';
import { errors } from './errors';

/**
 * For routes that take a JSON body: a body of another media type is refused with 415 rather than silently
 * read as empty, and the size is capped. Routes without a body (logout, refresh) do not use this, so
 * whatever a client sends them is ignored.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (req.is('application/json') === false) {
      throw new ApiError(errors.UNSUPPORTED_MEDIA_TYPE);
    }
    next();
  };
  return [requireJson, express.json({ limit, strict: true, type: 'application/json' })];
}
