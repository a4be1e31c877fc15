import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run dev:spa` (from the repository root): the API in watch mode on http://127.0.0.1:3000 with its
 * embedded database, and the SPA's Vite dev server on http://127.0.0.1:5173 proxying /api to it.
 * Ctrl-C stops both.
 */

const spaRoot = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(spaRoot, '../..');

if (!existsSync(path.join(spaRoot, 'node_modules', '.package-lock.json'))) {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: spaRoot, stdio: 'inherit' });
}

function start(label: string, args: string[], cwd: string): ChildProcess {
  // Own process group, so stopping npm also stops the server it started.
  const child = spawn('npm', args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => `[${label}] ${line}\n`)
      .join('');
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.on('exit', (code, signal) => {
    console.log(`[${label}] exited (${signal ?? code})`);
    stopAll(code ?? 1);
  });
  return child;
}

const children = [
  start('api', ['run', 'dev'], repoRoot),
  start('spa', ['run', 'dev'], spaRoot),
];

let stopping = false;
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
  setTimeout(() => process.exit(code), 500).unref();
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
console.log('Starting the API (http://127.0.0.1:3000) and the SPA (http://127.0.0.1:5173); open the SPA, Ctrl-C stops both.');
