import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import request from 'supertest';
import { loginSchema, registerSchema } from '../src/auth/auth-schemas';
import { PASSWORD } from './support/auth-helpers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The email field's rule as the OpenAPI document states it (a `pattern`, as an outside fuzzer reads it)
 * and as the API enforces it must be one and the same: an address the document calls valid is never
 * refused as invalid, and one it calls invalid is never accepted.
 */

let t: TestApp;
let validates: { register: (value: unknown) => boolean; login: (value: unknown) => boolean };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the served document, read as JSON
let served: any;

beforeAll(async () => {
  t = await startTestApp();
  served = (await request(t.app).get('/api/v1/openapi.json')).body;
  // Strict ajv, as a JSON Schema 2020-12 validator reads a pattern (ECMA-262, with the u flag).
  const ajv = new Ajv2020({ strict: false });
  const emailField = (name: string) => ajv.compile(served.components.schemas[name].properties.email);
  validates = { register: emailField('RegisterRequest'), login: emailField('LoginRequest') };
});
afterAll(() => t.close());

const emailDetail = { path: 'email', message: expect.any(String) };

describe('the email field of register and login', () => {
  it('states its rule as a pattern in the served document', () => {
    expect(validates.register('ada@example.com')).toBe(true);
    expect(validates.register('1/0@b.dev')).toBe(false);
  });

  it('refuses 1/0@b.dev (valid by format: email) at register and login, as the document says', async () => {
    const register = await request(t.app).post('/api/v1/auth/register').send({ email: '1/0@b.dev', password: PASSWORD });
    expect(register.status).toBe(400);
    expect(register.body.details).toEqual([emailDetail]);
    const login = await request(t.app).post('/api/v1/auth/login').send({ email: '1/0@b.dev', password: PASSWORD });
    expect(login.status).toBe(400);
    expect(login.body.details).toEqual([emailDetail]);
  });

  it('accepts what the document allows around an address: spaces, tabs, line breaks, upper case', async () => {
    const email = ` \t${`Ada.${Date.now()}@Example.COM`}\r\n`;
    expect(validates.register(email)).toBe(true);
    const res = await request(t.app).post('/api/v1/auth/register').send({ email, password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe(email.trim().toLowerCase());
  });

  it('answers with the address as the response schema describes it: the same rule, not format: email', async () => {
    // `format: email` means different things to different checkers: Schemathesis's refuses a local part
    // over 64 characters, which registration accepts. The response states the registration rule instead.
    const userEmail = served.components.schemas.User.properties.email;
    expect(userEmail.format).toBeUndefined();
    const validatesUserEmail = new Ajv2020({ strict: false }).compile(userEmail);
    for (const email of [`${'a'.repeat(60)}.${Date.now()}@example.com`, `ada.${Date.now()}@${'b'.repeat(64)}.dev`]) {
      const res = await request(t.app).post('/api/v1/auth/register').send({ email, password: PASSWORD });
      expect(res.status).toBe(201);
      expect(res.body.user.email).toBe(email);
      expect(validatesUserEmail(res.body.user.email)).toBe(true);
    }
  });

  it('agrees with the validation on every generated string, valid or not (fast-check, seed printed on failure)', () => {
    const joined = (chars: fc.Arbitrary<string>, maxLength: number) => fc.array(chars, { maxLength }).map((parts) => parts.join(''));
    const mostly = (usual: string[], odd: string[]) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
    const local = joined(mostly(['a', 'Z', '0', '_', '+', '-'], ["'", '.', '/', '"', 'é', '@']), 6);
    const label = joined(mostly(['a', 'B', '0'], ['-', '_', '.', '']), 6);
    const tld = fc.constantFrom('dev', 'io', 'COM', 'c', '1', 'd-v');
    const padding = mostly([''], [' ', '\t', '\r\n', '\u00a0', '\u2028', '\f']);
    const nearAddress = fc.tuple(padding, local, label, tld, padding).map(([before, l, d, t, after]) => `${before}${l}@${d}.${t}${after}`);
    const anyText = joined(fc.constantFrom('a', '0', '.', '@', ' ', '\t', '/', '\u00a0', 'é'), 14);
    // Mostly near-addresses, so that both sides of the rule are reached often.
    const candidate = fc.oneof({ weight: 3, arbitrary: nearAddress }, { weight: 1, arbitrary: anyText });
    let accepted = 0;
    fc.assert(
      fc.property(candidate, (email) => {
        const byApi = registerSchema.shape.email.safeParse(email).success;
        expect({ email, document: validates.register(email) }).toEqual({ email, document: byApi });
        expect(validates.login(email)).toBe(loginSchema.shape.email.safeParse(email).success);
        if (byApi) accepted += 1;
      }),
      { numRuns: 2_000 },
    );
    // The run reached both answers, not only refusals.
    expect(accepted).toBeGreaterThan(100);
  });
});
