import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { LOWER_CASE_OBJECT_ID_PATTERN } from '../db/object-id';
import { errors } from '../http/errors';
import { csrfRejected, errorResponse, serverErrors } from './error-responses';
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

export function registerGatewayPaths(registry: OpenAPIRegistry): void {
  registry.registerPath(verifyOperation('get'));
  registry.registerPath(verifyOperation('head'));
}
