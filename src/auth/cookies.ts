import type { CookieOptions, Request, Response } from 'express';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';
import type { Config } from '../config';
import { cookieValues } from '../http/cookie-header';
import { pathsSentTo, plantableDomains } from './planted-cookie-scopes';

/**
 * Cookie names and attributes are defined here once, so a cookie is always cleared with exactly the name
 * and Path/Domain/SameSite/Secure/HttpOnly it was set with (a browser keeps a cookie whose clearing
 * differs), and read under the name it was set with. The OpenAPI document and the tests read the names
 * from here too (authCookieNames, REFRESH_COOKIE_PATH); to rename the cookies, change PLAIN_COOKIE_NAMES.
 */

/** The refresh token travels only to the auth routes that consume it. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';
/** The one route that turns a refresh cookie into a signed-in browser. */
const REFRESH_ROUTE_PATH = `${REFRESH_COOKIE_PATH}/refresh`;

/**
 * Up to this many distinct values of one name are each looked at; a request carrying more is refused
 * whole (401, its cookies expired), none of them looked at. A browser holds one of each name per Path and
 * Domain it was set for (docs/SECURITY.md, "Cookies"), a few more mean planted cookies, and each value
 * looked at may cost a database read: past this, no reading of them could be trusted or afforded.
 */
export const MAX_VALUES_PER_COOKIE = 4;

type CookieSettings = Pick<Config, 'cookies'>;

export interface AuthCookieNames {
  access: string;
  refresh: string;
}

/** The names over plain http, and the stems the prefixes are put in front of. */
export const PLAIN_COOKIE_NAMES: AuthCookieNames = { access: 'accessToken', refresh: 'refreshToken' };
/** The device cookie's name over plain http (src/auth/device-cookies.ts). */
export const PLAIN_DEVICE_COOKIE_NAME = 'deviceToken';
/** A device cookie outlives sessions: it says the browser once signed in, which stays true. */
const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/**
 * Name prefixes wherever their rules can be met (RFC 6265bis §4.1.3), so that a browser refuses the
 * cookie from anyone who could not have set it with those attributes, i.e. from a sibling subdomain or
 * over plain http (cookie tossing):
 * - `__Secure-` needs Secure;
 * - `__Host-` needs Secure, Path=/ and no Domain: the access cookie, unless COOKIE_DOMAIN is set (then
 *   `__Secure-`); never the refresh cookie, whose Path is narrower.
 * Without Secure (development over plain http, or COOKIE_SECURE=false) a browser rejects prefixed
 * cookies, so the names stay plain.
 */
export function authCookieNames(cookies: Config['cookies']): AuthCookieNames {
  const { access, refresh } = PLAIN_COOKIE_NAMES;
  if (!cookies.secure) return PLAIN_COOKIE_NAMES;
  return { access: cookies.domain ? `__Secure-${access}` : `__Host-${access}`, refresh: `__Secure-${refresh}` };
}

/**
 * The device cookie is host-only with Path=/, so with Secure it can be `__Host-`, whatever COOKIE_DOMAIN
 * says: no sibling subdomain can plant one, and only this host reads it.
 */
export function deviceCookieName(cookies: Config['cookies']): string {
  return cookies.secure ? `__Host-${PLAIN_DEVICE_COOKIE_NAME}` : PLAIN_DEVICE_COOKIE_NAME;
}

function baseOptions(config: CookieSettings): CookieOptions {
  return {
    httpOnly: true,
    secure: config.cookies.secure,
    sameSite: config.cookies.sameSite,
    ...(config.cookies.domain ? { domain: config.cookies.domain } : {}),
  };
}

function accessCookieOptions(config: CookieSettings): CookieOptions {
  return { ...baseOptions(config), path: '/' };
}

function refreshCookieOptions(config: CookieSettings): CookieOptions {
  return { ...baseOptions(config), path: REFRESH_COOKIE_PATH };
}

/** `maxAgeSeconds`: the token's own lifetime, so the cookie never outlives what it carries. */
export function setAccessCookie(res: Response, config: CookieSettings, accessToken: string, maxAgeSeconds: number): void {
  res.cookie(authCookieNames(config.cookies).access, accessToken, { ...accessCookieOptions(config), maxAge: maxAgeSeconds * 1000 });
}

/** `maxAgeSeconds`: the idle timeout, or less when the session's absolute lifetime ends sooner. */
export function setRefreshCookie(res: Response, config: CookieSettings, refreshToken: string, maxAgeSeconds: number): void {
  res.cookie(authCookieNames(config.cookies).refresh, refreshToken, { ...refreshCookieOptions(config), maxAge: maxAgeSeconds * 1000 });
}

/** Not expired at logout: the device stays one that has signed in (docs/SECURITY.md, "Failed password checks"). */
export function setDeviceCookie(res: Response, config: CookieSettings, value: string): void {
  res.cookie(deviceCookieName(config.cookies), value, {
    ...baseOptions(config),
    domain: undefined,
    path: '/',
    maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS * 1000,
  });
}

/** Every distinct device-cookie value the request carries (at most MAX_VALUES_PER_COOKIE, the rest unread). */
export function readDeviceCookies(req: Request, config: CookieSettings): string[] {
  return cookieValues(req, deviceCookieName(config.cookies), MAX_VALUES_PER_COOKIE);
}

/** Which auth cookies each response has expired already: a second expiry would only repeat the header. */
const expiredAlready = new WeakMap<Response, Set<keyof AuthCookieNames>>();

/** Express 5's clearCookie sends an empty value with an Expires in 1970, which every browser honours. */
function expireOnce(res: Response, config: CookieSettings, cookie: keyof AuthCookieNames): void {
  const done = expiredAlready.get(res) ?? new Set();
  if (done.has(cookie)) return;
  done.add(cookie);
  expiredAlready.set(res, done);
  const name = authCookieNames(config.cookies)[cookie];
  if (cookie === 'access') {
    res.clearCookie(name, accessCookieOptions(config));
    return;
  }
  expirePlantedRefreshCookies(res, config, name);
  // Ours last: whoever reads one Set-Cookie per name reads this one.
  res.clearCookie(name, refreshCookieOptions(config));
}

/** The access cookie only: its token no longer authenticates, but the session may live on (refresh it). */
export function expireAccessCookie(res: Response, config: CookieSettings): void {
  expireOnce(res, config, 'access');
}

/** Both auth cookies, once per response however many steps of its route decide the credentials are over. */
export function expireAuthCookies(res: Response, config: CookieSettings): void {
  expireOnce(res, config, 'access');
  expireOnce(res, config, 'refresh');
}

/**
 * A refresh cookie a sibling subdomain planted for a parent domain, at any Path that sends it to the
 * refresh route: a Set-Cookie without its Domain and Path leaves it in the browser, where it signs the
 * browser into the planter's session once ours is gone (issue 21). Our own cookie is host-only (or lives
 * at COOKIE_DOMAIN), which the planter cannot write, so the host's other Paths need no expiring.
 */
function expirePlantedRefreshCookies(res: Response, config: CookieSettings, name: string): void {
  for (const domain of plantableDomains(res.req.hostname, config.cookies.domain)) {
    for (const path of pathsSentTo(REFRESH_ROUTE_PATH)) {
      if (domain === config.cookies.domain && path === REFRESH_COOKIE_PATH) continue;
      res.clearCookie(name, { ...refreshCookieOptions(config), domain, path });
    }
  }
}

/** Every distinct value of `name`; a 401 for more than MAX_VALUES_PER_COOKIE, rather than reading some of them. */
function readAuthCookie(req: Request, name: string): string[] {
  const values = cookieValues(req, name, MAX_VALUES_PER_COOKIE + 1);
  if (values.length > MAX_VALUES_PER_COOKIE) throw new ApiError(errors.TOO_MANY_COOKIE_VALUES);
  return values;
}

/** Every distinct access-cookie value the request carries (401 for more than MAX_VALUES_PER_COOKIE). */
export function readAccessCookies(req: Request, config: Pick<Config, 'cookies'>): string[] {
  return readAuthCookie(req, authCookieNames(config.cookies).access);
}

/** Every distinct refresh-cookie value the request carries (401 for more than MAX_VALUES_PER_COOKIE). */
export function readRefreshCookies(req: Request, config: Pick<Config, 'cookies'>): string[] {
  return readAuthCookie(req, authCookieNames(config.cookies).refresh);
}

/**
 * This browser's session is over (logout of it, its session deleted, the account deleted): the cookies
 * go, and with Clear-Site-Data (CLEAR_SITE_DATA) whatever the site cached or stored in the browser.
 */
export function endBrowserSession(res: Response, config: CookieSettings & Pick<Config, 'clearSiteData'>): void {
  expireAuthCookies(res, config);
  if (config.clearSiteData.length > 0) res.set('Clear-Site-Data', config.clearSiteData.map((directive) => `"${directive}"`).join(', '));
}
