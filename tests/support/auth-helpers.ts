import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import jwt from 'jsonwebtoken';
import setCookieParser, { type Cookie } from 'set-cookie-parser';
import request, { type Response } from 'supertest';
import { PLAIN_COOKIE_NAMES, type AuthCookieNames } from '../../src/auth/cookies';

export const PASSWORD = 'correct horse battery staple';

/** The auth cookies' names over plain http, as src/auth/cookies.ts defines them: tests never spell them out. */
export const { access: ACCESS_COOKIE, refresh: REFRESH_COOKIE } = PLAIN_COOKIE_NAMES;

export function uniqueEmail(): string {
  return `user-${randomBytes(6).toString('hex')}@example.com`;
}

/** The response's Set-Cookie headers, parsed, by cookie name. */
export function cookiesOf(res: Response): Record<string, Cookie> {
  const header = res.headers['set-cookie'] as string[] | string | undefined;
  return setCookieParser.parse(header ?? [], { map: true, decodeValues: false });
}

/** A cookie counts as expired when its value is emptied and its expiry is in the past (or Max-Age 0). */
export function isExpired(cookie: Cookie | undefined): boolean {
  if (!cookie) return false;
  const expiredByDate = cookie.expires !== undefined && cookie.expires.getTime() <= Date.now();
  return cookie.value === '' && (expiredByDate || cookie.maxAge === 0);
}

/** The session id (`sid` claim) an access token carries. */
export function sessionIdOf(accessToken: string): string {
  return (jwt.decode(accessToken) as { sid: string }).sid;
}

/** Both auth cookies expired, with the very name and attributes they were set with (or a browser keeps them). */
export function expectAuthCookiesExpired(
  res: Response,
  {
    secure = false,
    sameSite = 'Lax',
    domain,
    names = PLAIN_COOKIE_NAMES,
  }: { secure?: boolean; sameSite?: string; domain?: string; names?: AuthCookieNames } = {},
): void {
  const cookies = cookiesOf(res);
  const access = cookies[names.access];
  const refresh = cookies[names.refresh];
  expect(isExpired(access)).toBe(true);
  expect(isExpired(refresh)).toBe(true);
  expect(access).toMatchObject({ path: '/', httpOnly: true, sameSite });
  expect(refresh).toMatchObject({ path: '/api/v1/auth', httpOnly: true, sameSite });
  for (const cookie of [access, refresh]) {
    expect(Boolean(cookie?.secure)).toBe(secure);
    expect(cookie?.domain).toBe(domain);
  }
}

export interface SignedInUser {
  id: string;
  sessionId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** The names the app set them under: plain, or prefixed when its cookies are Secure (src/auth/cookies.ts). */
  cookieNames: AuthCookieNames;
  /** A Cookie header carrying both auth cookies, as a browser would send them to /api/v1/auth. */
  cookieHeader: string;
  /** The sign-in response itself. */
  response: Response;
}

/** The one name among the plain and the prefixed forms of `stem` that the response set. */
function setName(cookies: Record<string, Cookie>, stem: string): string {
  return [stem, `__Host-${stem}`, `__Secure-${stem}`].find((name) => cookies[name] !== undefined) ?? stem;
}

function signedInFrom(res: Response, email: string, password: string): SignedInUser {
  const cookies = cookiesOf(res);
  const cookieNames = { access: setName(cookies, PLAIN_COOKIE_NAMES.access), refresh: setName(cookies, PLAIN_COOKIE_NAMES.refresh) };
  const accessToken = cookies[cookieNames.access]?.value;
  const refreshToken = cookies[cookieNames.refresh]?.value;
  if (!accessToken || !refreshToken) throw new Error(`expected both auth cookies, got ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.user.id,
    sessionId: sessionIdOf(accessToken),
    email,
    password,
    accessToken,
    refreshToken,
    cookieNames,
    cookieHeader: `${cookieNames.access}=${accessToken}; ${cookieNames.refresh}=${refreshToken}`,
    response: res,
  };
}

export async function registerUser(app: Express, email = uniqueEmail(), password = PASSWORD): Promise<SignedInUser> {
  const res = await request(app).post('/api/v1/auth/register').send({ email, password, name: 'Test User' });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return signedInFrom(res, email, password);
}

/** Another login of the same user: a second device with a session of its own. */
export async function loginUser(app: Express, email: string, password = PASSWORD, userAgent = 'second-device'): Promise<SignedInUser> {
  const res = await request(app).post('/api/v1/auth/login').set('User-Agent', userAgent).send({ email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return signedInFrom(res, email, password);
}

export function bearer(user: Pick<SignedInUser, 'accessToken'>): [string, string] {
  return ['Authorization', `Bearer ${user.accessToken}`];
}
