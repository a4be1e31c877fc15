import type { CookieOptions, ErrorRequestHandler, Response } from 'express';
import { ApiError } from '../http/api-error';
import type { Config } from '../config';

/**
 * Cookie names and attributes live here and nowhere else, so a cookie is always cleared with exactly the
 * Path/Domain/SameSite/Secure/HttpOnly it was set with (a browser keeps a cookie whose clearing differs).
 */

export const ACCESS_COOKIE = 'accessToken';
export const REFRESH_COOKIE = 'refreshToken';
/** The refresh token travels only to the auth routes that consume it. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

type CookieSettings = Pick<Config, 'cookies'>;

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
  res.cookie(ACCESS_COOKIE, accessToken, { ...accessCookieOptions(config), maxAge: maxAgeSeconds * 1000 });
}

/** `maxAgeSeconds`: the idle timeout, or less when the session's absolute lifetime ends sooner. */
export function setRefreshCookie(res: Response, config: CookieSettings, refreshToken: string, maxAgeSeconds: number): void {
  res.cookie(REFRESH_COOKIE, refreshToken, { ...refreshCookieOptions(config), maxAge: maxAgeSeconds * 1000 });
}

/** Express 5's clearCookie sends an empty value with an Expires in 1970, which every browser honours. */
export function expireAuthCookies(res: Response, config: CookieSettings): void {
  res.clearCookie(ACCESS_COOKIE, accessCookieOptions(config));
  res.clearCookie(REFRESH_COOKIE, refreshCookieOptions(config));
}

/**
 * This browser's session is over (logout of it, its session deleted, the account deleted): the cookies
 * go, and with Clear-Site-Data (CLEAR_SITE_DATA) whatever the site cached or stored in the browser.
 */
export function endBrowserSession(res: Response, config: CookieSettings & Pick<Config, 'clearSiteData'>): void {
  expireAuthCookies(res, config);
  if (config.clearSiteData.length > 0) res.set('Clear-Site-Data', config.clearSiteData.map((directive) => `"${directive}"`).join(', '));
}

/** In a route's chain after the handler: credentials that no longer authenticate are of no use to the browser. */
export function expireCookiesOnUnauthenticated(config: CookieSettings): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (error instanceof ApiError && error.code === 'UNAUTHORIZED') expireAuthCookies(res, config);
    next(error);
  };
}
