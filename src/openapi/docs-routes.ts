import path from 'node:path';
import { Router } from 'express';
import type { AuthCookieNames } from '../auth/cookies';
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

export function createDocsRoutes(cookieNames: AuthCookieNames): Router {
  const document = buildOpenApiDocument(cookieNames);
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/assets/start.js', (_req, res) => {
    res.type('js').send(START_SCRIPT);
  });
  router.get('/docs/assets/:file', (req, res, next) => {
    if (!SWAGGER_UI_ASSETS.has(req.params.file)) {
      next();
      return;
    }
    res.sendFile(req.params.file, { root: SWAGGER_UI_DIR, maxAge: '1h' });
  });
  return router;
}
