import { performance } from 'node:perf_hooks';
import type { Express, Request } from 'express';
import type { Histogram } from 'prom-client';

/** The route label of requests no route matched (unknown paths): one series, whatever was asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

/** What this file reads of Express 5's router (the `router` package): its stack, mount paths and routes. */
interface RouterLayer {
  route?: { path?: unknown };
  rawPath?: unknown;
  handle?: unknown;
}
interface RouterLike {
  stack: RouterLayer[];
}

const isRouter = (handle: unknown): handle is RouterLike => typeof handle === 'function' && Array.isArray((handle as Partial<RouterLike>).stack);

/**
 * The full pattern of every route in the app, by its route object: the mount paths of the routers it is in,
 * then its own path (`/api/v1/auth/sessions/:id`), written as the code wrote them, so `/API/V1/...` (Express
 * matches mount paths case-insensitively) does not open a new series.
 */
function routePatterns(router: RouterLike, prefix = '', patterns = new WeakMap<object, string>()): WeakMap<object, string> {
  for (const layer of router.stack) {
    if (layer.route && typeof layer.route.path === 'string') patterns.set(layer.route, `${prefix}${layer.route.path}`.toLowerCase());
    else if (isRouter(layer.handle) && typeof layer.rawPath === 'string') routePatterns(layer.handle, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`, patterns);
  }
  return patterns;
}

/**
 * Times every request `app` handles into the histogram, labelled by method, route pattern and 2xx..5xx:
 * first in the app's chain, so that the time covers everything after it.
 *
 * The route is the one Express left in `req.route` (it stays there when an error thrown by the route
 * unwinds the routers, while `req.baseUrl` does not), and its pattern is looked up in a table made from the
 * app's routers the first time a response finishes, when every route is in place. Nothing is defined on the
 * request, and no string is built per request.
 */
export function measureRequests(app: Express, histogram: Histogram<'method' | 'route' | 'status_class'>): void {
  let patterns: WeakMap<object, string> | undefined;
  const patternOf = (req: Request): string => {
    patterns ??= routePatterns(app.router as unknown as RouterLike);
    const route: unknown = req.route;
    return (typeof route === 'object' && route !== null && patterns.get(route)) || UNMATCHED_ROUTE;
  };
  app.use((req, res, next) => {
    const started = performance.now();
    // 'finish' comes once per response, so `on` does what `once` would, without its wrapper.
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      histogram.observe({ method: req.method, route: patternOf(req), status_class: `${Math.floor(res.statusCode / 100)}xx` }, seconds);
    });
    next();
  });
}
