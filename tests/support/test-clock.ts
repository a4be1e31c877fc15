import type { Clock } from '../../src/clock';

/** A wall clock a test moves by hand: an app built with it ages sessions and tokens without anyone sleeping. */
export interface TestClock {
  now: Clock;
  advance(ms: number): void;
}

export function createTestClock(start = Date.now()): TestClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
  };
}
