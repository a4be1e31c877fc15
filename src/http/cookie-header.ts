import type { Request } from 'express';

/**
 * Every non-empty value a name has in the request's Cookie header, in the order sent, without repeats, at most
 * `limit` of them. A browser sends one name several times when cookies of that name exist for several
 * paths or domains, some of them planted by a sibling subdomain (cookie tossing); cookie-parser and the
 * `cookie` package keep only the first, which is how a planted cookie can hide the real one. Node joins
 * repeated Cookie headers into one with "; ".
 *
 * Parsed as RFC 6265 §5.2 and cookie-parser do: pairs split on ";", name and value at the first "=",
 * surrounding whitespace and one pair of double quotes removed, percent-escapes decoded where valid.
 */
export function cookieValues(req: Request, name: string, limit: number): string[] {
  const header = req.headers.cookie;
  if (header === undefined) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0 || pair.slice(0, separator).trim() !== name) continue;
    const value = decode(unquote(pair.slice(separator + 1).trim()));
    // An empty value carries no credential (it is what a cleared cookie holds), so it counts as none.
    if (value === '' || values.includes(value)) continue;
    values.push(value);
    if (values.length === limit) break;
  }
  return values;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function decode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
