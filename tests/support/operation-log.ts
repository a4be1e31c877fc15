import type { Connection } from 'mongoose';

/**
 * The operations one app sends to the database, in the order it sends them: mongoose calls a connection's
 * debug hook synchronously just before it hands an operation to the driver. Race tests use it to see
 * which interleaving a run actually produced, and to start the competing request at the critical point.
 */
export interface Operation {
  collection: string;
  method: string;
  /** The operation's arguments as mongoose passes them: filter or document first. */
  args: unknown[];
}

export interface OperationLog {
  readonly operations: Operation[];
  /** Positions of the operations that match, in sending order. */
  positions(match: (operation: Operation) => boolean): number[];
  /** Stops recording (the hook is the connection's only one; call it in a finally). */
  stop(): void;
}

export function recordOperations(connection: Connection, onOperation?: (operation: Operation) => void): OperationLog {
  const operations: Operation[] = [];
  connection.set('debug', (collection: string, method: string, ...args: unknown[]) => {
    const operation = { collection, method, args };
    operations.push(operation);
    onOperation?.(operation);
  });
  return {
    operations,
    positions: (match) => operations.flatMap((operation, i) => (match(operation) ? [i] : [])),
    stop: () => connection.set('debug', false),
  };
}

/** The document an insert sends, or the filter of any other operation. */
export function firstArgument(operation: Operation): Record<string, unknown> {
  return (operation.args[0] ?? {}) as Record<string, unknown>;
}

export const isOperation = (collection: string, method: string, match: (first: Record<string, unknown>) => boolean = () => true) =>
  (operation: Operation) => operation.collection === collection && operation.method === method && match(firstArgument(operation));

/** A refresh of one of these sessions has read it as live and is inserting its successor token. */
export const mintingFor = (sessionIds: string[]) => isOperation('refresh_tokens', 'insertOne', (doc) => sessionIds.includes(String(doc.sessionId)));

/** The claim on a refresh token's rotation (one request's insert wins it). */
export const claimOf = (tokenHash: string) => isOperation('refresh_token_rotations', 'insertOne', (doc) => doc._id === tokenHash);

/**
 * Refreshes of `sessionId` caught at work at `position`: each had read the session as live and inserted its
 * successor token before it, and sent its claim on the rotation (paired by the successor's hash) after it.
 */
export function refreshesAcross(log: OperationLog, sessionId: string, position: number): number {
  const successors = new Map<string, number>();
  for (const i of log.positions(mintingFor([sessionId]))) successors.set(String(firstArgument(log.operations[i]!)._id), i);
  return log.operations.filter((operation, i) => {
    if (!isOperation('refresh_token_rotations', 'insertOne')(operation) || i <= position) return false;
    const insertedAt = successors.get(String(firstArgument(operation).successorHash));
    return insertedAt !== undefined && insertedAt < position;
  }).length;
}

/**
 * A request started the first time the app sends an operation that matches `when`: the competing request,
 * begun at the critical point of the others. Pass `onOperation` to recordOperations.
 */
export function startAt<T>(when: (operation: Operation) => boolean, start: () => PromiseLike<T>) {
  let started: Promise<T> | undefined;
  return {
    onOperation(operation: Operation) {
      if (!started && when(operation)) started = Promise.resolve(start());
    },
    /** The request's outcome; fails if the critical point was never reached. */
    result(): Promise<T> {
      return started ?? Promise.reject(new Error('the critical point was never reached, so the competing request never started'));
    },
  };
}

/**
 * For races whose timing the test cannot force (password hashing, a loaded machine): runs `round`, each
 * checking its own outcome and reporting whether the interleaving it is about happened. Runs at least
 * `atLeast` rounds, then stops once one of them raced; fails after `atMost` rounds without one.
 */
export async function roundsUntilRaced(round: () => Promise<boolean>, { atLeast = 1, atMost = 10 } = {}): Promise<void> {
  let raced = false;
  for (let rounds = 1; rounds <= atMost; rounds += 1) {
    raced = (await round()) || raced;
    if (raced && rounds >= atLeast) return;
  }
  throw new Error(`the race never happened in ${atMost} rounds`);
}
