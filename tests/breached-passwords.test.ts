import argon2 from 'argon2';
import request from 'supertest';
import { isBreachedPassword } from '../src/auth/breached-passwords';
import { bearer, PASSWORD, registerUser, uniqueEmail } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/** Passwords known from breaches are refused where a password is chosen (ASVS 2.1.7). */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

function expectWeakPassword(res: request.Response) {
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ success: false, code: 'WEAK_PASSWORD', message: expect.stringMatching(/breach/) });
}

describe('the breached-password list', () => {
  it.each(['password', 'iloveyou', 'sunshine', '12345678', 'Passw0rd', ' P@SSW0RD '])('knows %j', (password) => {
    expect(isBreachedPassword(password)).toBe(true);
  });

  it('does not refuse the passwords of the tests, the Postman environment, the SPA e2e and the docs', () => {
    for (const password of [PASSWORD, 'correct horse', 'a brand new password', 'another long passphrase', 'a new and longer passphrase']) {
      expect(isBreachedPassword(password)).toBe(false);
    }
  });
});

describe('POST /api/v1/auth/register', () => {
  it('refuses a breached password with 400 WEAK_PASSWORD and creates no user', async () => {
    const email = uniqueEmail();
    expectWeakPassword(await request(t.app).post('/api/v1/auth/register').send({ email, password: 'Iloveyou' }));
    expect(await t.models.User.exists({ email })).toBeNull();
  });

  it('still checks the length first: a short password is a VALIDATION_ERROR', async () => {
    const res = await request(t.app).post('/api/v1/auth/register').send({ email: uniqueEmail(), password: '123456' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_ERROR');
  });
});

describe('POST /api/v1/users/me/password', () => {
  it('refuses a breached new password with 400 WEAK_PASSWORD; the old password keeps working', async () => {
    const user = await registerUser(t.app);
    const res = await request(t.app)
      .post('/api/v1/users/me/password')
      .set(...bearer(user))
      .send({ currentPassword: PASSWORD, newPassword: 'sunshine1' });
    expectWeakPassword(res);
    const login = await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD });
    expect(login.status).toBe(200);
  });
});

describe('POST /api/v1/auth/login', () => {
  it('does not judge the password an account already has: it is checked only when one is chosen', async () => {
    // An account created before the check (or when the list was shorter) can still sign in, then change it.
    const user = await registerUser(t.app);
    expect(isBreachedPassword('iloveyou123')).toBe(true);
    await t.models.User.updateOne({ email: user.email }, { $set: { passwordHash: await argon2.hash('iloveyou123') } });
    const res = await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: 'iloveyou123' });
    expect(res.status).toBe(200);
  });
});
