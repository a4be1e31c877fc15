import { performance } from 'node:perf_hooks';
import type { ProcessSession } from './process-client';

/**
 * The barrier, checked from outside: a session's access token hammers some processes (API instances, or
 * relying services) while a revoking request is sent elsewhere, and every request that *started* after
 * that request answered must get 401. Used by several-instances.test.ts and relying-services.test.ts.
 */

export interface RevokingRequest {
  /** The session whose access token is hammered. */
  target: ProcessSession;
  /** Sent to the revoking process (or the operator command); resolves with its status once it answered. */
  revoke(): Promise<number>;
  expectedStatus: number;
}

/** One process being hammered, and how to ask it about a token (its status code). */
export interface Hammered {
  name: string;
  statusOf(accessToken: string): Promise<number>;
}

export interface Observation {
  name: string;
  startedAt: number;
  status: number;
}

export interface RoundSettings {
  /** After the answer, each hammered process must have served at least this many requests before a round ends. */
  requestsAfterAnswer: number;
  /** A round never hammers for longer than this after the answer (bounded load). */
  maxTailMs: number;
}

async function hammer(target: Hammered, accessToken: string, isDone: () => boolean, log: Observation[]): Promise<void> {
  while (!isDone()) {
    const startedAt = performance.now();
    const status = await target.statusOf(accessToken).catch(() => -1);
    log.push({ name: target.name, startedAt, status });
  }
}

async function runRound(hammered: Hammered[], makeRequest: () => Promise<RevokingRequest>, settings: RoundSettings) {
  const { target, revoke, expectedStatus } = await makeRequest();
  // Each hammered process knows the session before the revocation starts.
  for (const process of hammered) expect(await process.statusOf(target.accessToken)).toBe(200);

  const log: Observation[] = [];
  let answeredAt = Number.POSITIVE_INFINITY;
  const servedAfterAnswer = (name: string) => log.filter((o) => o.name === name && o.startedAt > answeredAt).length;
  const isDone = () =>
    answeredAt !== Number.POSITIVE_INFINITY &&
    (hammered.every(({ name }) => servedAfterAnswer(name) >= settings.requestsAfterAnswer) || performance.now() - answeredAt > settings.maxTailMs);

  const loops = hammered.map((process) => hammer(process, target.accessToken, isDone, log));
  const status = await revoke();
  answeredAt = performance.now();
  await Promise.all(loops);

  expect(status).toBe(expectedStatus);
  for (const { name } of hammered) expect(servedAfterAnswer(name)).toBeGreaterThanOrEqual(settings.requestsAfterAnswer);
  return {
    violations: log.filter((o) => o.startedAt > answeredAt && o.status !== 401),
    acceptedBeforeAnswer: log.filter((o) => o.startedAt < answeredAt && o.status === 200).length,
    checkedAfterAnswer: log.filter((o) => o.startedAt > answeredAt).length,
  };
}

/** `rounds` rounds of one kind of revoking request; fails with every request that was not refused after the answer. */
export async function expectRevocationHoldsOverRounds(
  label: string,
  rounds: number,
  hammered: Hammered[],
  makeRequest: () => Promise<RevokingRequest>,
  settings: RoundSettings,
): Promise<void> {
  let violations: Observation[] = [];
  let checked = 0;
  let acceptedBefore = 0;
  for (let round = 0; round < rounds; round += 1) {
    const result = await runRound(hammered, makeRequest, settings);
    violations = violations.concat(result.violations);
    checked += result.checkedAfterAnswer;
    acceptedBefore += result.acceptedBeforeAnswer;
  }
  // Printed so that a run shows how much was actually checked, not only that nothing failed.
  console.log(`${label}: ${checked} requests started after the answer, ${acceptedBefore} accepted before it`);
  expect(violations).toEqual([]);
}
