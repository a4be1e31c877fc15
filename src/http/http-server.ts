import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { errorBody, type ErrorDefinition } from './api-error';
import { errors } from './errors';

/**
 * The HTTP server around the app. Requests that Node answers itself, before Express ever sees them
 * (headers over --max-http-header-size, a malformed request line, conflicting Content-Length, a header
 * timeout, an Expect it cannot meet, CONNECT) would otherwise get a bare status line with no body, or no
 * answer at all; here they get the API's JSON error shape.
 */

function answerForParserError(code: string | undefined): ErrorDefinition {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return errors.HEADERS_TOO_LARGE;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return errors.REQUEST_TIMEOUT;
    default:
      return errors.MALFORMED_REQUEST;
  }
}

/** The JSON error answer as Node's own writers take it, with the headers of an answer that ends the connection. */
function jsonAnswer(answer: ErrorDefinition): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(errorBody(answer));
  return {
    headers: {
      ...answer.headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'close',
    },
    body,
  };
}

/** For a socket Node gives no response object for (a parser error, CONNECT). */
function answerOnSocket(socket: Duplex, answer: ErrorDefinition): void {
  const { headers, body } = jsonAnswer(answer);
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  socket.end([`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}`, ...head, '', body].join('\r\n'));
}

function answerOnResponse(res: ServerResponse, answer: ErrorDefinition): void {
  const { headers, body } = jsonAnswer(answer);
  res.writeHead(answer.status, headers);
  res.end(body);
}

/**
 * RFC 9112 §3.2: a 400 for an HTTP/1.1 request without Host, and for any request with more than one.
 * Node keeps the first of two Host headers; a proxy in front may have routed by the other, so which
 * host was meant is ambiguous (and with it the CSRF check's own origin).
 */
function hostHeaderProblem(req: IncomingMessage): ErrorDefinition | undefined {
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') hosts += 1;
  if (hosts > 1) return errors.HOST_REPEATED;
  if (hosts === 0 && req.httpVersion === '1.1') return errors.HOST_MISSING;
  return undefined;
}

/**
 * Node's limits on slow clients, from the configuration. Node's own defaults (60 s for the headers, 300 s
 * for the whole request) let a client that trickles or stalls its body hold a connection for minutes.
 * Node checks for expired requests every `connectionsCheckingInterval` (30 s by default): at most 1 s
 * here, so a late request is answered 408 within its limit plus that second.
 */
export function slowClientLimits(limits: { headersTimeoutMs: number; requestTimeoutMs: number }): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * The response Node is writing on each connection, if any. Node keeps it on the socket as `_httpMessage`,
 * a private field that Node may rename or drop in any release; this follows it through public API instead:
 * every response is seen at the 'request' event, and `res.socket` is its connection only while it is the
 * one being written (a pipelined response waits its turn with `res.socket` null, and Node sets it back to
 * null once the response is finished).
 */
function responsesInProgress(server: Server): (socket: Duplex) => ServerResponse | undefined {
  const bySocket = new WeakMap<Duplex, Set<ServerResponse>>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let responses = bySocket.get(req.socket);
    if (!responses) bySocket.set(req.socket, (responses = new Set()));
    responses.add(res);
    res.on('close', () => responses.delete(res));
  });
  return (socket) => [...(bySocket.get(socket) ?? [])].find((res) => res.socket === socket);
}

/** `options` are Node's (timeouts, header size); tests shorten the timeouts. */
export function createHttpServer(app: Express, logger: Logger, options: ServerOptions = {}): Server {
  // Node's own Host check answers with an empty body, so the check is made here instead.
  const server = createServer({ ...options, requireHostHeader: false }, (req, res) => {
    const problem = hostHeaderProblem(req);
    if (problem) {
      answerOnResponse(res, problem);
      return;
    }
    app(req, res);
  });
  const responseInProgress = responsesInProgress(server);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Mid-response (a pipelined request) a raw answer would corrupt the stream; reset connections are gone.
    if (error.code === 'ECONNRESET' || !socket.writable || responseInProgress(socket)?.headersSent) {
      socket.destroy();
      return;
    }
    const answer = answerForParserError(error.code);
    // The code only: the raw packet may hold credentials.
    logger.debug({ parserError: error.code, status: answer.status }, 'refused a malformed HTTP request');
    answerOnSocket(socket, answer);
  });
  // The only expectation HTTP defines is 100-continue, which Node handles; anything else is a 417.
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    answerOnResponse(res, errors.EXPECTATION_FAILED);
  });
  // This is not a proxy.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    answerOnSocket(socket, errors.CONNECT_REFUSED);
  });
  return server;
}
