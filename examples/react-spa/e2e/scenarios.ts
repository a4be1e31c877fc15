import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import {
  authCookies,
  click,
  countOf,
  expectLoginPage,
  expectProfile,
  expectSessionCount,
  meStatusFromBrowser,
  networkDuring,
  register,
  screenshot,
  signIn,
  signInRefused,
  withDevices,
  type Device,
} from './devices';
import type { Stack } from './stack';

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

const PASSWORD = 'correct horse battery staple';
const ENDED = 'Your session has ended. Please sign in again.';

/** Calls the API directly (no browser) with a cookie or a header the browser held before logging out. */
async function statusWith(apiUrl: string, method: string, apiPath: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${apiUrl}${apiPath}`, { method, headers });
  return response.status;
}

async function expectSignedOutEverywhere(device: Device, apiBase?: string): Promise<void> {
  assert.deepEqual(await authCookies(device), [], `${device.name} holds no auth cookie`);
  assert.equal(await meStatusFromBrowser(device, apiBase), 401, `GET /users/me from ${device.name} is 401`);
}

/** The access cookie lives as long as the token (3 s): once the browser drops it, the token is expired too. */
async function untilAccessTokenExpired(device: Device): Promise<void> {
  for (let polls = 0; (await authCookies(device)).some((cookie) => cookie.name === 'accessToken'); polls += 1) {
    assert.ok(polls < 80, 'the browser drops the 3-second access cookie');
    await device.page.waitForTimeout(250);
  }
}

const signOutEverywhere: Scenario = {
  name: 'sign out everywhere: a second device is sent to the login page, no cookie survives, old tokens are dead',
  async run({ browser, stack, screenshots }) {
    const email = 'alice@example.com';
    await withDevices(browser, stack.appUrl, async (open) => {
      const laptop = await open('laptop');
      await register(laptop, email, PASSWORD);
      await expectSessionCount(laptop, 1);
      await screenshot(laptop, screenshots, 'a1-laptop-profile');

      const phone = await open('phone');
      const refused = await networkDuring(phone, async () => {
        assert.match(await signInRefused(phone, email, 'not the password'), /incorrect/i, 'a wrong password is reported on the form');
      });
      assert.equal(countOf(refused, 'POST', '/api/v1/auth/login', 401), 1, 'the wrong password is answered 401');
      assert.equal(countOf(refused, 'POST', '/api/v1/auth/refresh'), 0, 'a 401 from login does not trigger a refresh');
      await signIn(phone, email, PASSWORD);
      await expectSessionCount(phone, 2);
      await screenshot(phone, screenshots, 'a2-phone-profile');

      await click(laptop, 'Reload');
      await expectSessionCount(laptop, 2);
      await screenshot(laptop, screenshots, 'a3-laptop-two-sessions');

      const phoneCookiesBefore = await authCookies(phone);
      const laptopCookiesBefore = await authCookies(laptop);
      assert.equal(phoneCookiesBefore.length, 2, 'the phone holds both auth cookies while signed in');
      assert.ok(phoneCookiesBefore.every((cookie) => cookie.httpOnly), 'the auth cookies are HttpOnly');

      await click(laptop, 'Sign out everywhere');
      await expectLoginPage(laptop, 'You have been signed out everywhere.');
      await screenshot(laptop, screenshots, 'a4-laptop-signed-out-everywhere');

      // The phone's access token has 15 minutes left: only the server-side revocation can refuse it.
      const phoneNetwork = await networkDuring(phone, async () => {
        await click(phone, 'Reload');
        await expectLoginPage(phone, ENDED);
      });
      await screenshot(phone, screenshots, 'a5-phone-sent-to-login');
      assert.ok(countOf(phoneNetwork, 'GET', '/api/v1/users/me', 401) >= 1, "the phone's still-unexpired access token is refused");
      assert.equal(countOf(phoneNetwork, 'POST', '/api/v1/auth/refresh', 401), 1, "the phone's one refresh attempt is refused");
      assert.equal(countOf(phoneNetwork, 'POST', '/api/v1/auth/refresh'), 1, 'the phone tries to refresh exactly once');

      await expectSignedOutEverywhere(laptop);
      await expectSignedOutEverywhere(phone);

      // The values the browsers held before the logout no longer work anywhere, not even outside a browser.
      for (const [device, cookies] of [
        ['laptop', laptopCookiesBefore],
        ['phone', phoneCookiesBefore],
      ] as const) {
        const access = cookies.find((cookie) => cookie.name === 'accessToken')!.value;
        const refresh = cookies.find((cookie) => cookie.name === 'refreshToken')!.value;
        assert.equal(await statusWith(stack.apiUrl, 'GET', '/api/v1/users/me', { Cookie: `accessToken=${access}` }), 401, `${device}'s old access cookie is refused`);
        assert.equal(await statusWith(stack.apiUrl, 'GET', '/api/v1/users/me', { Authorization: `Bearer ${access}` }), 401, `${device}'s old access token is refused as a Bearer token`);
        assert.equal(await statusWith(stack.apiUrl, 'POST', '/api/v1/auth/refresh', { Cookie: `refreshToken=${refresh}` }), 401, `${device}'s old refresh token is refused`);
      }
    });
  },
};

const signOutOthersAndThisDevice: Scenario = {
  name: 'revoke one session, sign out other devices, then sign out this device',
  async run({ browser, stack, screenshots }) {
    const email = 'carol@example.com';
    await withDevices(browser, stack.appUrl, async (open) => {
      const laptop = await open('laptop');
      const tablet = await open('tablet');
      await register(laptop, email, PASSWORD);
      await signIn(tablet, email, PASSWORD);
      await click(laptop, 'Reload');
      await expectSessionCount(laptop, 2);

      // Per-session revoke: the only row that is not "this device" is the tablet's.
      await laptop.page.getByTestId('session-row').filter({ hasNotText: 'this device' }).getByRole('button', { name: 'Revoke' }).click();
      await laptop.page.getByRole('status').filter({ hasText: 'Session revoked.' }).waitFor();
      await expectSessionCount(laptop, 1);
      await click(tablet, 'Reload');
      await expectLoginPage(tablet, ENDED);
      assert.deepEqual(await authCookies(tablet), [], 'the revoked tablet holds no auth cookie');

      // The tablet signs in again; then the laptop signs every other device out.
      await signIn(tablet, email, PASSWORD);
      await click(laptop, 'Reload');
      await expectSessionCount(laptop, 2);
      await click(laptop, 'Sign out other devices');
      await laptop.page.getByRole('status').filter({ hasText: 'Signed out of all other devices.' }).waitFor();
      await expectSessionCount(laptop, 1);
      await screenshot(laptop, screenshots, 'c1-laptop-signed-out-others');
      await click(tablet, 'Reload');
      await expectLoginPage(tablet, ENDED);
      await expectSignedOutEverywhere(tablet);

      // The laptop itself is still signed in, and stays so after a reload of the whole page.
      await laptop.page.reload();
      await expectProfile(laptop, email);
      assert.equal(await meStatusFromBrowser(laptop), 200, 'the laptop is still signed in');

      await click(laptop, 'Sign out this device');
      await expectLoginPage(laptop, 'You have been signed out.');
      await screenshot(laptop, screenshots, 'c2-laptop-signed-out');
      await expectSignedOutEverywhere(laptop);
      await laptop.page.reload();
      await expectLoginPage(laptop);
    });
  },
};

const silentRefresh: Scenario = {
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

      // Record whether the login form is ever rendered from here on, even for a moment.
      await laptop.page.evaluate(() => {
        const seen = window as unknown as { loginFormSeen: boolean };
        seen.loginFormSeen = false;
        new MutationObserver(() => {
          if (document.querySelector('[data-testid="login-form"]')) seen.loginFormSeen = true;
        }).observe(document.body, { childList: true, subtree: true });
      });

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
      assert.equal(
        await laptop.page.evaluate(() => (window as unknown as { loginFormSeen: boolean }).loginFormSeen),
        false,
        'the login page never appeared',
      );

      const after = await authCookies(laptop);
      assert.ok(after.some((cookie) => cookie.name === 'accessToken'), 'a new access cookie is set');
      const refreshAfter = after.find((cookie) => cookie.name === 'refreshToken')?.value;
      assert.ok(refreshAfter && refreshAfter !== refreshBefore, 'the refresh cookie was rotated');
    });
  },
};

const twoTabs: Scenario = {
  name: 'two tabs of one browser refresh at the same moment: both stay signed in',
  async run({ browser, shortLivedStack }) {
    const email = 'erin@example.com';
    await withDevices(browser, shortLivedStack.appUrl, async (open) => {
      const laptop = await open('laptop');
      await register(laptop, email, PASSWORD);
      // A second tab shares the cookie jar but not the SPA's in-memory refresh promise.
      const tab = { ...laptop, name: 'second tab', page: await laptop.context.newPage(), network: [] };
      await tab.page.goto('/');
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

const crossOrigin: Scenario = {
  name: 'cross-origin SPA (CORS with credentials): signs in, reads its sessions and signs out; unlisted origins cannot read',
  async run({ browser, crossOriginStack, stack }) {
    const email = 'dave@example.com';
    const { apiUrl, appUrl } = crossOriginStack;
    await withDevices(browser, appUrl, async (open) => {
      const laptop = await open('laptop');
      const network = await networkDuring(laptop, async () => {
        await register(laptop, email, PASSWORD);
        await expectSessionCount(laptop, 1);
      });
      assert.ok(countOf(network, 'POST', '/api/v1/auth/register', 201) === 1, 'the SPA registered');
      assert.deepEqual([...new Set(network.map((entry) => entry.origin))], [apiUrl], 'every API call went to the API origin, not the SPA origin');

      const sessionsResponse = laptop.page.waitForResponse((response) => response.url() === `${apiUrl}/api/v1/auth/sessions`);
      await click(laptop, 'Reload');
      const headers = (await sessionsResponse).headers();
      assert.equal(headers['access-control-allow-origin'], appUrl, 'CORS names the SPA origin exactly, never *');
      assert.equal(headers['access-control-allow-credentials'], 'true', 'CORS allows credentials');
      await expectSessionCount(laptop, 1);

      // A page on an origin that is not listed holds the same cookies (same site) but cannot read the answer.
      const foreign = await laptop.context.newPage();
      await foreign.goto(stack.appUrl);
      const foreignRead = await foreign.evaluate(async (url) => {
        try {
          return `read ${(await fetch(url, { credentials: 'include' })).status}`;
        } catch {
          return 'blocked';
        }
      }, `${apiUrl}/api/v1/users/me`);
      assert.equal(foreignRead, 'blocked', 'an unlisted origin cannot read /users/me with the cookies');
      await foreign.close();

      await click(laptop, 'Sign out everywhere');
      await expectLoginPage(laptop, 'You have been signed out everywhere.');
      await expectSignedOutEverywhere(laptop, `${apiUrl}/api/v1`);
    });
  },
};

export const scenarios: Scenario[] = [signOutEverywhere, silentRefresh, twoTabs, signOutOthersAndThisDevice, crossOrigin];
