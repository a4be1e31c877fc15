import mongoose, { type Connection } from 'mongoose';

export interface ConnectOptions {
  /** Overrides the database named in the URI (each test file uses its own). */
  dbName?: string;
  /** The most one database operation may take before it fails (and the API answers 503). */
  operationTimeoutMs: number;
}

/**
 * The driver's limits for an operation, so that the whole operation, the driver's retries included,
 * fails within `operationTimeoutMs` even when the server accepts connections but never answers (a hung
 * or stopped process, a black-holed network).
 *
 * The driver has no single budget for an operation (its `timeoutMS` is ignored since driver 7), so the
 * budget is built from the limits each stage of an attempt has:
 * - server selection, when the server is not known to be up: `serverSelectionTimeoutMS`;
 * - checking out a connection, including opening a new one and its handshake: `waitQueueTimeoutMS`
 *   (and `connectTimeoutMS` for the TCP connect and the handshake themselves);
 * - waiting for the reply on an open connection: `socketTimeoutMS`.
 * Against a server that does not answer, one attempt ends in one of these stages; a read (and, on a
 * replica set, a write) that failed on the network is retried once, so each attempt gets half.
 *
 * No retries past that one: driver 7 labels a connection that could not be opened (a refused connect, a
 * handshake with no answer) as a sign of an overloaded server and retries the operation, reads and
 * writes, up to `maxAdaptiveRetries` (2) more times with a backoff. Against a hung server a read then
 * ran up to three attempts and two backoffs, past the bound (most likely the 503 a CI run got after
 * 4.1 s against a 2 s bound); tests/database-hang.test.ts forces that interleaving. An overloaded
 * database gets the API's 503 with Retry-After instead, which hands the backoff to the client.
 */
export function operationLimits(operationTimeoutMs: number) {
  const attemptMs = Math.max(1, Math.floor(operationTimeoutMs / 2));
  return {
    serverSelectionTimeoutMS: attemptMs,
    waitQueueTimeoutMS: attemptMs,
    connectTimeoutMS: attemptMs,
    socketTimeoutMS: attemptMs,
    maxAdaptiveRetries: 0,
  };
}

/**
 * One mongoose connection per app instance rather than the global default, so that several apps
 * (tests, benchmarks) can live in one process, each on its own database.
 */
export async function connectDatabase(uri: string, options: ConnectOptions): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    ...(options.dbName ? { dbName: options.dbName } : {}),
    ...operationLimits(options.operationTimeoutMs),
    // Fail fast instead of queueing requests in memory while the database is away.
    bufferCommands: false,
    // Indexes are created by ensureIndexes, which knows which options each server accepts.
    autoIndex: false,
    autoCreate: false,
  });
  await connection.asPromise();
  return connection;
}

/** True when the server answers a ping within the timeout. */
export async function isDatabaseReachable(connection: Connection, timeoutMs: number): Promise<boolean> {
  const db = connection.db;
  if (!db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([db.admin().ping().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
