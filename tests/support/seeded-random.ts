/**
 * A small seeded generator (mulberry32) for tests that vary timings or inputs: the seed comes from
 * TEST_SEED when set, so a failing run can be replayed exactly, and is printed by the test that uses it.
 */
export function seededRandom(seed = Number(process.env.TEST_SEED ?? Math.floor(Math.random() * 2 ** 31))) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, between: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) };
}
