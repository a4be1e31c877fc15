import { performance } from 'node:perf_hooks';
import type { ApiProcess } from './api-process';
import { PASSWORD } from './auth-helpers';
import { loginOn, refreshOn, registerOn, sendOn, type ProcessSession } from './process-client';

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

/** A session to revoke, and a second device of its user from which the other-session revocations are made. */
export async function targetAndOtherDevice(instance: ApiProcess): Promise<{ target: ProcessSession; other: ProcessSession }> {
  const target = await registerOn(instance);
  return { target, other: await loginOn(instance, target.email) };
}

/**
 * Every way a user revokes a session through the API, each sent to the instance `instanceOf` names when the
 * round runs (tests list their cases before beforeAll has started the processes): logout in each scope,
 * session delete, password change, refresh-token reuse.
 */
export function revokingRequestsOn(instanceOf: () => ApiProcess): Record<string, () => Promise<RevokingRequest>> {
  const on = <T>(use: (instance: ApiProcess) => Promise<T>) => () => use(instanceOf());
  return {
    'logout (scope local)': on(async (instance) => {
      const target = await registerOn(instance);
      return { target, revoke: () => sendOn(instance, 'POST', '/api/v1/auth/logout', target.accessToken), expectedStatus: 200 };
    }),
    'logout (scope others, from another device)': on(async (instance) => {
      const { target, other } = await targetAndOtherDevice(instance);
      return { target, revoke: () => sendOn(instance, 'POST', '/api/v1/auth/logout?scope=others', other.accessToken), expectedStatus: 200 };
    }),
    'logout (scope global)': on(async (instance) => {
      const { target, other } = await targetAndOtherDevice(instance);
      return { target, revoke: () => sendOn(instance, 'POST', '/api/v1/auth/logout?scope=global', other.accessToken), expectedStatus: 200 };
    }),
    'DELETE /auth/sessions/:id': on(async (instance) => {
      const { target, other } = await targetAndOtherDevice(instance);
      return { target, revoke: () => sendOn(instance, 'DELETE', `/api/v1/auth/sessions/${target.sessionId}`, other.accessToken), expectedStatus: 200 };
    }),
    'password change': on(async (instance) => {
      const { target, other } = await targetAndOtherDevice(instance);
      const body = { currentPassword: PASSWORD, newPassword: 'a different long passphrase' };
      return { target, revoke: () => sendOn(instance, 'POST', '/api/v1/users/me/password', other.accessToken, body), expectedStatus: 200 };
    }),
    'refresh-token reuse detection': on(async (instance) => {
      const target = await registerOn(instance);
      expect((await refreshOn(instance, target.refreshToken)).status).toBe(200);
      return { target, revoke: async () => (await refreshOn(instance, target.refreshToken)).status, expectedStatus: 401 };
    }),
  };
}
