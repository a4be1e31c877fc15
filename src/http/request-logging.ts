import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { stdSerializers, type Logger } from 'pino';
import type { Config } from '../config';
import { loggableRequest, withoutQuery } from './loggable-request';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This request's id: its X-Request-Id header, and `reqId` on every line logged for it. */
      id?: string;
    }
  }
}

/**
 * A request id for every request (X-Request-Id), and one line when it finishes (or is abandoned), at info:
 * `{reqId, req, res, responseTime}`. The request is written with no query string and no credential-bearing
 * header (loggable-request.ts), the response with its status and headers (Set-Cookie redacted by the
 * logger). In LOG_FORMAT=pretty the line's message says what a person scans for, method, path, status and
 * time, and the objects show only at LOG_LEVEL=debug (src/logger.ts). A 5xx's cause is logged at error by
 * the error handler (src/http/error-handler.ts).
 *
 * With info off (LOG_LEVEL=warn or above) a request costs its id and nothing more: no listener, and nothing
 * serialized. (pino-http, used before, built a child logger per request with the whole request serialized
 * into it, whether a line would be written or not.)
 */

/** The path only: a query string is not worth a line's width, and may carry what a log must not. */
function summary(req: IncomingMessage, res: ServerResponse, responseTime: number): string {
  const path = withoutQuery((req as { originalUrl?: string }).originalUrl ?? req.url ?? '');
  return `${req.method} ${path} ${res.statusCode} ${Math.round(responseTime)}ms`;
}

export function logRequests(logger: Logger, config: Pick<Config, 'env' | 'logFormat'>): RequestHandler {
  const concise = config.logFormat === 'pretty';
  // Tests make thousands of requests; their lines would bury what a failing test logged.
  const linePerRequest = config.env !== 'test';
  return (req, res, next) => {
    const id = randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    if (linePerRequest && logger.isLevelEnabled('info')) {
      const started = performance.now();
      // Node emits 'close' once for every response: after 'finish' when it was sent, or when abandoned.
      res.on('close', () => {
        const responseTime = Math.round(performance.now() - started);
        const message = concise ? summary(req, res, responseTime) : res.statusCode >= 500 ? 'request errored' : 'request completed';
        logger.info({ reqId: id, req: loggableRequest(stdSerializers.req(req)), res: stdSerializers.res(res), responseTime }, message);
      });
    }
    next();
  };
}
