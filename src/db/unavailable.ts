/**
 * Errors of the MongoDB driver that mean "the database cannot be reached right now", not "a bug". By
 * name, since the pool's errors are not exported by the driver; the timeouts are the ones
 * src/db/connection.ts sets, so a server that hangs ends here as surely as one that refuses. What the
 * driver throws is known here, beside the connection, and nowhere above it.
 */
const UNAVAILABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoClientClosedError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
]);

/**
 * Socket errors the driver sometimes lets through unwrapped: writing a command to a pooled connection
 * whose server has just gone away throws Node's own EPIPE ("This socket has been ended by the other
 * party"), not a MongoNetworkError (seen with driver 7.8 when FerretDB is killed under load). Nothing
 * else in a request handler opens a socket, so such an error is the database's.
 */
const SOCKET_ERROR_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED']);

/**
 * A bulk write (the rate-limit counters' insertMany) that failed as a whole, with no document refused:
 * the driver wraps whatever stopped it (a refused connection, a socket or pool-checkout timeout) in a
 * MongoBulkWriteError without write errors. A document the server refused would be among writeErrors.
 */
function isFailedBulkConnection(error: Error): boolean {
  if (error.name !== 'MongoBulkWriteError') return false;
  const { writeErrors } = error as { writeErrors?: unknown[] };
  return (writeErrors ?? []).length === 0;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_ERRORS.has(error.name) || isFailedBulkConnection(error)) return true;
  if ('code' in error && typeof error.code === 'string' && SOCKET_ERROR_CODES.has(error.code)) return true;
  // mongoose refuses to queue operations while disconnected (bufferCommands: false)
  return error.name === 'MongooseError' && /before initial connection|not connected|connection .* closed/i.test(error.message);
}
