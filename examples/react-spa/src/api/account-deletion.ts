import { isAxiosError, type AxiosInstance } from 'axios';
import { apiErrorCode, errorMessage, retryAfterSeconds } from './errors';

/** What became of a request to delete the account: each outcome is one thing the dialog does. */
export type AccountDeletion =
  /** 200: the account, its sessions and this browser's cookies are gone. */
  | { outcome: 'deleted' }
  /** 401 INVALID_CREDENTIALS: nothing happened, the session is intact. */
  | { outcome: 'wrong-password'; message: string }
  /** 429: the account's failed-password budget is spent; the password was not even checked. */
  | { outcome: 'rate-limited'; message: string }
  /** Any other 401: the session was already over (revoked elsewhere, or the refresh failed). */
  | { outcome: 'session-ended' }
  /** Anything else (403 CSRF_REJECTED, 503, no answer): nothing is known to have happened. */
  | { outcome: 'failed'; message: string };

/**
 * DELETE /users/me with the password. Sent through the app's axios instance, so an expired access token
 * is refreshed and the request replayed like any other; a wrong password is not (silent-refresh.ts).
 */
export async function requestAccountDeletion(client: AxiosInstance, password: string): Promise<AccountDeletion> {
  try {
    await client.delete('/users/me', { data: { password } });
    return { outcome: 'deleted' };
  } catch (error) {
    const status = isAxiosError(error) ? error.response?.status : undefined;
    if (status === 401 && apiErrorCode(error) === 'INVALID_CREDENTIALS') return { outcome: 'wrong-password', message: errorMessage(error) };
    if (status === 401) return { outcome: 'session-ended' };
    if (status === 429) {
      return { outcome: 'rate-limited', message: `Too many wrong passwords for this account. Try again ${describeWait(retryAfterSeconds(error))}.` };
    }
    return { outcome: 'failed', message: errorMessage(error) };
  }
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;

/** Retry-After seconds as a person says it, rounded up so that trying at the time said does work. */
export function describeWait(seconds: number | undefined): string {
  if (seconds === undefined) return 'later';
  if (seconds < 60) return `in ${plural(seconds, 'second')}`;
  if (seconds < 2 * 3600) return `in ${plural(Math.ceil(seconds / 60), 'minute')}`;
  return `in ${plural(Math.ceil(seconds / 3600), 'hour')}`;
}
