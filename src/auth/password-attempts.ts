import { ipKeyGenerator } from 'express-rate-limit';
import type { RateLimitSettings } from '../config';
import type { SlidingWindow, WindowLimit } from '../http/rate-limit-hits';
import { rateLimitedError } from '../http/rate-limits';
import type { PasswordHasher } from './password';

/**
 * Every password a person types to prove who they are (login, password change, account deletion) is
 * checked here, and every wrong one is counted as a guess, against the budget of whoever made it
 * (docs/SECURITY.md, "Failed password checks"), per window:
 * - a sign-in from an unknown device: per account and client address (RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP,
 *   small: it stops one client guessing) and per account from anywhere (RATE_LIMIT_LOGIN_PER_ACCOUNT,
 *   larger: it stops guesses spread over many addresses, and once reached locks out unknown devices);
 * - a sign-in from a device that has signed in to this account before (a valid device cookie,
 *   src/auth/device-cookies.ts): per device only, RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP. The account-wide
 *   ceiling neither counts it nor blocks it, so guessing from elsewhere cannot lock the owner out;
 * - a check from a live session (password change, account deletion): per session only, the same small
 *   limit. That session has already proven the account; a stolen one is still no unlimited oracle.
 *
 * The attempt is counted before the password is checked and taken back if it was right, so concurrent
 * guesses cannot slip in between a check and its count. Fails closed: if the count cannot be written the
 * password is not checked (the database error becomes 503).
 */

export type PasswordAttempt =
  | {
      /** The account's normalised email, as login normalises it, whether or not the account exists. */
      account: string;
      /** The client's address (req.ip); IPv6 addresses count per /56, as the per-IP limits do. */
      ip: string;
      /** The device id of a valid device cookie for this account, if the sign-in presented one. */
      device?: string;
    }
  | {
      /** The live session the check is made from (password change, account deletion). */
      session: string;
    };

export const PER_ACCOUNT_AND_IP = 'login-per-account-and-ip';
export const PER_ACCOUNT = 'login-per-account';
export const PER_DEVICE = 'login-per-device';
export const PER_SESSION = 'password-per-session';

export function createPasswordAttempts(deps: { passwords: PasswordHasher; window: SlidingWindow; settings: RateLimitSettings }) {
  const { passwords, window, settings } = deps;

  /**
   * Checks `password` against `hash` (undefined for an unknown account: same work, always false) and counts
   * a wrong one against the account. Throws a 429 RateLimitedError, without checking, once either budget
   * is spent.
   */
  async function verify(attempt: PasswordAttempt, hash: string | undefined, password: string): Promise<boolean> {
    const budgets = budgetsOf(attempt).filter((budget) => budget.limit > 0);
    if (budgets.length === 0) return passwords.verifyPassword(hash, password);
    const taken = await window.take(budgets);
    if (!taken.allowed) {
      throw rateLimitedError(taken.counts.filter((count) => count.count > count.limit), window.windowMs);
    }
    const valid = await passwords.verifyPassword(hash, password);
    if (valid) await window.release(taken.hitIds);
    return valid;
  }

  /** Whose failures this attempt counts against (see the top of this file). */
  function budgetsOf(attempt: PasswordAttempt): WindowLimit[] {
    if ('session' in attempt) return [{ name: PER_SESSION, key: attempt.session, limit: settings.loginPerAccountAndIp }];
    if (attempt.device !== undefined) return [{ name: PER_DEVICE, key: attempt.device, limit: settings.loginPerAccountAndIp }];
    return [
      { name: PER_ACCOUNT_AND_IP, key: `${ipKeyGenerator(attempt.ip, 56)} ${attempt.account}`, limit: settings.loginPerAccountAndIp },
      { name: PER_ACCOUNT, key: attempt.account, limit: settings.loginPerAccount },
    ];
  }

  return { verify };
}

export type PasswordAttempts = ReturnType<typeof createPasswordAttempts>;
