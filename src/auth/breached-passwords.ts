import { dictionary } from '@zxcvbn-ts/language-common';
import { ApiError } from '../http/api-error';
import { errors } from '../http/errors';

/**
 * Passwords known from breaches are refused when a password is chosen (ASVS 2.1.7, NIST SP 800-63B
 * 5.1.1.2). The list is zxcvbn-ts's common-password dictionary: about 49,000 passwords, lower-cased,
 * that occur more than ten times in a corpus of ten million leaked credentials, minus those its
 * pattern rules (repeats, sequences, dates) already rate as trivially guessable. It ships in the npm
 * package, so the check needs no network. Compared case-insensitively and trimmed, so `Password1` and
 * ` password1 ` are refused with `password1`.
 */

let breached: Set<string> | undefined;

export function isBreachedPassword(password: string): boolean {
  breached ??= new Set(dictionary['passwords-common']);
  return breached.has(password.trim().toLowerCase());
}

/** For registration and password change; login takes the password the account already has. */
export function refuseBreachedPassword(password: string): void {
  if (isBreachedPassword(password)) {
    throw new ApiError(errors.WEAK_PASSWORD);
  }
}
