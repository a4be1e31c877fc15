import { exportJWK, generateKeyPair } from 'jose';
import { findFreePort } from '../src/dev-database/free-port';

/**
 * The settings of a server with `count` session-event receivers that are all down: loopback ports nobody
 * listens on (connection refused), so every delivery fails and is retried while logouts are measured.
 * Production mode needs a signing key: one is made for the run.
 */
export async function receiversDown(count: number): Promise<Record<string, string>> {
  const ports = await Promise.all(Array.from({ length: count }, () => findFreePort()));
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return {
    SESSION_EVENT_RECEIVERS: ports.map((port) => `http://127.0.0.1:${port}/events`).join(','),
    SESSION_EVENT_SIGNING_KEY: JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'bench-events' }),
  };
}
