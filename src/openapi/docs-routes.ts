import { createHash } from 'node:crypto';
import path from 'node:path';
import { Router } from 'express';
import type { AuthCookieNames } from '../auth/cookies';
import { methodNotAllowed } from '../http/method-not-allowed';
import { buildOpenApiDocument } from './openapi-document';
import { SWAGGER_UI_FILES } from './service-paths';

/**
 * GET /api/v1/openapi.json and the Swagger UI page at /docs. Every asset is served from the swagger-ui-dist
 * package on this server, so the page works offline and under helmet's default CSP (script-src 'self': the
 * page has no inline script, its start-up code is a file of its own).
 */

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_ASSETS: ReadonlySet<string> = new Set(SWAGGER_UI_FILES);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>logout-auth-api · API docs</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/start.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to an online validator for its badge.
const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  withCredentials: true,
  persistAuthorization: false
});
`;

/**
 * The document changes only with a deployment: caches and clients may keep it for five minutes, and
 * then revalidate with its ETag, so a new version is seen within five minutes of a deploy. The app turns
 * Express's per-response ETags off (its answers are no-store), so this one is made once, from the
 * document's bytes; Express still answers a matching If-None-Match with 304.
 */
const OPENAPI_DOCUMENT_CACHE_CONTROL = 'public, max-age=300';

/** Only GET (and so HEAD) exists on these paths; anything else is a 405 naming them, as on the API routes. */
const getOnly = methodNotAllowed(['GET', 'HEAD']);

/** GET /openapi.json, on the /api/v1 router ahead of its no-store headers (a route, not a router of its own). */
export function addOpenApiDocumentRoute(api: Router, cookieNames: AuthCookieNames): void {
  // Serialized once: the same bytes are served to every request and name its ETag.
  const body = JSON.stringify(buildOpenApiDocument(cookieNames));
  const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  api
    .route('/openapi.json')
    .get((_req, res) => {
      res.set({ 'Cache-Control': OPENAPI_DOCUMENT_CACHE_CONTROL, ETag: etag }).type('json').send(body);
    })
    .all(getOnly);
}

/** The Swagger UI page at /docs and its assets. */
export function createDocsPageRoutes(): Router {
  const router = Router();
  router
    .route('/docs')
    .get((_req, res) => {
      res.type('html').send(PAGE);
    })
    .all(getOnly);
  router
    .route('/docs/assets/start.js')
    .get((_req, res) => {
      res.type('js').send(START_SCRIPT);
    })
    .all(getOnly);
  router
    .route('/docs/assets/:file')
    .get((req, res, next) => {
      if (!SWAGGER_UI_ASSETS.has(req.params.file)) {
        // Past this route's 405 as well: an unknown file is a 404.
        next('route');
        return;
      }
      res.sendFile(req.params.file, { root: SWAGGER_UI_DIR, maxAge: '1h' });
    })
    .all(getOnly);
  return router;
}
