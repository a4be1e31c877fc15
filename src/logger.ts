import pino, { type DestinationStream, type Logger } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';
import type { LogFormat } from './config';

/** Secrets never reach the logs, whatever a future log line includes. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
];

/** At these levels a person asked for everything: whole request objects, one field per line. */
export function isVerbose(level: string): boolean {
  return level === 'debug' || level === 'trace';
}

/**
 * One readable line per event for a person at a terminal. The JSON line pino wrote (already redacted)
 * is turned into text synchronously, in this thread: nothing is lost when the process exits right after
 * its last line, as it does on shutdown. Request objects show only at debug; the request id closes the line.
 */
function prettyDestination(level: string, output: DestinationStream, colorize: boolean): DestinationStream {
  const verbose = isVerbose(level);
  const prettify = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: ['pid', 'hostname', 'reqId', 'audit', ...(verbose ? [] : ['req', 'res', 'responseTime'])].join(','),
    singleLine: !verbose,
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey] ?? '');
      return typeof log.reqId === 'string' ? `${message} [${log.reqId}]` : message;
    },
  });
  return { write: (line: string) => output.write(prettify(line)) };
}

/**
 * Logs go to stdout unless a destination is given (tests read the real output through a stream; the
 * operator command writes its audit lines to stderr). JSON is pino's own output, unchanged.
 */
export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (format === 'pretty') {
    const output = destination ?? pino.destination({ dest: 1, sync: true });
    return pino(options, prettyDestination(level, output, destination === undefined && isColorSupported));
  }
  return destination ? pino(options, destination) : pino(options);
}
