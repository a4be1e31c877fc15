import type { ZodMediaTypeObject } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { ACCESS_COOKIE, REFRESH_COOKIE, REFRESH_COOKIE_PATH } from '../auth/cookies';

/** Small pieces the path files share: security requirements, cookie headers, JSON content. */

export const securitySchemes = {
  bearerAuth: {
    type: 'http' as const,
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The accessToken from the login/register/refresh body, as `Authorization: Bearer <token>`. Wins over the cookie when both are sent.',
  },
  accessCookie: {
    type: 'apiKey' as const,
    in: 'cookie' as const,
    name: ACCESS_COOKIE,
    description: 'HttpOnly cookie set on login, register and refresh (Path=/). Browsers send it by themselves.',
  },
  refreshCookie: {
    type: 'apiKey' as const,
    in: 'cookie' as const,
    name: REFRESH_COOKIE,
    description: `HttpOnly cookie holding the opaque refresh token (Path=${REFRESH_COOKIE_PATH}); only refresh and logout read it.`,
  },
};

type SecurityRequirement = Record<string, string[]>;

/** Either an access token in the Authorization header or in its cookie. */
export const accessTokenAuth: SecurityRequirement[] = [{ bearerAuth: [] }, { accessCookie: [] }];
export const refreshCookieAuth: SecurityRequirement[] = [{ refreshCookie: [] }];
export const anyAuth = [...accessTokenAuth, ...refreshCookieAuth];

const sameSite = 'SameSite=Lax (COOKIE_SAMESITE), Secure in production (COOKIE_SECURE)';

export const authCookiesSet = {
  description: `${ACCESS_COOKIE}=<jwt>; Path=/; HttpOnly and ${REFRESH_COOKIE}=<opaque>; Path=${REFRESH_COOKIE_PATH}; HttpOnly, both with Max-Age and ${sameSite}`,
  required: true,
  schema: { type: 'string' as const, example: `${ACCESS_COOKIE}=eyJhbGciOi...; Max-Age=900; Path=/; Expires=Sun, 22 Nov 2026 12:00:00 GMT; HttpOnly; SameSite=Lax` },
};

export const authCookiesExpired = {
  description: `Both auth cookies emptied with an Expires in 1970 and the very Path/Domain/SameSite/Secure they were set with`,
  required: true,
  schema: { type: 'string' as const, example: `${ACCESS_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax` },
};

export const clearSiteData = {
  description: 'The directives of CLEAR_SITE_DATA (default "cache", "storage"); absent when it is set empty',
  required: false,
  schema: { type: 'string' as const, example: '"cache", "storage"' },
};

export function json(schema: z.ZodType): Record<'application/json', ZodMediaTypeObject> {
  return { 'application/json': { schema } };
}
