import assert from 'node:assert/strict';
import type { Browser, Cookie } from 'playwright-core';
import { authCookies, meStatusFromBrowser, type Device } from './devices';
import type { Stack } from './stack';

/** What every scenario gets, and the helpers more than one of them uses. */

export interface ScenarioContext {
  browser: Browser;
  /** The API with its usual access-token lifetime. */
  stack: Stack;
  /** The API with a 3-second access-token lifetime. */
  shortLivedStack: Stack;
  /** The SPA built to call the API on the API's own origin, listed in CORS_ORIGINS. */
  crossOriginStack: Stack;
  /** A git-ignored folder; docs/images/react-spa-sessions.png is a copy of a3-laptop-two-sessions.png. */
  screenshots: string;
}

export interface Scenario {
  name: string;
  run(context: ScenarioContext): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';
export const ENDED = 'Your session has ended. Please sign in again.';

/** Calls the API directly (no browser) with a cookie or a header the browser held before. */
async function statusWith(apiUrl: string, method: string, apiPath: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${apiUrl}${apiPath}`, { method, headers });
  return response.status;
}

/** The auth cookie values a browser held are refused by the API, even sent from outside a browser. */
export async function expectHeldCookiesRefused(apiUrl: string, cookies: Cookie[], holder: string): Promise<void> {
  const access = cookies.find((cookie) => cookie.name === 'accessToken')!.value;
  const refresh = cookies.find((cookie) => cookie.name === 'refreshToken')!.value;
  assert.equal(await statusWith(apiUrl, 'GET', '/api/v1/users/me', { Cookie: `accessToken=${access}` }), 401, `${holder}'s old access cookie is refused`);
  assert.equal(await statusWith(apiUrl, 'GET', '/api/v1/users/me', { Authorization: `Bearer ${access}` }), 401, `${holder}'s old access token is refused as a Bearer token`);
  assert.equal(await statusWith(apiUrl, 'POST', '/api/v1/auth/refresh', { Cookie: `refreshToken=${refresh}` }), 401, `${holder}'s old refresh token is refused`);
}

export async function expectSignedOutEverywhere(device: Device, apiBase?: string): Promise<void> {
  assert.deepEqual(await authCookies(device), [], `${device.name} holds no auth cookie`);
  assert.equal(await meStatusFromBrowser(device, apiBase), 401, `GET /users/me from ${device.name} is 401`);
}

/** The access cookie lives as long as the token (3 s): once the browser drops it, the token is expired too. */
export async function untilAccessTokenExpired(device: Device): Promise<void> {
  for (let polls = 0; (await authCookies(device)).some((cookie) => cookie.name === 'accessToken'); polls += 1) {
    assert.ok(polls < 80, 'the browser drops the 3-second access cookie');
    await device.page.waitForTimeout(250);
  }
}
