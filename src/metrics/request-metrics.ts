import type { Request, RequestHandler } from 'express';
import type { Histogram } from 'prom-client';

/** The route label of requests no route matched (unknown paths): one series, whatever was asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Remembers the pattern of the route a request matches, as the router matches it. Express sets
 * `req.route` at that moment, while `req.baseUrl` still holds the routers' mount paths; by the time the
 * response finishes, an error thrown by the route has unwound the routers and `req.baseUrl` is empty
 * again. So the pattern is taken when `req.route` is assigned. Lower-cased because Express matches mount
 * paths case-insensitively: `/API/V1/...` must not open a new series.
 */
function rememberMatchedRoute(req: Request): () => string {
  let route: unknown;
  let pattern: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: unknown) {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (typeof path === 'string') pattern = `${req.baseUrl}${path}`.toLowerCase();
    },
  });
  return () => pattern ?? UNMATCHED_ROUTE;
}

/** Times every request Express handles into the histogram, labelled by method, route pattern and 2xx..5xx. */
export function measureRequests(histogram: Histogram<'method' | 'route' | 'status_class'>): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const matchedRoute = rememberMatchedRoute(req);
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: matchedRoute(), status_class: `${Math.floor(res.statusCode / 100)}xx` };
      histogram.observe(labels, seconds);
    });
    next();
  };
}
