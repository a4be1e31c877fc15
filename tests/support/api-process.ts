import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { findFreePort } from '../../src/dev-database/free-port';
import { TEST_SECRET } from './test-secret';

/**
 * The API as a real process: for the Postman run, the fuzzer, the process tests, the several-instances
 * tests and the SPA's browser tests. One place knows how to start it, wait for it, and stop it together
 * with the embedded database it may have started.
 */

// From __filename: where the SPA's browser tests (an ES module) load this file, tsx 4.23 gives it a
// __dirname of "data:text", and the right __filename.
const ROOT = path.resolve(path.dirname(__filename), '..', '..');
const STOP_TIMEOUT_MS = 15_000;

export interface SpawnedProcess {
  child: ChildProcess;
  /** The last 20 kB of what the process printed, for error messages and assertions. */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGTERM (a clean shutdown: the API stops its database); the whole process group is killed if that hangs. */
  stop(): Promise<void>;
  /**
   * Resolves once the output matches: a line the process printed may reach this side after an answer
   * it sent later over a socket, since the two travel through different pipes.
   */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** An API that answers on `url`. */
export interface ApiProcess extends SpawnedProcess {
  url: string;
}

/** Starts a process in its own process group, so that a hung one can be killed with whatever it started in one signal. */
export function spawnProcess(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): SpawnedProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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

  function printed(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pattern.test(output)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the process did not print ${pattern} within ${timeoutMs / 1000}s:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      check();
    });
  }

  return { child, output: () => output, exited, stop, printed };
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

export interface SpawnApiOptions {
  /**
   * source (the default): src/server.ts through tsx, no build step. build: `node dist/server.js`, exactly
   * what `npm start` runs; the caller builds first.
   */
  from?: 'source' | 'build';
}

/** Starts the API with exactly this configuration; it may fail to start. */
export function spawnApi(env: Record<string, string>, { from = 'source' }: SpawnApiOptions = {}): SpawnedProcess {
  const args = from === 'build' ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  return spawnProcess(process.execPath, args, { cwd: ROOT, env: { ...baseEnvironment(), ...env } });
}

/** Polls `url` until it answers 200, failing early if the process (`label` in the error) exits. */
export async function waitUntilAnswering(url: string, spawned: SpawnedProcess, timeoutMs: number, label = 'the API'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) {
      throw new Error(`${label} exited during start-up (${spawned.child.exitCode ?? spawned.child.signalCode}):\n${spawned.output()}`);
    }
    const ok = await fetch(url).then((res) => res.status === 200, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${label} did not answer ${url} within ${timeoutMs / 1000}s:\n${spawned.output()}`);
}

export interface StartApiOptions extends SpawnApiOptions {
  /** Names the API in a start-up error, where several start at once. */
  label?: string;
}

/**
 * Starts the API on a free loopback port and resolves once `/readyz` says its database answers.
 * `env` is the whole configuration; PORT and HOST are filled in.
 */
export async function startApi(env: Record<string, string>, readyTimeoutMs = 120_000, options: StartApiOptions = {}): Promise<ApiProcess> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const api = spawnApi({ ...env, HOST: '127.0.0.1', PORT: String(port) }, options);
  try {
    await waitUntilAnswering(`${url}/readyz`, api, readyTimeoutMs, options.label);
  } catch (error) {
    await api.stop();
    throw error;
  }
  return { ...api, url };
}

/**
 * An API instance the way one runs behind a load balancer: its own port on 127.0.0.1, its own memory,
 * a shared database. `mongodbUri` names that database; `env` adds settings such as REVOCATION_LEASE_MS.
 */
export function startApiProcess(mongodbUri: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  return startApi(
    {
      NODE_ENV: 'test',
      MONGODB_URI: mongodbUri,
      JWT_ACCESS_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
      ...env,
    },
    20_000,
  );
}
