import request from 'supertest';
import { deviceCookieName } from '../src/auth/cookies';
import { bearer, cookiesOf, PASSWORD, registerUser, type SignedInUser } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 21, finding 2: guesses spread over many addresses reach the account-wide ceiling, which then
 * locked the owner out of signing in and, worse, out of changing the password from a live session. Now
 * a session's own password checks count only against that session, and a browser that has signed in to
 * the account before (its device cookie) only against that device.
 */

const PER_ACCOUNT = 6;
const PER_ACCOUNT_AND_IP = 2;

let t: TestApp;
let deviceCookie: string;
beforeAll(async () => {
  t = await startTestApp({
    TRUST_PROXY: 'true',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: String(PER_ACCOUNT),
    RATE_LIMIT_LOGIN_PER_ACCOUNT_AND_IP: String(PER_ACCOUNT_AND_IP),
  });
  deviceCookie = deviceCookieName(t.config.cookies);
});
afterAll(() => t.close());

let nextAddress = 1;
const freshAddress = () => `203.0.113.${nextAddress++}`;

const login = (email: string, password: string, cookie?: string) => {
  const pending = request(t.app).post('/api/v1/auth/login').set('X-Forwarded-For', freshAddress());
  return (cookie ? pending.set('Cookie', cookie) : pending).send({ email, password });
};

/** The attack of the issue: wrong passwords from as many addresses as the account-wide ceiling allows. */
async function lockAccountWide(email: string): Promise<void> {
  for (let i = 0; i < PER_ACCOUNT; i += 1) expect((await login(email, `wrong guess ${i}`)).status).toBe(401);
  const owner = await login(email, PASSWORD);
  expect(owner.status).toBe(429);
  expect(owner.headers['retry-after']).toMatch(/^\d+$/);
}

/** The owner's browser: registered there, so it holds a device cookie for the account. */
async function ownerWithDevice(): Promise<{ user: SignedInUser; device: string }> {
  const user = await registerUser(t.app);
  const device = cookiesOf(user.response)[deviceCookie];
  expect(device).toMatchObject({ path: '/', httpOnly: true, sameSite: 'Lax' });
  expect(device?.domain).toBeUndefined();
  return { user, device: `${deviceCookie}=${device!.value}` };
}

describe('after guesses from many addresses reach the account-wide ceiling', () => {
  it('the owner signs in from a device that has signed in before, from a fresh address, and gets a new device cookie', async () => {
    const { user, device } = await ownerWithDevice();
    await lockAccountWide(user.email);
    const res = await login(user.email, PASSWORD, device);
    expect(res.status).toBe(200);
    expect(cookiesOf(res)[deviceCookie]?.value).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  });

  it('the owner changes the password from a live session; wrong current passwords count only against that session', async () => {
    const { user } = await ownerWithDevice();
    await lockAccountWide(user.email);
    const change = (currentPassword: string) =>
      request(t.app).post('/api/v1/users/me/password').set(...bearer(user)).send({ currentPassword, newPassword: 'a brand new passphrase' });
    for (let i = 0; i < PER_ACCOUNT_AND_IP; i += 1) {
      expect((await change('not it')).body).toEqual({ success: false, code: 'INVALID_CREDENTIALS', message: 'Current password is incorrect' });
    }
    // The session's own budget is spent: a stolen session is no unlimited oracle.
    expect((await change('not it')).status).toBe(429);
    // And the right one, from a session of its own, works while the account-wide ceiling is reached.
    const { user: owner } = await ownerWithDevice();
    await lockAccountWide(owner.email);
    const changed = await request(t.app).post('/api/v1/users/me/password').set(...bearer(owner)).send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    expect(changed.status).toBe(200);
  });

  it('the owner deletes the account from a live session', async () => {
    const { user } = await ownerWithDevice();
    await lockAccountWide(user.email);
    const res = await request(t.app).delete('/api/v1/users/me').set(...bearer(user)).send({ password: PASSWORD });
    expect(res.status).toBe(200);
  });

  it('a known device is still limited on its own: after its budget of failures even the right password gets 429', async () => {
    const { user, device } = await ownerWithDevice();
    for (let i = 0; i < PER_ACCOUNT_AND_IP; i += 1) expect((await login(user.email, `wrong ${i}`, device)).status).toBe(401);
    expect((await login(user.email, PASSWORD, device)).status).toBe(429);
  });

  it("a device cookie of another account, or a tampered one, exempts nothing", async () => {
    const { device: othersDevice } = await ownerWithDevice();
    const { user, device } = await ownerWithDevice();
    await lockAccountWide(user.email);
    expect((await login(user.email, PASSWORD, othersDevice)).status).toBe(429);
    const tampered = `${device.slice(0, -2)}${device.endsWith('A') ? 'B' : 'A'}A`;
    expect((await login(user.email, PASSWORD, tampered)).status).toBe(429);
  });
});
