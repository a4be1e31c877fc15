import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';

/**
 * A "device" is one browser context: its own cookie jar, as a second laptop or phone would have.
 * The helpers drive the SPA the way a user does (labels and button names), never its internals.
 */

export interface NetworkEntry {
  /** The origin the request went to: the SPA's own (proxied) or the API's (cross-origin). */
  origin: string;
  method: string;
  path: string;
  status: number;
}

export interface Device {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Every API response this device's page received, in order. */
  network: NetworkEntry[];
}

export const AUTH_COOKIES = ['accessToken', 'refreshToken'];
const UI_TIMEOUT_MS = 15_000;

/** Opens the SPA in a new page of `context`, recording its API responses, once its first screen has settled. */
async function openPage(context: BrowserContext, name: string): Promise<Device> {
  const page = await context.newPage();
  const network: NetworkEntry[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/api/')) {
      network.push({ origin: url.origin, method: response.request().method(), path: url.pathname, status: response.status() });
    }
  });
  await page.goto('/');
  // The app first asks who is signed in (and tries a refresh): let that finish before the test acts.
  await page.locator('[data-testid="login-form"], [data-testid="profile-email"]').first().waitFor();
  await page.waitForLoadState('networkidle');
  return { name, context, page, network };
}

export async function openDevice(browser: Browser, appUrl: string, name: string): Promise<Device> {
  const context = await browser.newContext({ baseURL: appUrl, viewport: { width: 900, height: 560 } });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  return openPage(context, name);
}

/** A second tab of the same browser: the same cookie jar, another instance of the SPA. */
export function openTab(device: Device, name: string): Promise<Device> {
  return openPage(device.context, name);
}

/** Runs `body` with a device opener; every device it opened is closed afterwards, pass or fail. */
export async function withDevices(
  browser: Browser,
  appUrl: string,
  body: (open: (name: string) => Promise<Device>) => Promise<void>,
): Promise<void> {
  const devices: Device[] = [];
  try {
    await body(async (name) => {
      const device = await openDevice(browser, appUrl, name);
      devices.push(device);
      return device;
    });
  } finally {
    await Promise.all(devices.map((device) => device.context.close().catch(() => undefined)));
  }
}

export async function expectLoginPage(device: Device, notice?: string | RegExp): Promise<void> {
  await device.page.getByTestId('login-form').waitFor();
  if (notice) await device.page.getByRole('status').filter({ hasText: notice }).waitFor();
}

export async function expectProfile(device: Device, email: string): Promise<void> {
  const shown = device.page.getByTestId('profile-email');
  await shown.waitFor();
  assert.equal(await shown.textContent(), email, `${device.name} shows the profile of ${email}`);
}

export async function register(device: Device, email: string, password: string): Promise<void> {
  await expectLoginPage(device);
  await device.page.getByRole('button', { name: 'No account yet? Create one' }).click();
  await device.page.getByLabel('Email').fill(email);
  await device.page.getByLabel('Password').fill(password);
  await device.page.getByRole('button', { name: 'Create an account' }).click();
  await expectProfile(device, email);
}

async function submitSignIn(device: Device, email: string, password: string): Promise<void> {
  await expectLoginPage(device);
  await device.page.getByLabel('Email').fill(email);
  await device.page.getByLabel('Password').fill(password);
  await device.page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export async function signIn(device: Device, email: string, password: string): Promise<void> {
  await submitSignIn(device, email, password);
  await expectProfile(device, email);
}

/** Signs in with a wrong password and returns the error the form shows. */
export async function signInRefused(device: Device, email: string, password: string): Promise<string> {
  await submitSignIn(device, email, password);
  const alert = device.page.getByRole('alert');
  await alert.waitFor();
  await expectLoginPage(device);
  return (await alert.textContent()) ?? '';
}

export async function click(device: Device, buttonName: string): Promise<void> {
  await device.page.getByRole('button', { name: buttonName, exact: true }).click();
}

/** Waits until the sessions table lists `count` sessions. */
export async function expectSessionCount(device: Device, count: number): Promise<void> {
  await device.page.waitForFunction((n) => document.querySelectorAll('[data-testid="session-row"]').length === n, count);
}

export async function authCookies(device: Device): Promise<Cookie[]> {
  return (await device.context.cookies()).filter((cookie) => AUTH_COOKIES.includes(cookie.name));
}

/** GET /users/me from inside the page, with whatever credentials the browser still holds. */
export async function meStatusFromBrowser(device: Device, apiBase = '/api/v1'): Promise<number> {
  return device.page.evaluate(async (base) => (await fetch(`${base}/users/me`, { credentials: 'include' })).status, apiBase);
}

/** Clicks, then returns the API responses that the click caused (once the UI has settled on `settled`). */
export async function networkDuring(device: Device, action: () => Promise<void>): Promise<NetworkEntry[]> {
  const before = device.network.length;
  await action();
  return device.network.slice(before);
}

export function countOf(entries: NetworkEntry[], method: string, apiPath: string, status?: number): number {
  return entries.filter((e) => e.method === method && e.path === apiPath && (status === undefined || e.status === status)).length;
}

export async function screenshot(device: Device, folder: string, name: string): Promise<void> {
  await device.page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: true });
}
