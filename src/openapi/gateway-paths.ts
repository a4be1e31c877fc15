import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { LOWER_CASE_OBJECT_ID_PATTERN } from '../db/object-id';
import { JWKS_MAX_AGE_SECONDS } from '../auth/jwks-routes';
import { revocationsQuerySchema } from '../auth/revocation-feed-routes';
import { errors } from '../http/errors';
import { csrfRejected, errorResponse, rateLimited, serverErrors, validationFailed } from './error-responses';
import { accessTokenAuth, json } from './openapi-parts';

/** What other services rely on: forward auth for gateways (src/auth/forward-auth.ts). */

const objectId = z.string().regex(LOWER_CASE_OBJECT_ID_PATTERN).meta({ example: '6650f1c2b9d3e4a012345678' });

const verifiedSchema = z
  .strictObject({ success: z.literal(true), userId: objectId, sessionId: objectId })
  .meta({
    id: 'Verified',
    description: 'The live session the access token belongs to',
    example: { success: true, userId: '6650f1c2b9d3e4a012345678', sessionId: '6650f1c2b9d3e4a012345679' },
  });

const idHeader = (description: string) => ({
  description,
  required: true,
  schema: { type: 'string' as const, pattern: LOWER_CASE_OBJECT_ID_PATTERN.source, example: '6650f1c2b9d3e4a012345678' },
});

const verifyOperation = (method: 'get' | 'head') => ({
  method,
  path: '/api/v1/auth/verify',
  operationId: method === 'get' ? 'verifyAccessToken' : 'verifyAccessTokenHead',
  tags: ['gateways'],
  summary: 'Forward auth: is this access token one of a live session?',
  description:
    'For nginx `auth_request`, Traefik `ForwardAuth` and the like (docs/INTEGRATION.md). The token is read as on every ' +
    'protected route (Bearer header, else the access cookie). When it came from the cookie and the method named by ' +
    '`X-Forwarded-Method` or `X-Original-Method` is not GET, HEAD or OPTIONS, the Origin check of the state-changing ' +
    'routes applies. Never sets or expires a cookie. Once a revoking request has answered, every instance answers 401 ' +
    'for its session.',
  security: accessTokenAuth,
  request: {
    headers: z.object({
      'x-forwarded-method': z.string().optional().meta({ description: 'The original request\'s method (Traefik)', example: 'POST' }),
      'x-original-method': z.string().optional().meta({ description: 'The original request\'s method (nginx)', example: 'POST' }),
    }),
  },
  responses: {
    200: {
      description: method === 'get' ? 'A live session' : 'A live session: the headers of GET, no body',
      headers: {
        'X-Auth-User-Id': idHeader('The user id, for the gateway to copy onto the forwarded request'),
        'X-Auth-Session-Id': idHeader('The session id'),
        'Cache-Control': { description: 'Never cached', required: true, schema: { type: 'string' as const, example: 'no-store' } },
      },
      ...(method === 'get' ? { content: json(verifiedSchema) } : {}),
    },
    401: errorResponse('No access token of a live session', [errors.UNAUTHORIZED], {
      'WWW-Authenticate': { description: 'The scheme to authenticate with', required: true, schema: { type: 'string', example: 'Bearer' } },
    }),
    403: csrfRejected,
    ...serverErrors,
  },
});

const publicJwkSchema = z.strictObject({
  kid: z.string(),
  alg: z.enum(['EdDSA', 'ES256']),
  use: z.literal('sig'),
  kty: z.enum(['OKP', 'EC']),
  crv: z.enum(['Ed25519', 'P-256']),
  x: z.string(),
  y: z.string().optional().meta({ description: 'EC keys only' }),
});

const jwksSchema = z.strictObject({ keys: z.array(publicJwkSchema) }).meta({
  id: 'JsonWebKeySet',
  description: 'Every public key a token of this API may name in its `kid` (RFC 7517); empty with HS256, whose keys are secrets',
  example: { keys: [{ kid: 'k2', alg: 'EdDSA', use: 'sig', kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] },
});

const revocationsSchema = z
  .strictObject({
    success: z.literal(true),
    leaseMs: z.number().int().min(0).meta({ description: 'REVOCATION_LEASE_MS: trust memory only while the last successful read started less than this long ago; 0 = trust none' }),
    entries: z.array(z.strictObject({ seq: z.number().int().min(0), sessionIds: z.array(objectId) })),
  })
  .meta({
    id: 'RevocationFeed',
    example: { success: true, leaseMs: 150, entries: [{ seq: 41, sessionIds: [] }, { seq: 42, sessionIds: ['6650f1c2b9d3e4a012345679'] }] },
  });

export function registerGatewayPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/revocations',
    operationId: 'readRevocationFeed',
    tags: ['gateways'],
    summary: 'The revocation feed, for registered relying services',
    description:
      'Sessions revoked recently, in feed order, and the lease a reader keeps to (docs/SCALING.md, "Relying services"). ' +
      'Without `from`: the newest entry, where a reader starts. With `from`: every entry from that position on; a gap ' +
      'means an entry still committing (read it next time), a first entry above `from + 1` means entries were pruned unread.',
    security: [{ relyingService: [] }],
    request: { query: revocationsQuerySchema },
    responses: {
      200: { description: 'Entries from the position asked', content: json(revocationsSchema) },
      400: errorResponse('`from` is not a feed position', [validationFailed([{ path: 'from', message: 'must be a feed position: a non-negative integer' }])]),
      401: errorResponse('No, or wrong, relying-service credentials (counted per address)', [errors.SERVICE_CREDENTIALS_INVALID], {
        'WWW-Authenticate': { description: 'The scheme to authenticate with', required: true, schema: { type: 'string', example: 'Basic realm="relying-services", charset="UTF-8"' } },
      }),
      429: rateLimited,
      ...serverErrors,
    },
  });
  registry.registerPath(verifyOperation('get'));
  registry.registerPath(verifyOperation('head'));
  registry.registerPath({
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'getPublicKeys',
    tags: ['gateways'],
    summary: 'The public keys access tokens are signed with (JWKS)',
    description:
      'With JWT_ACCESS_ALGORITHM=EdDSA or ES256: the signing key and every retired-but-accepted one, so a service verifies ' +
      'tokens without any secret. A token\'s header `kid` always names one of them. Other keys of this API (event signing) ' +
      'appear here too, each with its own `kid`.',
    security: [],
    responses: {
      200: {
        description: 'The key set',
        headers: {
          'Cache-Control': {
            description: `Cacheable for ${JWKS_MAX_AGE_SECONDS} s; a verifier meeting an unknown kid fetches it again`,
            required: true,
            schema: { type: 'string', example: `public, max-age=${JWKS_MAX_AGE_SECONDS}` },
          },
        },
        content: json(jwksSchema),
      },
      500: serverErrors[500],
    },
  });
}
