import { ipKeyGenerator } from 'express-rate-limit';
import type { RateLimitSettings } from '../config';
import type { SlidingWindow } from '../http/rate-limit-hits';
import { rateLimitedError } from '../http/rate-limits';
import type { PasswordHasher } from './password';

/**
 * Every password a person types to prove who they are (login, password change, account deletion) is
 * checked here, so that all of them draw on one budget of failures per account: a wrong current
 * password is as much a guess as a wrong login.
 *
 * Two budgets, both per window (docs/SECURITY.md, "Failed password checks"):
 * - per account and client address: RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP, small. It stops one client
 *   guessing, and it is all that someone else's guessing costs the owner, who comes from another address;
 * - per account from anywhere: RATE_LIMIT_LOGIN_PER_ACCOUNT, larger. It stops guesses spread over many
 *   addresses; reaching it takes that many addresses, and then it does lock the owner out for a window.
 *
 * The attempt is counted before the password is checked and taken back if it was right, so concurrent
 * guesses cannot slip in between a check and its count. Fails closed: if the count cannot be written the
 * password is not checked (the database error becomes 503).
 */

export interface PasswordAttempt {
  /** The account's normalised email, as login normalises it, whether or not the account exists. */
  account: string;
  /** The client's address (req.ip); IPv6 addresses count per /56, as the per-IP limits do. */
  ip: string;
}

export const PER_ACCOUNT_AND_IP = 'login-per-account-and-ip';
export const PER_ACCOUNT = 'login-per-account';

export function createPasswordAttempts(deps: { passwords: PasswordHasher; window: SlidingWindow; settings: RateLimitSettings }) {
  const { passwords, window, settings } = deps;

  /**
   * Checks `password` against `hash` (undefined for an unknown account: same work, always false) and counts
   * a wrong one against the account. Throws a 429 RateLimitedError, without checking, once either budget
   * is spent.
   */
  async function verify(attempt: PasswordAttempt, hash: string | undefined, password: string): Promise<boolean> {
    const budgets = [
      { name: PER_ACCOUNT_AND_IP, key: `${ipKeyGenerator(attempt.ip, 56)} ${attempt.account}`, limit: settings.loginPerAccountAndIp },
      { name: PER_ACCOUNT, key: attempt.account, limit: settings.loginPerAccount },
    ].filter((budget) => budget.limit > 0);
    if (budgets.length === 0) return passwords.verifyPassword(hash, password);
    const taken = await window.take(budgets);
    if (!taken.allowed) {
      throw rateLimitedError(taken.counts.filter((count) => count.count > count.limit), window.windowMs);
    }
    const valid = await passwords.verifyPassword(hash, password);
    if (valid) await window.release(taken.hitIds);
    return valid;
  }

  return { verify };
}

export type PasswordAttempts = ReturnType<typeof createPasswordAttempts>;
