import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errors } from '../http/errors';
import { errorResponse, retryAfterHeader, serverErrors } from './error-responses';
import { healthSchema, openApiDocumentSchema, readySchema } from './response-schemas';
import { json } from './openapi-parts';

/** Probes and the documentation itself: no auth, no database unless said. */

/** Served from the swagger-ui-dist package; start.js, the page's start-up code, is served from memory. */
export const SWAGGER_UI_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'] as const;
const DOCS_ASSETS = [...SWAGGER_UI_FILES, 'start.js'] as const;

const notFound = errorResponse('Not one of the served files', [errors.NOT_FOUND]);

export function registerServicePaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    operationId: 'checkLiveness',
    tags: ['operations'],
    summary: 'Liveness: the process answers',
    security: [],
    responses: { 200: { description: 'Alive', content: json(healthSchema) }, 500: serverErrors[500] },
  });

  registry.registerPath({
    method: 'get',
    path: '/readyz',
    operationId: 'checkReadiness',
    tags: ['operations'],
    summary: 'Readiness: the database answers a ping',
    security: [],
    responses: {
      200: { description: 'Ready to serve', content: json(readySchema) },
      500: serverErrors[500],
      503: errorResponse('The database did not answer in time', [errors.DATABASE_UNREACHABLE], { 'Retry-After': retryAfterHeader }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    tags: ['documentation'],
    summary: 'This document',
    security: [],
    responses: {
      200: {
        description: 'The OpenAPI 3.1 document',
        headers: {
          'Cache-Control': {
            description: 'Cacheable for five minutes, then revalidated with the ETag',
            required: true,
            schema: { type: 'string', example: 'public, max-age=300' },
          },
          ETag: {
            description: "The document's version; send it back in If-None-Match to revalidate",
            required: true,
            schema: { type: 'string', example: 'W/"3q2-7Yx…"' },
          },
        },
        content: json(openApiDocumentSchema),
      },
      304: { description: 'Not modified: the If-None-Match named the current version; no body' },
      500: serverErrors[500],
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/docs',
    operationId: 'getDocsPage',
    tags: ['documentation'],
    summary: 'Interactive documentation (Swagger UI, served from this API; no CDN)',
    security: [],
    responses: {
      200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } },
      500: serverErrors[500],
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/docs/assets/{file}',
    operationId: 'getDocsAsset',
    tags: ['documentation'],
    summary: "The docs page's scripts, styles and icons",
    security: [],
    request: { params: z.object({ file: z.enum(DOCS_ASSETS) }) },
    responses: {
      200: {
        description: 'The file',
        content: {
          'text/css': { schema: z.string() },
          'text/javascript': { schema: z.string() },
          'image/png': { schema: z.string() },
        },
      },
      404: notFound,
      500: serverErrors[500],
    },
  });
}
