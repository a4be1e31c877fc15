import { performance } from 'node:perf_hooks';
import type { Express, Request } from 'express';
import type { Histogram } from 'prom-client';

/** The route label of requests no route matched (unknown paths): one series, whatever was asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

const route = Symbol('route');
const matchedBase = Symbol('matchedBase');

interface RouteCapture {
  [route]?: unknown;
  /** `req.baseUrl` when `req.route` was set; the pattern is put together only once the response is done. */
  [matchedBase]?: string;
}

function matchedPattern(req: RouteCapture): string {
  const path = (req[route] as { path?: unknown } | undefined)?.path;
  return req[matchedBase] !== undefined && typeof path === 'string' ? `${req[matchedBase]}${path}`.toLowerCase() : UNMATCHED_ROUTE;
}

/**
 * Remembers the pattern of the route a request matches, as the router matches it. Express sets
 * `req.route` at that moment, while `req.baseUrl` still holds the routers' mount paths; by the time the
 * response finishes, an error thrown by the route has unwound the routers and `req.baseUrl` is empty
 * again. So the pattern is taken when `req.route` is assigned: by an accessor on the app's request
 * prototype, defined once, rather than on each request (a property defined on an object per request
 * costs every later property access on it). Lower-cased because Express matches mount paths
 * case-insensitively: `/API/V1/...` must not open a new series.
 */
function rememberMatchedRoutes(requestPrototype: object): void {
  Object.defineProperty(requestPrototype, 'route', {
    configurable: true,
    enumerable: true,
    get(this: RouteCapture) {
      return this[route];
    },
    set(this: Request & RouteCapture, value: unknown) {
      this[route] = value;
      this[matchedBase] = this.baseUrl;
    },
  });
}

/**
 * Times every request `app` handles into the histogram, labelled by method, route pattern and 2xx..5xx:
 * first in the app's chain, so that the time covers everything after it.
 */
export function measureRequests(app: Express, histogram: Histogram<'method' | 'route' | 'status_class'>): void {
  rememberMatchedRoutes(app.request);
  app.use((req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      histogram.observe({ method: req.method, route: matchedPattern(req as RouteCapture), status_class: `${Math.floor(res.statusCode / 100)}xx` }, seconds);
    });
    next();
  });
}
