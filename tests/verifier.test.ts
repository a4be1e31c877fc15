import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt } from 'jose';
import request from 'supertest';
import { createVerifier, type Verifier } from '../packages/verifier/src';
import { bearer, registerUser } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * packages/verifier in-process against a real API (EdDSA keys, a registered service) over real HTTP:
 * local verification through the key set, one verify per new token, the barrier after logout, 503 once
 * the API is gone and the lease has run out. The multi-process proof is tests/relying-services.test.ts.
 */

const CREDENTIAL = 'verifier-test-credential-0123456789abcdef';
const key = generateKeyPairSync('ed25519').privateKey;
const configured = `k1:${key.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`;

let t: TestApp;
let server: Server;
let apiUrl: string;
let verifier: Verifier;
const verifyCalls: string[] = [];
beforeAll(async () => {
  t = await startTestApp({ JWT_ACCESS_SECRET: undefined, JWT_ACCESS_ALGORITHM: 'EdDSA', JWT_ACCESS_PRIVATE_KEYS: configured, RELYING_SERVICES: `orders:${CREDENTIAL}`,
    // A lease long enough that a loaded machine's poll always renews it: memory is what the first test counts.
    REVOCATION_LEASE_MS: '1000',
  });
  server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/auth/verify')) verifyCalls.push(req.headers.authorization ?? '');
    t.app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  verifier = createVerifier({ apiUrl, serviceName: 'orders', credential: CREDENTIAL, apiTimeoutMs: 500 });
  verifier.start();
  await verifier.ready();
});
afterAll(async () => {
  verifier.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

describe('createVerifier', () => {
  it('a live token: ok, checked through verify once, then from memory', async () => {
    const user = await registerUser(t.app);
    const before = verifyCalls.length;
    for (let i = 0; i < 3; i++) expect(await verifier.check(user.accessToken)).toEqual({ outcome: 'ok', userId: user.id, sessionId: user.sessionId });
    expect(verifyCalls.length - before).toBe(1);
  });

  it('a token signed with another key under the same kid, or expired, is refused locally, without asking the API', async () => {
    const user = await registerUser(t.app);
    const claims = decodeJwt(user.accessToken);
    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).sign(other);
    const expired = await new SignJWT({ ...claims, exp: 1 }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).sign(key);
    const before = verifyCalls.length;
    expect(await verifier.check(forged)).toEqual({ outcome: 'unauthorized' });
    expect(await verifier.check(expired)).toEqual({ outcome: 'unauthorized' });
    expect(await verifier.check('not.a.token')).toEqual({ outcome: 'unauthorized' });
    expect(verifyCalls.length).toBe(before);
  });

  it('once logout has answered, the token is refused', async () => {
    const user = await registerUser(t.app);
    expect((await verifier.check(user.accessToken)).outcome).toBe('ok');
    expect((await request(t.app).post('/api/v1/auth/logout').set(...bearer(user))).status).toBe(200);
    expect(await verifier.check(user.accessToken)).toEqual({ outcome: 'unauthorized' });
  });

  it('with a wrong credential the feed cannot be read: nothing is trusted, each request is answered by verify', async () => {
    const wrong = createVerifier({ apiUrl, serviceName: 'orders', credential: 'a wrong credential that is long enough', apiTimeoutMs: 500 });
    wrong.start();
    try {
      await wrong.ready();
      const user = await registerUser(t.app);
      const before = verifyCalls.length;
      expect((await wrong.check(user.accessToken)).outcome).toBe('ok');
      expect((await wrong.check(user.accessToken)).outcome).toBe('ok');
      expect(verifyCalls.length - before).toBe(2);
    } finally {
      wrong.stop();
    }
  });

  it('an API that cannot be reached: unavailable, never ok', async () => {
    const user = await registerUser(t.app);
    expect((await verifier.check(user.accessToken)).outcome).toBe('ok');
    const gone = createVerifier({ apiUrl: 'http://127.0.0.1:9', serviceName: 'orders', credential: CREDENTIAL, apiTimeoutMs: 200 });
    gone.start();
    try {
      await gone.ready();
      expect(await gone.check(user.accessToken)).toEqual({ outcome: 'unavailable' });
    } finally {
      gone.stop();
    }
  });
});
