import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { AuthCookieNames } from '../auth/cookies';
import { registerAuthPaths } from './auth-paths';
import { unknownRoute, wrongMethod } from './error-responses';
import { registerGatewayPaths } from './gateway-paths';
import { securitySchemes } from './openapi-parts';
import { registerServicePaths } from './service-paths';
import { registerUserPaths } from './user-paths';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const DESCRIPTION = `Cookie-based JWT authentication with a correct logout.

Browsers get two HttpOnly cookies on login: **accessToken** (a short-lived JWT, Path=/) and **refreshToken**
(an opaque rotating token, Path=/api/v1/auth). Scripts can send the access token as \`Authorization: Bearer\`
instead and pass the refresh token as a Cookie header. \`POST /api/v1/auth/logout\` revokes the session in the
database and expires both cookies; from then on neither token works anywhere.

Those are the cookie names over plain http (development). With Secure cookies (production) they carry
prefixes a browser enforces: **__Host-accessToken** (**__Secure-accessToken** when COOKIE_DOMAIN is set) and
**__Secure-refreshToken**. The cookie security schemes of this document name the ones this instance uses.

Every error is JSON: \`{"success": false, "code", "message", "details"?}\`. A path that does not exist answers 404
(\`#/components/responses/NotFound\`); a known path asked with another method answers 405 with an Allow header
(\`#/components/responses/MethodNotAllowed\`). Requests the HTTP server refuses before any route (a malformed
request line, headers over 16 KB, a request too slow to arrive, an \`Expect\` other than 100-continue, \`CONNECT\`)
get 400, 431, 408, 417 or 405 in the same JSON shape, and the connection is closed; docs/API.md lists them.`;

function buildRegistry(cookieNames: AuthCookieNames | undefined): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  for (const [name, scheme] of Object.entries(securitySchemes(cookieNames))) registry.registerComponent('securitySchemes', name, scheme);
  registry.registerComponent('responses', 'NotFound', unknownRoute);
  registry.registerComponent('responses', 'MethodNotAllowed', wrongMethod);
  registerAuthPaths(registry);
  registerUserPaths(registry);
  registerGatewayPaths(registry);
  registerServicePaths(registry);
  return registry;
}

/**
 * The API's OpenAPI 3.1 document, generated from the zod schemas the routes validate with; `cookieNames`
 * are the serving instance's (src/auth/cookies.ts), the plain ones if not given.
 */
export function buildOpenApiDocument(cookieNames?: AuthCookieNames): OpenApiDocument {
  return new OpenApiGeneratorV31(buildRegistry(cookieNames).definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'logout-auth-api', version: '1.0.0', description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    tags: [
      { name: 'auth', description: 'Sign in, refresh, log out' },
      { name: 'sessions', description: 'Your devices' },
      { name: 'users', description: 'Your account' },
      { name: 'gateways', description: 'For gateways and services that rely on this API' },
      { name: 'operations', description: 'Probes for orchestrators' },
      { name: 'documentation', description: 'This document and its page' },
    ],
  });
}
