import assert from 'node:assert/strict';
import type { Response } from 'playwright-core';
import { click, expectLoginPage, register, withDevices, type Device } from './devices';
import { PASSWORD, type Scenario } from './scenario-kit';
import { MARKER, clearSiteDataOf, expectLocalStorageCleared, localStorageKeys, putMarker } from './site-storage';
import { CLEAR_SITE_DATA } from './stack';

/** Clicks a sign-out button and returns the logout response it caused. */
async function logoutAnswer(device: Device, buttonName: string): Promise<Response> {
  const answered = device.page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/auth/logout');
  await click(device, buttonName);
  return answered;
}

export const clearSiteDataOnSignOut: Scenario = {
  name: 'Clear-Site-Data: "Sign out this device" empties the SPA origin\'s localStorage; "Sign out other devices" leaves it',
  async run({ browser, stack }) {
    const email = 'grace@example.com';
    await withDevices(browser, stack.appUrl, async (open) => {
      const laptop = await open('laptop');
      await register(laptop, email, PASSWORD);
      assert.equal(await laptop.page.evaluate(() => window.isSecureContext), true, 'http://127.0.0.1 is a secure context, where Chromium honours the header');
      await putMarker(laptop.page);

      // The control: scope=others ends no session of this browser and sends no Clear-Site-Data.
      const others = await logoutAnswer(laptop, 'Sign out other devices');
      await laptop.page.getByRole('status').filter({ hasText: 'Signed out of all other devices.' }).waitFor();
      assert.equal(others.status(), 200, 'logout of the other devices is answered 200');
      assert.equal(await clearSiteDataOf(others), null, 'logout of the other devices sends no Clear-Site-Data');
      assert.deepEqual(await localStorageKeys(laptop.page), [MARKER.key], 'so the marker is still there');

      const local = await logoutAnswer(laptop, 'Sign out this device');
      assert.equal(local.status(), 200, 'logout of this device is answered 200');
      assert.equal(await clearSiteDataOf(local), CLEAR_SITE_DATA, 'the header reaches the browser through the Vite proxy');
      await expectLoginPage(laptop, 'You have been signed out.');
      await expectLocalStorageCleared(laptop.page, "the SPA origin's localStorage is empty after signing out this device");
      // Not just this page's view of it: a reload reads the origin's storage afresh.
      await laptop.page.reload();
      await expectLoginPage(laptop);
      assert.deepEqual(await localStorageKeys(laptop.page), [], 'it is still empty after a reload');
    });
  },
};
