/**
 * What of a request may be written to a log (issue 21): a URL may carry a token or a password in its
 * query (`?access_token=…`), and headers carry credentials under many names (Authorization, Cookie,
 * Proxy-Authorization, X-Api-Key, X-Auth-Token…), and Referer carries another page's URL with whatever
 * its query held. So:
 * - the URL is logged without its query string, and no parsed query at all;
 * - Referer, Proxy-Authorization and every header whose name contains one of SECRET_NAME_PARTS are
 *   replaced by "[redacted]". A header a proxy adds under a new name is then redacted by default if it
 *   sounds like a credential; the rest (user agent, accept, forwarded-for) stays readable.
 */

export const REDACTED = '[redacted]';
const SECRET_NAME_PARTS = ['auth', 'token', 'key', 'secret', 'session', 'cookie'];
const ALWAYS_REDACTED = new Set(['referer', 'proxy-authorization']);

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return ALWAYS_REDACTED.has(lower) || SECRET_NAME_PARTS.some((part) => lower.includes(part));
}

export function withoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end < 0 ? url : url.slice(0, end);
}

/** A request as pino's standard serializer writes it, made safe to log; the raw request stays out of the line. */
export function loggableRequest<R extends { url?: string; query?: unknown; headers?: Record<string, unknown> }>(req: R): Omit<R, 'query'> {
  const safe: Omit<R, 'query'> & { query?: unknown } = { ...req };
  delete safe.query;
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([name, value]) => [name, isSecretHeader(name) ? REDACTED : value]));
  return { ...safe, ...(req.url === undefined ? {} : { url: withoutQuery(req.url) }), headers };
}
