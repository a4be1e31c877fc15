import { isIP } from 'node:net';

/**
 * Where else a cookie of one of our names may live in a browser, put there by someone else (cookie
 * tossing), so that expiring our cookies can expire those too. A browser stores a cookie under (name,
 * Domain, Path) and replaces or expires it only with a Set-Cookie of that very Domain and Path (RFC 6265
 * §5.3 step 11). docs/SECURITY.md ("Cookies") has the argument for which variants these are.
 */

/**
 * The domains a sibling subdomain can plant a cookie for that the browser then sends to `hostname`: every
 * ancestor of it with two labels or more (a browser refuses public suffixes itself, so a Set-Cookie for
 * one is ignored, never harmful), and COOKIE_DOMAIN with its ancestors. None for an IP address or a single
 * label such as localhost: nothing can be set for a parent there.
 */
export function plantableDomains(hostname: string | undefined, cookieDomain: string | undefined): string[] {
  const domains = new Set<string>();
  for (const name of [hostname, cookieDomain]) {
    if (!name || isIP(name) !== 0) continue;
    const labels = name.toLowerCase().replace(/^\./, '').split('.');
    // The host itself is not a sibling's to set for; COOKIE_DOMAIN is where ours live, and another Path there is someone else's.
    for (let i = name === cookieDomain ? 0 : 1; i <= labels.length - 2; i += 1) domains.add(labels.slice(i).join('.'));
  }
  return [...domains];
}

/**
 * Every cookie Path a cookie can be set with and still be sent to `routePath` (RFC 6265 §5.1.4): each
 * ancestor path, with and without its trailing slash, and the route's own path.
 */
export function pathsSentTo(routePath: string): string[] {
  const segments = routePath.split('/').filter((segment) => segment.length > 0);
  const paths = ['/'];
  for (let i = 1; i <= segments.length; i += 1) {
    const path = `/${segments.slice(0, i).join('/')}`;
    paths.push(path);
    if (i < segments.length) paths.push(`${path}/`);
  }
  return paths;
}
