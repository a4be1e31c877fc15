import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from '../../src/openapi/openapi-document';

/**
 * Checks one HTTP response against the OpenAPI document: the status must be listed for the route, the
 * headers the document calls required must be there, the media type must be a documented one, and a JSON
 * body must validate against the documented schema. Returns the problems found; none means it conforms.
 */

export interface ObservedResponse {
  method: string;
  /** The request path, without query string. */
  path: string;
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
}

interface ResponseSpec {
  description?: string;
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, unknown>;
}

const DOCUMENT_ID = 'https://logout-auth-api.local/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** A JSON pointer to a spot inside the document, for ajv to compile the schema found there. */
function pointer(...segments: string[]): string {
  return `${DOCUMENT_ID}#/${segments.map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/** `/api/v1/auth/sessions/{id}` → a regex; Express matches paths case-insensitively and with a trailing slash. */
function templateMatcher(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}/?$`, 'i');
}

function mediaTypeOf(headers: Record<string, unknown>): string | undefined {
  const value = headers['content-type'];
  return typeof value === 'string' ? value.split(';')[0]!.trim().toLowerCase() : undefined;
}

/** Validates a value against the schema found at `location` in the document (e.g. a response's schema). */
export function createSchemaValidator(document: OpenApiDocument) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  // The whole document is added as one schema so every $ref to #/components/schemas resolves inside it.
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const validators = new Map<string, ValidateFunction>();

  return function validateAt(location: string[], value: unknown): string[] {
    const ref = pointer(...location);
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      validators.set(ref, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
  };
}

export function createResponseChecker(document: OpenApiDocument) {
  const validateAt = createSchemaValidator(document);
  const paths = Object.keys(document.paths ?? {}).map((template) => ({ template, matcher: templateMatcher(template) }));

  function resolve(spec: unknown): { spec: ResponseSpec; location: string[] } | undefined {
    const ref = (spec as { $ref?: string } | undefined)?.$ref;
    if (!ref) return undefined;
    const location = ref.replace(/^#\//, '').split('/');
    const found = location.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
    return found ? { spec: found as ResponseSpec, location } : undefined;
  }

  /** The documented answers for this request, and where in the document they are. */
  function expectedResponses(method: string, path: string): Array<{ status: string; spec: ResponseSpec; location: string[] }> {
    const route = paths.find(({ matcher }) => matcher.test(path));
    const component = (name: string, status: string) => {
      const spec = document.components?.responses?.[name] as ResponseSpec | undefined;
      return spec ? [{ status, spec, location: ['components', 'responses', name] }] : [];
    };
    if (!route) return component('NotFound', '404');
    const item = document.paths?.[route.template] as Record<string, { responses?: Record<string, unknown> }>;
    const operation = item[method === 'head' ? 'get' : method];
    // Every documented path answers the methods it does not have with a 405 (.all(methodNotAllowed)).
    if (!operation) return component('MethodNotAllowed', '405');
    return Object.entries(operation.responses ?? {}).map(([status, spec]) => {
      const referenced = resolve(spec);
      return referenced
        ? { status, ...referenced }
        : { status, spec: spec as ResponseSpec, location: ['paths', route.template, method === 'head' ? 'get' : method, 'responses', status] };
    });
  }

  function checkBody(response: ObservedResponse, spec: ResponseSpec, location: string[]): string[] {
    const content = spec.content ?? {};
    const mediaType = mediaTypeOf(response.headers);
    if (Object.keys(content).length === 0) return [];
    if (!mediaType || !(mediaType in content)) {
      return [`content-type ${mediaType ?? '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`];
    }
    if (mediaType !== 'application/json' || response.method.toLowerCase() === 'head') return [];
    return validateAt([...location, 'content', mediaType, 'schema'], response.body);
  }

  function checkHeaders(response: ObservedResponse, spec: ResponseSpec): string[] {
    return Object.entries(spec.headers ?? {})
      .filter(([name, header]) => header.required && response.headers[name.toLowerCase()] === undefined)
      .map(([name]) => `required header ${name} is missing`);
  }

  return function checkResponse(response: ObservedResponse): string[] {
    const method = response.method.toLowerCase();
    if (!METHODS.includes(method)) return [`${response.method} is not an HTTP method this API documents`];
    // A CORS preflight from an allowed origin is answered 204 by the cors middleware before any route;
    // any other OPTIONS request reaches the routes and is answered like any method a path does not have.
    if (method === 'options' && response.status === 204) return [];
    const expected = expectedResponses(method, response.path);
    // OpenAPI's precedence: the exact status, then its range (4XX), then default.
    const candidates = [String(response.status), `${String(response.status)[0]}XX`, 'default'];
    const match = candidates.map((key) => expected.find(({ status }) => status.toUpperCase() === key.toUpperCase())).find(Boolean);
    if (!match) {
      return [`status ${response.status} is not documented for this request (documented: ${expected.map(({ status }) => status).join(', ')})`];
    }
    return [...checkHeaders(response, match.spec), ...checkBody(response, match.spec, match.location)];
  };
}

export type ResponseChecker = ReturnType<typeof createResponseChecker>;
