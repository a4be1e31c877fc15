import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/dev-database/embedded-ferretdb';
import { findFreePort } from '../../src/dev-database/free-port';

/**
 * A FerretDB of a test's own (its own data folder and port), for tests that stop the database without
 * disturbing the other suites: pause it (SIGSTOP: the port still accepts connections, nothing answers),
 * resume it, kill it (SIGKILL: connections refused) and start it again on the same port and data.
 */
export interface OwnDatabase {
  /** mongodb://127.0.0.1:<port>/ — the same across restarts. */
  readonly uri: string;
  /** SIGSTOP, resolving once every thread of the process has actually stopped. */
  pause(): Promise<void>;
  resume(): void;
  /** SIGKILL, then wait for the process to be gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  restart(): Promise<void>;
  /** Stops it for good and deletes its data. */
  close(): Promise<void>;
}

/**
 * kill() only queues SIGSTOP: each thread of the (Go) process stops when it next runs, and for a few ms a
 * running thread can still answer a request. On Linux, wait until /proc shows every thread stopped.
 */
async function untilStopped(pid: number): Promise<void> {
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return;
  }
  // The state is the field after the command name, which is in parentheses and may itself hold any.
  const isStopped = (tid: string) => {
    try {
      const stat = readFileSync(`${tasks}/${tid}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] === 'T';
    } catch {
      return true; // the thread has exited
    }
  };
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (readdirSync(tasks).every(isStopped)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`the database process ${pid} did not stop within 5 s of SIGSTOP`);
}

export async function startOwnDatabase(): Promise<OwnDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-own-db-'));
  const port = await findFreePort();
  let running: EmbeddedDatabase | undefined = await startEmbeddedDatabase({ dataDir, port });
  let paused = false;

  const signal = (name: NodeJS.Signals) => {
    if (running?.pid !== undefined) process.kill(running.pid, name);
  };

  const resume = () => {
    if (!paused) return;
    signal('SIGCONT');
    paused = false;
  };

  return {
    uri: running.uri,
    async pause() {
      signal('SIGSTOP');
      paused = true;
      if (running?.pid !== undefined) await untilStopped(running.pid);
    },
    resume,
    async kill() {
      if (!running) return;
      signal('SIGKILL');
      paused = false;
      await running.stop();
      running = undefined;
    },
    async restart() {
      if (running) throw new Error('the database is still running');
      running = await startEmbeddedDatabase({ dataDir, port });
    },
    async close() {
      resume();
      await running?.stop();
      running = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
