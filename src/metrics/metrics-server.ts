import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * The metrics listener (METRICS_PORT on METRICS_HOST): GET /metrics and nothing else. It is a server of
 * its own, not a route of the API, so that what it reveals about the process never faces the public
 * port, and a firewall or a network policy can expose it to Prometheus alone.
 */

function sendJson(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify({ success: false, code, message }));
}

export function createMetricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      sendJson(res, 404, 'NOT_FOUND', 'Only /metrics is served here');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, 'METHOD_NOT_ALLOWED', 'This path accepts only GET', { Allow: 'GET' });
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => sendJson(res, 500, 'INTERNAL_ERROR', 'Metrics could not be collected'),
    );
  });
}
