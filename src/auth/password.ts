import argon2 from 'argon2';

export interface PasswordHashSettings {
  memoryKib: number;
  iterations: number;
}

/** argon2id with OWASP's recommended floor by default (19 MiB, 2 iterations, 1 lane). */
export function createPasswordHasher(settings: PasswordHashSettings) {
  const options: argon2.HashOptions = { type: argon2.argon2id, memoryCost: settings.memoryKib, timeCost: settings.iterations, parallelism: 1 };
  // Verifying against this when the account does not exist costs the same as a wrong password,
  // so response time does not reveal which emails are registered.
  const dummyHash = argon2.hash('dummy password for timing equalisation', options);

  return {
    hashPassword(password: string): Promise<string> {
      return argon2.hash(password, options);
    },
    async verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
      try {
        const matches = await argon2.verify(hash ?? (await dummyHash), password);
        return hash !== undefined && matches;
      } catch {
        return false;
      }
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
