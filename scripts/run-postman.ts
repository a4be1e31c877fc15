import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import newman from 'newman';
import { findFreePort } from '../src/db/embedded-ferretdb';

/**
 * npm run test:postman: starts the API (through tsx, no build needed) on a free loopback port with a fresh
 * embedded database, waits for /readyz, runs the Postman collection with newman, and stops the API and its
 * database whatever happened. Exit code 0 only when every assertion of the collection passed.
 */

const ROOT = path.resolve(__dirname, '..');
const COLLECTION = path.join(ROOT, 'postman', 'logout-auth-api.postman_collection.json');
const ENVIRONMENT = path.join(ROOT, 'postman', 'logout-auth-api.postman_environment.json');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

interface RunningApi {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function startApi(port: number, dataDir: string): RunningApi {
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: String(port), EMBEDDED_DB_DIR: dataDir, MONGODB_URI: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a hung API can be killed with its embedded database in one signal.
    detached: true,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => output, exited };
}

async function waitUntilReady(baseUrl: string, api: RunningApi): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (api.child.exitCode !== null || api.child.signalCode !== null) throw new Error(`the API exited during start-up:\n${api.output()}`);
    const ready = await fetch(`${baseUrl}/readyz`).then((res) => res.status === 200, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the API was not ready within ${READY_TIMEOUT_MS / 1000}s:\n${api.output()}`);
}

/** SIGTERM lets the API close its database; the whole group is killed if it takes too long. */
async function stopApi(api: RunningApi): Promise<void> {
  const pid = api.child.pid;
  if (pid === undefined || api.child.exitCode !== null || api.child.signalCode !== null) return;
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, STOP_TIMEOUT_MS);
  process.kill(-pid, 'SIGTERM');
  await api.exited;
  clearTimeout(timer);
}

function runCollection(baseUrl: string): Promise<newman.NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: COLLECTION,
        environment: ENVIRONMENT,
        envVar: [{ key: 'baseUrl', value: baseUrl }],
        reporters: ['cli'],
        timeoutRequest: 15_000,
        color: 'off',
      },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    );
  });
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-postman-'));
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const api = startApi(port, dataDir);
  const stop = () => void stopApi(api).finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await waitUntilReady(baseUrl, api);
    console.log(`API ready on ${baseUrl}; running ${path.relative(ROOT, COLLECTION)}`);
    const summary = await runCollection(baseUrl);
    const failures = summary.run.failures.length;
    const total = summary.run.stats.assertions.total ?? 0;
    const failed = summary.run.stats.assertions.failed ?? 0;
    // The plain closing line CI reads; script errors count as failures even when no assertion failed.
    console.log(`postman: ${total - failed} passed, ${failed} failed`);
    return failures === 0 && total > 0 ? 0 : 1;
  } finally {
    await stopApi(api);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
