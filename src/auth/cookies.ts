import type { CookieOptions, Response } from 'express';
import type { Config } from '../config';

/**
 * Cookie names and attributes live here and nowhere else, so a cookie is always cleared with exactly the
 * Path/Domain/SameSite/Secure/HttpOnly it was set with (a browser keeps a cookie whose clearing differs).
 */

export const ACCESS_COOKIE = 'accessToken';
export const REFRESH_COOKIE = 'refreshToken';
/** The refresh token travels only to the auth routes that consume it. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

type CookieSettings = Pick<Config, 'cookies' | 'accessTokenTtlSeconds' | 'refreshTokenTtlSeconds'>;

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

export function setAccessCookie(res: Response, config: CookieSettings, accessToken: string): void {
  res.cookie(ACCESS_COOKIE, accessToken, { ...accessCookieOptions(config), maxAge: config.accessTokenTtlSeconds * 1000 });
}

export function setRefreshCookie(res: Response, config: CookieSettings, refreshToken: string): void {
  res.cookie(REFRESH_COOKIE, refreshToken, { ...refreshCookieOptions(config), maxAge: config.refreshTokenTtlSeconds * 1000 });
}

/** Express 5's clearCookie sends an empty value with an Expires in 1970, which every browser honours. */
export function expireAuthCookies(res: Response, config: CookieSettings): void {
  res.clearCookie(ACCESS_COOKIE, accessCookieOptions(config));
  res.clearCookie(REFRESH_COOKIE, refreshCookieOptions(config));
}
