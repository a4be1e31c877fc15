import { isAxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';

/**
 * Silent refresh: when a request is answered 401 because the access token expired, get a new one with
 * the refresh cookie and replay the request, so the user never notices.
 *
 * - Requests to the auth routes themselves (login, register, refresh, logout) are never refreshed: a 401
 *   there is the answer, and refreshing on a refresh 401 would loop.
 * - A 401 `INVALID_CREDENTIALS` (a wrong password, as when deleting the account) is about the password, not
 *   the token: it is never refreshed, because replaying it would make the API count the same wrong password
 *   twice against the account's failed-password budget.
 * - A request is retried at most once; a second 401 is final.
 * - Concurrent 401s share one refresh. The API rotates the refresh token on every use, so N parallel
 *   refreshes would spend the token N times; one shared promise spends it once.
 * - A request that was sent before the last refresh finished carried the old token: it is replayed
 *   with the new one instead of starting another refresh.
 * - When the refresh fails the session is over: `onSessionEnded` runs once, and every request that was
 *   waiting for it or was already under way rejects with its original 401 without refreshing again.
 */

export interface SilentRefreshOptions {
  /** Calls the refresh endpoint; resolves when new cookies are set, rejects when the session is over. */
  refresh: () => Promise<unknown>;
  /** Clears client state and shows the login page. Called once per failed refresh. */
  onSessionEnded: () => void;
}

const NO_REFRESH_ROUTES = /\/auth\/(login|register|refresh|logout)(\?|$)/;

/** A 401 that judges the password the request carried, while its token was fine. */
function isWrongPassword(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { code?: unknown }).code === 'INVALID_CREDENTIALS';
}

interface TrackedRequest extends InternalAxiosRequestConfig {
  /** How many refreshes had settled when this request was sent. */
  refreshGeneration?: number;
  retriedAfterRefresh?: boolean;
}

export function installSilentRefresh(client: AxiosInstance, options: SilentRefreshOptions): void {
  let settledRefreshes = 0;
  let lastRefreshFailed = false;
  let inFlight: Promise<void> | undefined;

  function refreshOnce(): Promise<void> {
    inFlight ??= options
      .refresh()
      .then(
        () => {
          lastRefreshFailed = false;
        },
        (error: unknown) => {
          lastRefreshFailed = true;
          options.onSessionEnded();
          throw error;
        },
      )
      .finally(() => {
        settledRefreshes += 1;
        inFlight = undefined;
      });
    return inFlight;
  }

  client.interceptors.request.use((config: TrackedRequest) => {
    config.refreshGeneration ??= settledRefreshes;
    return config;
  });

  client.interceptors.response.use(undefined, async (error: unknown) => {
    if (!isAxiosError(error) || error.response?.status !== 401 || !error.config) throw error;
    const request = error.config as TrackedRequest;
    if (request.retriedAfterRefresh || NO_REFRESH_ROUTES.test(request.url ?? '') || isWrongPassword(error.response.data)) throw error;
    request.retriedAfterRefresh = true;

    const sentBeforeLastRefresh = (request.refreshGeneration ?? 0) < settledRefreshes;
    if (inFlight || !sentBeforeLastRefresh) {
      try {
        await refreshOnce();
      } catch {
        throw error;
      }
    } else if (lastRefreshFailed) {
      // The session already ended while this request was under way: no second refresh, no second logout.
      throw error;
    }
    request.refreshGeneration = settledRefreshes;
    return client.request(request);
  });
}
