import assert from 'node:assert/strict';
import type { Locator, Response } from 'playwright-core';
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
import { ENDED, PASSWORD, expectHeldCookiesRefused, expectSignedOutEverywhere, type Scenario } from './scenario-kit';
import { clearSiteDataOf, expectLocalStorageCleared, putMarker } from './site-storage';
import { CLEAR_SITE_DATA, FAILED_PASSWORDS_PER_ACCOUNT_AND_IP } from './stack';

const DELETED = 'Your account has been deleted.';

function deleteDialog(device: Device): Locator {
  return device.page.getByRole('dialog', { name: 'Delete account' });
}

/** Opens "Delete account" (unless its dialog is open already), confirms with `password`, and returns the API's answer. */
async function submitAccountDeletion(device: Device, password: string): Promise<Response> {
  if (!(await deleteDialog(device).isVisible())) await click(device, 'Delete account');
  await deleteDialog(device).getByLabel('Your password').fill(password);
  const answered = device.page.waitForResponse(
    (response) => response.request().method() === 'DELETE' && new URL(response.url()).pathname === '/api/v1/users/me',
  );
  await deleteDialog(device).getByRole('button', { name: 'Delete my account' }).click();
  return answered;
}

/** Waits for the dialog's alert to say `text` (a string or pattern), and returns what it says. */
async function dialogAlert(device: Device, text: string | RegExp): Promise<string> {
  const alert = deleteDialog(device).getByRole('alert').filter({ hasText: text });
  await alert.waitFor();
  return (await alert.textContent()) ?? '';
}

export const deleteAccount: Scenario = {
  name: 'delete account: a wrong password keeps the session; the right one ends every session, the credentials die, the email is free again',
  async run({ browser, stack, screenshots }) {
    const email = 'frank@example.com';
    await withDevices(browser, stack.appUrl, async (open) => {
      const laptop = await open('laptop');
      await register(laptop, email, PASSWORD);
      const phone = await open('phone');
      await signIn(phone, email, PASSWORD);

      const refused = await networkDuring(laptop, async () => {
        assert.equal((await submitAccountDeletion(laptop, 'not my password')).status(), 401, 'a wrong password is answered 401');
        await dialogAlert(laptop, 'Password is incorrect');
      });
      assert.equal(countOf(refused, 'POST', '/api/v1/auth/refresh'), 0, 'a wrong password is not taken for an expired token');
      await screenshot(laptop, screenshots, 'f1-laptop-delete-wrong-password');
      await deleteDialog(laptop).getByRole('button', { name: 'Cancel' }).click();
      await deleteDialog(laptop).waitFor({ state: 'hidden' });
      await expectProfile(laptop, email);
      assert.equal((await authCookies(laptop)).length, 2, 'the laptop keeps both auth cookies after a wrong password');
      assert.equal(await meStatusFromBrowser(laptop), 200, 'and is still signed in');

      const cookiesBefore = await authCookies(laptop);
      await putMarker(laptop.page);
      const deleted = await submitAccountDeletion(laptop, PASSWORD);
      assert.equal(deleted.status(), 200, 'the right password deletes the account');
      assert.equal(await clearSiteDataOf(deleted), CLEAR_SITE_DATA, 'the deletion sends Clear-Site-Data, and the proxy passes it on');
      await expectLoginPage(laptop, DELETED);
      await screenshot(laptop, screenshots, 'f2-laptop-account-deleted');
      await expectSignedOutEverywhere(laptop);
      await expectLocalStorageCleared(laptop.page, "the SPA origin's localStorage is emptied by the deletion's Clear-Site-Data");

      await expectHeldCookiesRefused(stack.apiUrl, cookiesBefore, 'laptop');

      // The phone's session ended with the account: its next action lands on the login page.
      await click(phone, 'Reload');
      await expectLoginPage(phone, ENDED);
      assert.deepEqual(await authCookies(phone), [], 'the phone holds no auth cookie');

      const signInAnswers = await networkDuring(laptop, async () => {
        assert.match(await signInRefused(laptop, email, PASSWORD), /incorrect/i, 'the old credentials are refused on the form');
      });
      assert.equal(countOf(signInAnswers, 'POST', '/api/v1/auth/login', 401), 1, 'login with the old credentials is answered 401');

      await register(laptop, email, PASSWORD);
      await expectSessionCount(laptop, 1);
      await screenshot(laptop, screenshots, 'f3-laptop-registered-again');
    });
  },
};

export const deleteAccountRateLimited: Scenario = {
  name: 'delete account: after too many wrong passwords the dialog says when to try again, and the session stays',
  async run({ browser, stack, screenshots }) {
    const email = 'heidi@example.com';
    await withDevices(browser, stack.appUrl, async (open) => {
      const laptop = await open('laptop');
      await register(laptop, email, PASSWORD);
      for (let attempt = 1; attempt <= FAILED_PASSWORDS_PER_ACCOUNT_AND_IP; attempt += 1) {
        assert.equal((await submitAccountDeletion(laptop, `wrong password ${attempt}`)).status(), 401, `wrong password ${attempt} is answered 401`);
        await dialogAlert(laptop, 'Password is incorrect');
      }
      const limited = await submitAccountDeletion(laptop, PASSWORD);
      assert.equal(limited.status(), 429, 'past the budget even the right password is not checked');
      assert.match(await limited.headerValue('retry-after') ?? '', /^\d+$/, 'the 429 says when, in seconds');
      const said = await dialogAlert(laptop, /Try again/);
      assert.match(said, /^Too many wrong passwords for this account\. Try again in \d+ minutes?\.$/, `the dialog says when to try again: "${said}"`);
      await screenshot(laptop, screenshots, 'f4-laptop-delete-rate-limited');

      await deleteDialog(laptop).getByRole('button', { name: 'Cancel' }).click();
      await expectProfile(laptop, email);
      assert.equal(await meStatusFromBrowser(laptop), 200, 'the laptop is still signed in');
    });
  },
};
