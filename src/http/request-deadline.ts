import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import { ApiError } from './api-error';
import { errors } from './errors';

/**
 * One deadline per request, DB_OPERATION_TIMEOUT_MS from its arrival, shared by everything it waits on in
 * the database: the driver bounds each operation, but a request that first waits on work someone else
 * started (the session memory's feed poll in flight) and then starts its own could take twice the bound
 * with the database hung (issue 21: 7.0 s against a documented 5 s). Waits made through
 * `beforeRequestDeadline` give up at the deadline with a 503; the work itself goes on and ends within its
 * own driver bound.
 *
 * The deadline travels with the request's async context (AsyncLocalStorage), so code below the HTTP
 * layer needs no request object. Outside a request (the poller, the operator command) there is none,
 * and a wait is as long as the work.
 */

const deadlines = new AsyncLocalStorage<number>();

/** Early in the app's chain: the deadline counts from the request's arrival. */
export function startRequestDeadline(budgetMs: number): RequestHandler {
  return (_req, _res, next) => deadlines.run(performance.now() + budgetMs, next);
}

/** `work`, or a 503 DATABASE_UNREACHABLE when the request's deadline comes first. */
export function beforeRequestDeadline<T>(work: Promise<T>): Promise<T> {
  const deadline = deadlines.getStore();
  if (deadline === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ApiError(errors.DATABASE_UNREACHABLE)), Math.max(0, deadline - performance.now()));
    void work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
