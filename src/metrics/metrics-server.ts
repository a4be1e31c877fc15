import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { errorBody, type ErrorDefinition } from '../http/api-error';
import { errors } from '../http/errors';

/**
 * The metrics listener (METRICS_PORT on METRICS_HOST): GET /metrics and nothing else. It is a server of
 * its own, not a route of the API, so that what it reveals about the process never faces the public
 * port, and a firewall or a network policy can expose it to Prometheus alone.
 */

function sendJson(res: ServerResponse, answer: ErrorDefinition): void {
  res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...answer.headers });
  res.end(JSON.stringify(errorBody(answer)));
}

export function createMetricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      sendJson(res, errors.METRICS_ONLY);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, errors.METHOD_NOT_ALLOWED('GET'));
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => sendJson(res, errors.METRICS_FAILED),
    );
  });
}
