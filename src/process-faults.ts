import type { Logger } from 'pino';

/**
 * Faults outside any request. Express 5 already hands a rejected handler's error to the error handler,
 * so a request never dies silently; what reaches these did not belong to a request. A stray rejection is
 * logged and the process carries on. After an uncaught exception the process state is unknown, so it is
 * logged as fatal and `stop` is called: no new connections, in-flight requests finish, exit non-zero for
 * the supervisor to restart it.
 */
export function logProcessFaults(proc: Pick<NodeJS.Process, 'on'>, logger: Logger, stop: () => void): void {
  proc.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
  proc.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception: shutting down');
    stop();
  });
}
