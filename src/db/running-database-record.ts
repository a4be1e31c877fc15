import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The embedded database listens on a port picked at start-up, so a second process on the same checkout
 * (the operator command) could not find it. The API process that started it leaves this note in the
 * data directory: where the database listens and which process owns it. It is removed on a clean
 * shutdown; after a crash it stays behind, and readers ignore it because its process is gone.
 */

export interface RunningDatabaseRecord {
  /** The connection string, database name included. */
  uri: string;
  /** The API process that started the database and will stop it. */
  pid: number;
  ferretdbPid: number | undefined;
  startedAt: string;
}

const FILE_NAME = 'running-api.json';

function recordPath(dataDir: string): string {
  return path.join(dataDir, FILE_NAME);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeRunningDatabaseRecord(dataDir: string, record: RunningDatabaseRecord): void {
  writeFileSync(recordPath(dataDir), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

function readRecord(dataDir: string): RunningDatabaseRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(recordPath(dataDir), 'utf8')) as Partial<RunningDatabaseRecord>;
    if (typeof parsed.uri !== 'string' || typeof parsed.pid !== 'number') return undefined;
    return parsed as RunningDatabaseRecord;
  } catch {
    return undefined;
  }
}

/** Only this process's own record: another API started later on the same directory may have replaced it. */
export function removeRunningDatabaseRecord(dataDir: string): void {
  if (readRecord(dataDir)?.pid === process.pid) rmSync(recordPath(dataDir), { force: true });
}

/** The embedded database of an API process that is running on this data directory, if there is one. */
export function findRunningDatabase(dataDir: string): RunningDatabaseRecord | undefined {
  const record = readRecord(path.resolve(dataDir));
  return record && isProcessAlive(record.pid) ? record : undefined;
}
