import assert from 'node:assert/strict';
import type { Page, Response } from 'playwright-core';

/**
 * What an origin keeps in the browser, to watch Clear-Site-Data act on it. The SPA itself stores nothing
 * (the HttpOnly cookies carry the session), so the test writes a marker through the page first and shows
 * it is there: an empty localStorage afterwards then means something was cleared.
 */

export const MARKER = { key: 'e2e-marker', value: 'written before the session ended' };
const CLEARED_WITHIN_MS = 5_000;

export function localStorageKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(localStorage));
}

export async function putMarker(page: Page): Promise<void> {
  await page.evaluate(({ key, value }) => localStorage.setItem(key, value), MARKER);
  assert.deepEqual(await localStorageKeys(page), [MARKER.key], `the marker is in ${new URL(page.url()).origin}'s localStorage`);
}

/** Chromium clears before it hands the response on; polled briefly all the same, rather than assumed. */
export async function expectLocalStorageCleared(page: Page, what: string): Promise<void> {
  await page.waitForFunction(() => localStorage.length === 0, undefined, { timeout: CLEARED_WITHIN_MS }).catch(() => undefined);
  assert.deepEqual(await localStorageKeys(page), [], what);
}

/**
 * The Clear-Site-Data header as the browser received it. Chromium hides it from the page (fetch's
 * headers.get() and playwright's headers() say nothing), so this reads the raw headers.
 */
export function clearSiteDataOf(response: Response): Promise<string | null> {
  return response.headerValue('clear-site-data');
}
