import request from 'supertest';
import { errorBody, type ErrorDefinition } from '../src/http/api-error';
import { errors } from '../src/http/errors';
import { buildOpenApiDocument, type OpenApiDocument } from '../src/openapi/openapi-document';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The catalog of error answers (src/http/errors.ts) against the OpenAPI document. The document's examples
 * are made from the catalog, so a message cannot differ by a letter; what is checked here is the rest: an
 * example typed by hand instead, one filed under another status than its entry's, an error the routes can
 * send that no operation shows, and that the answers on the wire are the examples the document shows.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** Answered before or outside the Express routes, so not in the document (docs/API.md lists the HTTP server's). */
const OUTSIDE_THE_ROUTES = new Set([
  'MALFORMED_REQUEST',
  'HOST_MISSING',
  'HOST_REPEATED',
  'CONNECT_REFUSED',
  'REQUEST_TIMEOUT',
  'EXPECTATION_FAILED',
  'HEADERS_TOO_LARGE',
  'METRICS_ONLY',
  'METRICS_FAILED',
]);

/** METHOD_NOT_ALLOWED's message names the path's methods; the document shows it for a path that accepts only POST. */
const catalog: Array<[string, ErrorDefinition]> = Object.entries(errors).map(([name, entry]) => [
  name,
  typeof entry === 'function' ? entry('POST') : entry,
]);

interface DocumentedExample {
  at: string;
  /** The response's status; none for components.responses, which are not filed under one. */
  status?: string;
  value: Record<string, unknown>;
}

type Responses = Record<string, { content?: Record<string, { examples?: Record<string, { value: Record<string, unknown> }> }> }>;

function errorExamples(document: OpenApiDocument): DocumentedExample[] {
  const found: DocumentedExample[] = [];
  const collect = (at: string, status: string | undefined, response: Responses[string]) => {
    for (const [name, { value }] of Object.entries(response.content?.['application/json']?.examples ?? {})) {
      if (value.success === false) found.push({ at: `${at} ${name}`, ...(status ? { status } : {}), value });
    }
  };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, { responses: Responses }>)) {
      for (const [status, response] of Object.entries(operation.responses)) collect(`${method} ${path} ${status}`, status, response);
    }
  }
  for (const [name, response] of Object.entries((document.components?.responses ?? {}) as Responses)) collect(`components ${name}`, undefined, response);
  return found;
}

/** The catalog entry an example shows (its details aside, which only VALIDATION_ERROR has and which vary). */
function entryOf(example: DocumentedExample): [string, ErrorDefinition] | undefined {
  const body = { ...example.value };
  delete body.details;
  return catalog.find(([, definition]) => JSON.stringify(errorBody(definition)) === JSON.stringify(body));
}

/** What does not agree between the document and the catalog; nothing when they agree. */
function disagreements(document: OpenApiDocument): string[] {
  const problems: string[] = [];
  const shown = new Set<string>();
  for (const example of errorExamples(document)) {
    const entry = entryOf(example);
    if (!entry) {
      problems.push(`${example.at}: ${JSON.stringify(example.value)} is no entry of src/http/errors.ts`);
      continue;
    }
    const [name, definition] = entry;
    shown.add(name);
    if (example.status !== undefined && example.status !== String(definition.status)) {
      problems.push(`${example.at}: ${name} is sent with status ${definition.status}`);
    }
  }
  for (const [name] of catalog) {
    if (!shown.has(name) && !OUTSIDE_THE_ROUTES.has(name)) problems.push(`${name} is sent by a route but shown by no operation`);
  }
  return problems;
}

describe('the OpenAPI document and the error catalog', () => {
  const document = buildOpenApiDocument();

  it('show the same errors: every example is a catalog entry under its status, and every error a route sends is shown', () => {
    expect(errorExamples(document).length).toBeGreaterThan(40);
    expect(disagreements(document)).toEqual([]);
  });

  it('notice an example that is not what the server sends, and an error no operation shows', () => {
    const altered = JSON.parse(JSON.stringify(document)) as OpenApiDocument;
    const refresh401 = (altered.paths!['/api/v1/auth/refresh'] as { post: { responses: Responses } }).post.responses['401']!;
    const examples = refresh401.content!['application/json']!.examples!;
    examples['UNAUTHORIZED: Refresh token is missing or malformed']!.value.message = 'Refresh token is missing';
    expect(disagreements(altered)).toEqual([
      expect.stringMatching(/^post \/api\/v1\/auth\/refresh 401 .*"Refresh token is missing"\} is no entry/),
      'REFRESH_MISSING is sent by a route but shown by no operation',
    ]);
  });
});

describe('error answers on the wire', () => {
  const document = buildOpenApiDocument();
  const example = (at: string) => errorExamples(document).find((candidate) => candidate.at === at)?.value;

  it('a refresh without its cookie is answered with the example the document shows', async () => {
    const res = await request(t.app).post('/api/v1/auth/refresh');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(example('post /api/v1/auth/refresh 401 UNAUTHORIZED: Refresh token is missing or malformed'));
  });

  it('a path that accepts only POST, asked with GET, is answered with the MethodNotAllowed example', async () => {
    const res = await request(t.app).get('/api/v1/auth/login');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toEqual(example('components MethodNotAllowed METHOD_NOT_ALLOWED'));
  });

  it('an unknown path is answered with the NotFound example', async () => {
    const res = await request(t.app).get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual(example('components NotFound NOT_FOUND'));
  });
});
