import { execFile } from 'node:child_process';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { findFreePort } from '../../src/dev-database/free-port';
import { startApiProcess, type ApiProcess } from './api-process';
import { receiverUrl, startReceiver, type ReceiverProcess } from './event-receiver-process';

/** An API process (or several) pushing session-end events to a receiver process, for the event tests. */

export const ISSUER = 'logout-auth-api';
const ROOT = path.resolve(__dirname, '..', '..');

/** A private Ed25519 JWK made for this test run, as SESSION_EVENT_SIGNING_KEY takes it. */
export async function testSigningKey(kid = 'events-test'): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid };
}

/**
 * Retries in tenths of a second instead of minutes; a killed holder's claim lapses after 8 s. The timeout
 * stays generous: on a crowded machine a receiver that answers late is retried, and the tests that count
 * exactly one delivery would see that (allowed) duplicate.
 */
export const FAST_RETRIES = {
  SESSION_EVENT_RETRY_BASE_MS: '100',
  SESSION_EVENT_RETRY_MAX_DELAY_MS: '500',
  SESSION_EVENT_TIMEOUT_MS: '5000',
  SESSION_EVENT_LEASE_MS: '8000',
  SESSION_EVENT_POLL_MS: '200',
};

export function eventApiEnv(receiverPort: number, key: JWK, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SESSION_EVENT_RECEIVERS: receiverUrl(receiverPort),
    SESSION_EVENT_SIGNING_KEY: JSON.stringify(key),
    JWT_ISSUER: ISSUER,
    RATE_LIMIT_LOGIN_PER_IP: '0',
    RATE_LIMIT_REGISTER_PER_IP: '0',
    RATE_LIMIT_REFRESH_PER_IP: '0',
    ...FAST_RETRIES,
    ...extra,
  };
}

export const receiverAudience = (port: number) => `http://127.0.0.1:${port}`;

export async function startEventApi(uri: string, receiverPort: number, key: JWK, extra: Record<string, string> = {}): Promise<ApiProcess> {
  return startApiProcess(uri, eventApiEnv(receiverPort, key, extra));
}

export function startReceiverFor(api: ApiProcess, port: number, audience = receiverAudience(port)): Promise<ReceiverProcess> {
  return startReceiver({ port, jwksUrl: `${api.url}/.well-known/jwks.json`, issuer: ISSUER, audience });
}

export { findFreePort };

/** SIGKILL: the process gets no chance to finish anything (no shutdown, no last write). */
export async function killHard(api: ApiProcess): Promise<void> {
  try {
    process.kill(-api.child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
  await api.exited;
}

/** `npm run sessions -- …` against the database at `uri`, as the operator would run it. */
export function runSessionsCommand(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/operator/sessions-command.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
