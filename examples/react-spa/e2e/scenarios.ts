import { deleteAccount, deleteAccountRateLimited } from './account-scenarios';
import { clearSiteDataOnSignOut } from './clear-site-data-scenario';
import { crossOrigin } from './cross-origin-scenario';
import { silentRefresh, twoTabs } from './refresh-scenarios';
import type { Scenario } from './scenario-kit';
import { signOutEverywhere, signOutOthersAndThisDevice } from './sign-out-scenarios';

export type { Scenario, ScenarioContext } from './scenario-kit';

/** In the order they run. */
export const scenarios: Scenario[] = [
  signOutEverywhere,
  silentRefresh,
  twoTabs,
  signOutOthersAndThisDevice,
  deleteAccount,
  deleteAccountRateLimited,
  clearSiteDataOnSignOut,
  crossOrigin,
];
