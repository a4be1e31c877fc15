import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { findFreePort } from '../../src/db/embedded-ferretdb';
import { TEST_SECRET } from './test-app';

/**
 * The API as a real process (`node --import tsx src/server.ts`), the way an instance behind a load
 * balancer runs: its own port on 127.0.0.1, its own memory, a shared database.
 */

export interface ApiProcess {
  url: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 20_000;

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API process exited (${child.exitCode}):\n${output()}`);
    const healthy = await fetch(`${url}/healthz`).then((res) => res.ok, () => false);
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`API process did not answer within ${START_TIMEOUT_MS / 1000}s:\n${output()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** `mongodbUri` names the shared database; `env` adds settings such as SESSION_CACHE_STALENESS_MS. */
export async function startApiProcess(mongodbUri: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      MONGODB_URI: mongodbUri,
      JWT_ACCESS_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, () => output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { url, stop: () => stopChild(child) };
}
