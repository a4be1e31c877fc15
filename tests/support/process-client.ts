import setCookieParser from 'set-cookie-parser';
import type { ApiProcess } from './api-process';
import { PASSWORD, uniqueEmail, REFRESH_COOKIE } from './auth-helpers';

/** Signing in to API processes over real HTTP (fetch), for the tests that run several instances. */

export interface ProcessSession {
  email: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

function sessionOf(email: string, res: Response, body: { accessToken: string }): ProcessSession {
  const cookies = setCookieParser.parse(res.headers.getSetCookie(), { map: true, decodeValues: false });
  const { sid } = JSON.parse(Buffer.from(body.accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string };
  return { email, accessToken: body.accessToken, refreshToken: cookies[REFRESH_COOKIE]!.value, sessionId: sid };
}

async function signIn(instance: ApiProcess, path: string, email: string, expected: number): Promise<ProcessSession> {
  const res = await fetch(`${instance.url}/api/v1/auth/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const body = (await res.json()) as { accessToken: string };
  if (res.status !== expected) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
  return sessionOf(email, res, body);
}

export function registerOn(instance: ApiProcess, email = uniqueEmail()): Promise<ProcessSession> {
  return signIn(instance, 'register', email, 201);
}

export function loginOn(instance: ApiProcess, email: string): Promise<ProcessSession> {
  return signIn(instance, 'login', email, 200);
}

/**
 * Any request to a process (an API instance, a relying service) with the access token as Bearer and a JSON
 * body; the status (the body is read and dropped).
 */
export async function sendOn(instance: Pick<ApiProcess, 'url'>, method: string, route: string, accessToken?: string, body?: unknown): Promise<number> {
  const headers: Record<string, string> = accessToken ? { Authorization: `Bearer ${accessToken}` } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${instance.url}${route}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  await res.arrayBuffer();
  return res.status;
}

/** GET /users/me with the access token as Bearer; the status. */
export function meStatus(instance: ApiProcess, accessToken: string): Promise<number> {
  return sendOn(instance, 'GET', '/api/v1/users/me', accessToken);
}

/** POST /auth/refresh with the refresh cookie; the status and the successor refresh token, if any. */
export async function refreshOn(instance: ApiProcess, refreshToken: string): Promise<{ status: number; code?: string; refreshToken?: string }> {
  const res = await fetch(`${instance.url}/api/v1/auth/refresh`, { method: 'POST', headers: { Cookie: `${REFRESH_COOKIE}=${refreshToken}` } });
  const body = (await res.json()) as { code?: string };
  const cookies = setCookieParser.parse(res.headers.getSetCookie(), { map: true, decodeValues: false });
  const successor = cookies[REFRESH_COOKIE]?.value;
  return { status: res.status, code: body.code, ...(successor ? { refreshToken: successor } : {}) };
}
