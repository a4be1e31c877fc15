import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { CaseAppName } from './case-apps';

/** One case's server, as its own process: `node --import tsx bench/case-server.ts <app>`. */
export function startCaseServer(app: CaseAppName, env: NodeJS.ProcessEnv): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(path.join(__dirname, 'case-server.ts'), [app], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ port: message.port, child }));
    child.once('exit', (code) => reject(new Error(`case server "${app}" exited with ${code} before listening`)));
  });
}

export function stopCaseServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
