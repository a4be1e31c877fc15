import { isAxiosError } from 'axios';

/** Reading the API's error answers, `{ success: false, code, message }`, or the lack of any answer. */

export function isUnauthorized(error: unknown): boolean {
  return isAxiosError(error) && error.response?.status === 401;
}

/** The API's error code (`INVALID_CREDENTIALS`, `RATE_LIMITED`, …), if the answer carried one. */
export function apiErrorCode(error: unknown): string | undefined {
  return isAxiosError<{ code?: string }>(error) ? error.response?.data?.code : undefined;
}

/** The API's `Retry-After` in seconds (it sends whole seconds; cross-origin, CORS exposes the header). */
export function retryAfterSeconds(error: unknown): number | undefined {
  const value: unknown = isAxiosError(error) ? error.response?.headers['retry-after'] : undefined;
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The API's `{ success: false, code, message }`, or a network failure, as one sentence for the user. */
export function errorMessage(error: unknown): string {
  if (isAxiosError<{ message?: string }>(error)) {
    if (error.response?.data?.message) return error.response.data.message;
    // No answer at all, or the dev/preview proxy's 502/504 when nothing listens behind it.
    if (!error.response || error.response.status === 502 || error.response.status === 504) {
      return 'The API cannot be reached. Is it running?';
    }
  }
  return error instanceof Error ? error.message : 'Something went wrong';
}
