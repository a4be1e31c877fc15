import assert from 'node:assert/strict';
import {
  authCookies,
  click,
  countOf,
  expectProfile,
  expectSessionCount,
  meStatusFromBrowser,
  networkDuring,
  openTab,
  register,
  screenshot,
  withDevices,
  type Device,
} from './devices';
import { PASSWORD, untilAccessTokenExpired, type Scenario } from './scenario-kit';

/** Records whether the login form is ever rendered in this page from now on, also across reloads. */
async function watchForLoginForm(device: Device): Promise<void> {
  const watch = () => {
    const flag = window as unknown as { loginFormSeen: boolean };
    flag.loginFormSeen = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="login-form"]')) flag.loginFormSeen = true;
    }).observe(document, { childList: true, subtree: true });
  };
  await device.context.addInitScript(watch);
  await device.page.evaluate(watch);
}

function loginFormSeen(device: Device): Promise<boolean> {
  return device.page.evaluate(() => (window as unknown as { loginFormSeen: boolean }).loginFormSeen);
}

export const silentRefresh: Scenario = {
  name: 'an expired access token is refreshed silently: the next action succeeds without the login page',
  async run({ browser, shortLivedStack, screenshots }) {
    const email = 'bob@example.com';
    await withDevices(browser, shortLivedStack.appUrl, async (open) => {
      const laptop = await open('laptop');
      await register(laptop, email, PASSWORD);
      await expectSessionCount(laptop, 1);
      const before = await authCookies(laptop);
      const refreshBefore = before.find((cookie) => cookie.name === 'refreshToken')?.value;
      assert.ok(refreshBefore, 'the laptop holds a refresh cookie');

      await watchForLoginForm(laptop);

      await untilAccessTokenExpired(laptop);

      const network = await networkDuring(laptop, async () => {
        const refreshed = laptop.page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/refresh'));
        await click(laptop, 'Reload');
        assert.equal((await refreshed).status(), 200, 'the refresh request succeeds');
        await laptop.page.waitForFunction(() => document.querySelector('button:disabled') === null);
      });
      await screenshot(laptop, screenshots, 'b1-after-silent-refresh');

      assert.equal(countOf(network, 'POST', '/api/v1/auth/refresh'), 1, 'one refresh serves both parallel requests');
      assert.equal(countOf(network, 'GET', '/api/v1/users/me', 401), 1, 'the profile request first meets the expired token');
      assert.equal(countOf(network, 'GET', '/api/v1/auth/sessions', 401), 1, 'so does the sessions request');
      assert.equal(countOf(network, 'GET', '/api/v1/users/me', 200), 1, 'the profile request is replayed and succeeds');
      assert.equal(countOf(network, 'GET', '/api/v1/auth/sessions', 200), 1, 'the sessions request is replayed and succeeds');
      await expectProfile(laptop, email);
      await expectSessionCount(laptop, 1);
      assert.equal(await laptop.page.getByRole('alert').count(), 0, 'no error is shown');
      assert.equal(await loginFormSeen(laptop), false, 'the login page never appeared');

      const after = await authCookies(laptop);
      assert.ok(after.some((cookie) => cookie.name === 'accessToken'), 'a new access cookie is set');
      const refreshAfter = after.find((cookie) => cookie.name === 'refreshToken')?.value;
      assert.ok(refreshAfter && refreshAfter !== refreshBefore, 'the refresh cookie was rotated');

      // Reloading the page after expiry: the app's start-up request refreshes the same way.
      await untilAccessTokenExpired(laptop);
      await laptop.page.reload();
      await expectProfile(laptop, email);
      assert.equal(await loginFormSeen(laptop), false, 'a reload after expiry does not show the login page either');
    });
  },
};

export const twoTabs: Scenario = {
  name: 'two tabs of one browser refresh at the same moment: both stay signed in',
  async run({ browser, shortLivedStack }) {
    const email = 'erin@example.com';
    await withDevices(browser, shortLivedStack.appUrl, async (open) => {
      const laptop = await open('laptop');
      await register(laptop, email, PASSWORD);
      // A second tab shares the cookie jar but not the SPA's in-memory refresh promise.
      const tab = await openTab(laptop, 'second tab');
      await expectProfile(tab, email);
      await untilAccessTokenExpired(laptop);

      const refreshes: number[] = [];
      laptop.context.on('response', (response) => {
        if (response.url().endsWith('/api/v1/auth/refresh')) refreshes.push(response.status());
      });
      // Both tabs refresh with the same refresh cookie; whichever loses the rotation is inside the API's grace period.
      await Promise.all([click(laptop, 'Reload'), click(tab, 'Reload')]);
      for (const device of [laptop, tab]) {
        await device.page.waitForFunction(() => document.querySelector('button:disabled') === null);
        await expectProfile(device, email);
        assert.equal(await device.page.getByTestId('login-form').count(), 0, `${device.name} is not sent to the login page`);
        assert.equal(await meStatusFromBrowser(device), 200, `${device.name} is still signed in`);
      }
      assert.ok(refreshes.length >= 1 && refreshes.every((status) => status === 200), `every refresh succeeded: ${refreshes.join(', ')}`);
    });
  },
};
