import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config';
import { startTestApp } from './support/test-app';
import { TEST_SECRET } from './support/test-secret';

/** SESSION_EVENT_* settings, and the event key served at GET /.well-known/jwks.json. */

const production = { NODE_ENV: 'production', JWT_ACCESS_SECRET: TEST_SECRET, MONGODB_URI: 'mongodb://127.0.0.1:27017/x' };
const KEY = JSON.stringify({ kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'events-1' });

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('SESSION_EVENT_* configuration', () => {
  it('no receivers by default: nothing is written or sent; the retry horizon defaults to 24 hours', () => {
    const { sessionEvents } = loadConfig({});
    expect(sessionEvents).toMatchObject({ receivers: [], retryHorizonMs: 24 * 60 * 60 * 1000, keyDir: '.keys/events' });
  });

  it('each receiver’s audience defaults to its origin; SESSION_EVENT_AUDIENCES names one per receiver URL', () => {
    const { sessionEvents } = loadConfig({
      SESSION_EVENT_RECEIVERS: 'https://chat.example.com/events?x=1, https://fraud.example.com',
      SESSION_EVENT_AUDIENCES: 'https://fraud.example.com=urn:example:fraud=monitor',
    });
    expect(sessionEvents.receivers).toEqual([
      { url: 'https://chat.example.com/events?x=1', audience: 'https://chat.example.com' },
      { url: 'https://fraud.example.com/', audience: 'urn:example:fraud=monitor' },
    ]);
  });

  it('in production a receiver must be https, except on loopback; a signing key is then required', () => {
    const receivers = 'http://hooks.example.com/e,http://127.0.0.1:9000/e,http://localhost:9001/e,https://ok.example.com/e';
    expect(problemsOf({ ...production, SESSION_EVENT_RECEIVERS: receivers, SESSION_EVENT_SIGNING_KEY: KEY })).toEqual([
      expect.stringMatching(/^SESSION_EVENT_RECEIVERS: "http:\/\/hooks\.example\.com\/e" must be https in production/),
    ]);
    expect(problemsOf({ ...production, SESSION_EVENT_RECEIVERS: 'https://ok.example.com/e' })).toEqual([expect.stringMatching(/^SESSION_EVENT_SIGNING_KEY: required in production/)]);
    expect(problemsOf({ SESSION_EVENT_RECEIVERS: 'http://hooks.example.com/e' })).toEqual([]); // development
  });

  it('refuses what cannot work: not a URL, credentials in the URL, an audience for an unknown receiver, a bad key, a lease not longer than the timeout', () => {
    expect(problemsOf({ SESSION_EVENT_RECEIVERS: 'not a url' })).toEqual([expect.stringMatching(/^SESSION_EVENT_RECEIVERS: "not a url" is not a URL/)]);
    expect(problemsOf({ SESSION_EVENT_RECEIVERS: 'https://user:pw@a.example/e' })).toEqual([expect.stringMatching(/credentials in the URL/)]);
    expect(problemsOf({ SESSION_EVENT_RECEIVERS: 'https://a.example/e', SESSION_EVENT_AUDIENCES: 'https://b.example/e=x' })).toEqual([
      expect.stringMatching(/^SESSION_EVENT_AUDIENCES: /),
    ]);
    expect(problemsOf({ SESSION_EVENT_SIGNING_KEY: '{"kty":"oct","k":"abc"}' })).toEqual([expect.stringMatching(/^SESSION_EVENT_SIGNING_KEY: must be a private Ed25519 JWK/)]);
    expect(problemsOf({ SESSION_EVENT_TIMEOUT_MS: '5000', SESSION_EVENT_LEASE_MS: '5000' })).toEqual([expect.stringMatching(/^SESSION_EVENT_LEASE_MS: /)]);
  });
});

describe('GET /.well-known/jwks.json', () => {
  let keyDir: string;
  beforeEach(() => {
    keyDir = mkdtempSync(path.join(os.tmpdir(), 'event-keys-'));
  });
  afterEach(() => rmSync(keyDir, { recursive: true, force: true }));

  it('outside production with receivers, serves a key generated once into the key folder (owner-only) and kept across restarts', async () => {
    // A key is made only where events are sent: a receiver is configured (nothing ends here, so nothing is sent).
    const receivers = { SESSION_EVENT_RECEIVERS: 'http://127.0.0.1:9/events', SESSION_EVENT_KEY_DIR: keyDir };
    const first = await startTestApp(receivers);
    const second = await startTestApp(receivers);
    try {
      const res = await request(first.app).get('/.well-known/jwks.json').expect(200);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.body).toEqual({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.stringMatching(/^events-/), alg: 'EdDSA', use: 'sig' }] });
      expect((await request(second.app).get('/.well-known/jwks.json').expect(200)).body).toEqual(res.body);
      const file = path.join(keyDir, 'signing-key.jwk.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ kid: res.body.keys[0].kid, x: res.body.keys[0].x, d: expect.any(String) });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('serves the configured key’s public half only', async () => {
    const t = await startTestApp({ SESSION_EVENT_SIGNING_KEY: KEY, SESSION_EVENT_KEY_DIR: keyDir });
    try {
      const res = await request(t.app).get('/.well-known/jwks.json').expect(200);
      expect(res.body).toEqual({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'events-1', alg: 'EdDSA', use: 'sig' }] });
    } finally {
      await t.close();
    }
  });

  it('in production without SESSION_EVENT_SIGNING_KEY (and no receivers) the set is empty, and no key is generated', async () => {
    const t = await startTestApp({ NODE_ENV: 'production', SESSION_EVENT_KEY_DIR: keyDir });
    try {
      expect((await request(t.app).get('/.well-known/jwks.json').expect(200)).body).toEqual({ keys: [] });
      expect(() => statSync(path.join(keyDir, 'signing-key.jwk.json'))).toThrow();
    } finally {
      await t.close();
    }
  });
});
