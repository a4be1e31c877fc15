import assert from 'node:assert/strict';
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
} from './devices';
import { PASSWORD, ENDED, expectHeldCookiesRefused, expectSignedOutEverywhere, type Scenario } from './scenario-kit';

export const signOutEverywhere: Scenario = {
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
      await expectHeldCookiesRefused(stack.apiUrl, laptopCookiesBefore, 'laptop');
      await expectHeldCookiesRefused(stack.apiUrl, phoneCookiesBefore, 'phone');
    });
  },
};

export const signOutOthersAndThisDevice: Scenario = {
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
      // The tablet, already signed out by the server, now signs itself out: logout answers 401, and the
      // SPA still clears its state and shows the login page.
      const tabletLogout = await networkDuring(tablet, async () => {
        await click(tablet, 'Sign out this device');
        await expectLoginPage(tablet, 'You have been signed out.');
      });
      assert.equal(countOf(tabletLogout, 'POST', '/api/v1/auth/logout', 401), 1, "the tablet's logout is answered 401");
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
