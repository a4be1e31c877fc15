import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's security headers, on every response. helmet decides them, once, at start-up: its middleware
 * is run against a recorder, and what it set (and removed) is then applied to each response in one step.
 * The same headers helmet itself would set, for a fraction of the cost per request: helmet chains a
 * dozen middleware functions, one per header, which on a request answered from memory (a known session's
 * GET /users/me) cost more than the session check.
 *
 * This holds because every header helmet sets from the options given here is the same for every request.
 * A Content-Security-Policy directive given as a function (a nonce per request) would be frozen at its
 * first value, so options with one are refused. tests/browser-headers.test.ts compares the headers of
 * real responses with those of helmet's own middleware.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): RequestHandler {
  if (hasPerRequestDirective(options)) throw new Error('securityHeaders: a CSP directive computed per request needs helmet itself');
  const set = new Map<string, string>();
  const removed = new Set<string>();
  const recorder = {
    setHeader(name: string, value: string) {
      set.set(name, value);
      removed.delete(name.toLowerCase());
    },
    removeHeader(name: string) {
      set.delete(name);
      removed.add(name.toLowerCase());
    },
  };
  let finished = false;
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('securityHeaders: helmet did not finish at once');
  const headers = [...set];
  const removals = [...removed];
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    for (const name of removals) res.removeHeader(name);
    next();
  };
}

function hasPerRequestDirective(options: Readonly<HelmetOptions>): boolean {
  const csp = options.contentSecurityPolicy;
  if (typeof csp !== 'object' || csp === null || !csp.directives) return false;
  return Object.values(csp.directives).some((value) => typeof value === 'function' || (Array.isArray(value) && value.some((part) => typeof part === 'function')));
}
