import mongoose, { type Connection } from 'mongoose';

export interface ConnectOptions {
  /** Overrides the database named in the URI (each test file uses its own). */
  dbName?: string;
  /** How long an operation may wait for a reachable server before it fails (and the API answers 503). */
  operationTimeoutMs: number;
}

/**
 * One mongoose connection per app instance rather than the global default, so that several apps
 * (tests, benchmarks) can live in one process, each on its own database.
 */
export async function connectDatabase(uri: string, options: ConnectOptions): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    ...(options.dbName ? { dbName: options.dbName } : {}),
    serverSelectionTimeoutMS: options.operationTimeoutMs,
    connectTimeoutMS: options.operationTimeoutMs,
    socketTimeoutMS: options.operationTimeoutMs * 6,
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
