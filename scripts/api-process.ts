import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { findFreePort } from '../src/dev-database/free-port';

/**
 * The API as a real process (`node --import tsx src/server.ts`, no build step), the way `npm start` runs
 * it: for the Postman run, the process tests and the several-instances test. One place knows how to
 * start it, wait for it, and stop it together with the embedded database it may have started.
 */

const ROOT = path.resolve(__dirname, '..');
const STOP_TIMEOUT_MS = 15_000;

export interface SpawnedApi {
  child: ChildProcess;
  /** The last 20 kB of what the process printed, for error messages and assertions. */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGTERM (a clean shutdown that stops its database); the whole process group is killed if that hangs. */
  stop(): Promise<void>;
}

export interface StartedApi extends SpawnedApi {
  url: string;
}

/**
 * The caller's environment is not passed on, so a developer's own settings (MONGODB_URI, say) cannot change
 * what a test starts: only PATH, HOME and Go's variables (for a first build of FerretDB) go through.
 */
function baseEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && (['PATH', 'HOME'].includes(entry[0]) || entry[0].startsWith('GO')),
    ),
  );
}

/** Starts the process with exactly this configuration; it may fail to start. */
export function spawnApi(env: Record<string, string>): SpawnedApi {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...baseEnvironment(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a hung API can be killed with its embedded database in one signal.
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  async function stop(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, STOP_TIMEOUT_MS);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  }

  return { child, output: () => output, exited, stop };
}

/** Polls `url` until it answers 200, failing early if the process exits. */
export async function waitUntilAnswering(url: string, api: SpawnedApi, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (api.child.exitCode !== null || api.child.signalCode !== null) {
      throw new Error(`the API exited during start-up (${api.child.exitCode ?? api.child.signalCode}):\n${api.output()}`);
    }
    const ok = await fetch(url).then((res) => res.status === 200, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the API did not answer ${url} within ${timeoutMs / 1000}s:\n${api.output()}`);
}

/**
 * Starts the API on a free loopback port and resolves once `/readyz` says its database answers.
 * `env` is the whole configuration; PORT and HOST are filled in.
 */
export async function startApi(env: Record<string, string>, readyTimeoutMs = 120_000): Promise<StartedApi> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const api = spawnApi({ ...env, HOST: '127.0.0.1', PORT: String(port) });
  try {
    await waitUntilAnswering(`${url}/readyz`, api, readyTimeoutMs);
  } catch (error) {
    await api.stop();
    throw error;
  }
  return { ...api, url };
}
