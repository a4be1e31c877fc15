/**
 * Wall-clock time in milliseconds. Whatever stamps or compares session times takes one, so a test moves
 * time forward instead of sleeping; the process uses the system's.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
