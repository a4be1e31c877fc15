import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config';
import { isVerbose } from '../logger';
import { loggableRequest, withoutQuery } from './loggable-request';

/**
 * A request id for every request (X-Request-Id, and `reqId` on its log lines), and a log line when it
 * finishes, with no query string and no credential-bearing header (loggable-request.ts). JSON logs carry pino-http's full request and response objects, as machines want them. The
 * pretty format says what a person scans for, method, path, status and time, in the line's message,
 * and binds only the request id to the request's logger, unless LOG_LEVEL is debug or trace.
 */

/** The path only: a query string is not worth a line's width, and may carry what a log must not. */
function summary(req: IncomingMessage, res: ServerResponse, responseTime: number): string {
  const path = withoutQuery((req as { originalUrl?: string }).originalUrl ?? req.url ?? '');
  return `${req.method} ${path} ${res.statusCode} ${Math.round(responseTime)}ms`;
}

export function logRequests(logger: Logger, config: Pick<Config, 'env' | 'logFormat' | 'logLevel'>): RequestHandler {
  const concise = config.logFormat === 'pretty';
  return pinoHttp({
    logger,
    genReqId: (_req, res) => {
      const id = randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: config.env !== 'test',
    // No query string and no credential-bearing header, in every format (loggable-request.ts).
    serializers: { req: loggableRequest },
    ...(concise
      ? {
          quietReqLogger: !isVerbose(config.logLevel),
          customSuccessMessage: (req, res, responseTime) => summary(req, res, responseTime),
          // pino-http passes the response time here too, though its types leave it out.
          customErrorMessage: (req, res, _error, responseTime?: number) => summary(req, res, responseTime ?? 0),
        }
      : {}),
  });
}
