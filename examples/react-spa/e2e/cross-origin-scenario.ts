import assert from 'node:assert/strict';
import {
  click,
  countOf,
  expectLoginPage,
  expectSessionCount,
  networkDuring,
  register,
  withDevices,
} from './devices';
import { PASSWORD, expectSignedOutEverywhere, type Scenario } from './scenario-kit';
import { MARKER, expectLocalStorageCleared, localStorageKeys, putMarker } from './site-storage';

export const crossOrigin: Scenario = {
  name: 'cross-origin SPA (CORS with credentials): signs in, reads its sessions and signs out; unlisted origins cannot read; Clear-Site-Data clears only the API origin',
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

      // Clear-Site-Data clears the origin of the response that carries it: here the API's, not the SPA's.
      // A page on the API's origin shows the header did arrive and was honoured there.
      const apiOriginPage = await laptop.context.newPage();
      await apiOriginPage.goto(`${apiUrl}/healthz`);
      await putMarker(apiOriginPage);
      await putMarker(laptop.page);

      await click(laptop, 'Sign out everywhere');
      await expectLoginPage(laptop, 'You have been signed out everywhere.');
      await expectSignedOutEverywhere(laptop, `${apiUrl}/api/v1`);
      await expectLocalStorageCleared(apiOriginPage, "the API origin's localStorage is emptied: the logout's Clear-Site-Data was honoured");
      assert.deepEqual(
        await localStorageKeys(laptop.page),
        [MARKER.key],
        "the SPA origin's localStorage is not: cross-origin, a SPA that stores anything must clear it itself (docs/CLIENTS.md)",
      );
    });
  },
};
