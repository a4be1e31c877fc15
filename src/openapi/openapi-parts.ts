import type { ZodMediaTypeObject } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { PLAIN_COOKIE_NAMES, REFRESH_COOKIE_PATH, type AuthCookieNames } from '../auth/cookies';

/** Small pieces the path files share: security requirements, cookie headers, JSON content. */

// The prose of the document uses the plain names; its description gives the prefixed ones.
const { access: ACCESS_COOKIE, refresh: REFRESH_COOKIE } = PLAIN_COOKIE_NAMES;

/** The cookie schemes name the cookies the serving instance uses, which follow its configuration. */
export const securitySchemes = (names: AuthCookieNames = PLAIN_COOKIE_NAMES) => ({
  bearerAuth: {
    type: 'http' as const,
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The accessToken from the login/register/refresh body, as `Authorization: Bearer <token>`. When an Authorization header is sent, the cookies are not consulted.',
  },
  accessCookie: {
    type: 'apiKey' as const,
    in: 'cookie' as const,
    name: names.access,
    description: 'HttpOnly cookie set on login, register and refresh (Path=/). Browsers send it by themselves.',
  },
  relyingService: {
    type: 'http' as const,
    scheme: 'basic',
    description: 'A relying service registered in RELYING_SERVICES: `Authorization: Basic base64(name:credential)`.',
  },
  refreshCookie: {
    type: 'apiKey' as const,
    in: 'cookie' as const,
    name: names.refresh,
    description: `HttpOnly cookie holding the opaque refresh token (Path=${REFRESH_COOKIE_PATH}); only refresh and logout read it.`,
  },
});

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
