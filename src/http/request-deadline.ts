import { performance } from 'node:perf_hooks';
import type { Request, RequestHandler } from 'express';
import { ApiError } from './api-error';
import { errors } from './errors';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** When this request gives up waiting on the database, on the `performance.now()` clock. */
      deadlineAt?: number;
    }
  }
}

/**
 * One deadline per request, DB_OPERATION_TIMEOUT_MS from its arrival, shared by everything it waits on in
 * the database: the driver bounds each operation, but a request that first waits on work someone else
 * started (the session memory's feed poll in flight) and then starts its own could take twice the bound
 * with the database hung (issue 21: 7.0 s against a documented 5 s). Waits made through
 * `withinRequestDeadline(req)` give up at the deadline with a 503; the work itself goes on and ends within
 * its own driver bound.
 *
 * The deadline is a number on the request, handed to the session core with the wait it bounds. (It once
 * travelled in an AsyncLocalStorage; on Node 20 that turns on async hooks for every promise the process
 * makes, which cost a known session's request 5 to 8 µs of about 160.) Outside a request (the poller,
 * the operator command) there is none, and a wait is as long as the work.
 */

/** Early in the app's chain: the deadline counts from the request's arrival. */
export function startRequestDeadline(budgetMs: number): RequestHandler {
  return (req, _res, next) => {
    req.deadlineAt = performance.now() + budgetMs;
    next();
  };
}

/** Bounds a wait by the request's deadline: `work`, or a 503 DATABASE_UNREACHABLE when the deadline comes first. */
export function withinRequestDeadline(req: Request): <T>(work: Promise<T>) => Promise<T> {
  const deadline = req.deadlineAt;
  if (deadline === undefined) return (work) => work;
  return (work) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ApiError(errors.DATABASE_UNREACHABLE)), Math.max(0, deadline - performance.now()));
      void work.then(resolve, reject).finally(() => clearTimeout(timer));
    });
}
